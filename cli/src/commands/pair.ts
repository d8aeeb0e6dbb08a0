// `paseo pair`: a one-time pairing code as a QR code, text and URL.
import { defineCommand } from 'citty';
import type { PairInfo } from '../channel/messages.js';
import { qrCode } from '../ui/output.js';
import { jsonFlag, printOutput } from './listing.js';
import { withDaemon } from './shared.js';

/** The pairing block printed by `paseo pair` and `paseo up`. */
export function pairingText(p: PairInfo): string {
  const minutes = Math.max(1, Math.round((Date.parse(p.expiresAt) - Date.now()) / 60_000));
  return [
    'Scan this with your phone to pair it:',
    '',
    qrCode(p.url),
    '',
    `  Code: ${p.code}  (valid ${minutes} minute${minutes === 1 ? '' : 's'}, single use)`,
    `  URL:  ${p.url}`,
    ...p.urls.slice(1).map((u) => `        ${u}`),
    '',
  ].join('\n');
}

export default defineCommand({
  meta: { name: 'pair', description: 'Create a one-time code to pair a phone or browser with this computer.' },
  args: {
    json: jsonFlag('{"url", "code", "expiresAt", "urls"}'),
  },
  async run({ args }) {
    const p = await withDaemon((c) => c.request({ t: 'pair.create' }));
    printOutput(args.json, { url: p.url, code: p.code, expiresAt: p.expiresAt, urls: p.urls }, () => pairingText(p));
  },
});
