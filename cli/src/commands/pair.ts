// `paseo pair`: a one-time pairing code as a QR code, text and URL. While the tailnet is joining, the code
// waits for it (bounded, with progress): until then the only address is 127.0.0.1, which a phone cannot open.
import { defineCommand } from 'citty';
import type { PairInfo, TailnetInfo } from '../channel/messages.js';
import { isLoopbackUrl } from '../transport/loopback.js';
import { LiveLine } from '../ui/output.js';
import { noPhoneLoopback, noPhoneTailnet, pairingText } from '../ui/screens.js';
import type { ControlClient } from './control-client.js';
import { jsonFlag, printOutput } from './listing.js';
import { withDaemon } from './shared.js';
import { isJoining, TailnetReporter, tailnetWaitMs, waitForTailnet } from './tailnet-wait.js';

/** A pairing code, and the sentence to show when none of its addresses opens on a phone. */
export interface PhonePairing {
  pair: PairInfo;
  noPhone: string;
  tailnet: TailnetInfo;
  /** True when it waited for the tailnet. */
  waited: boolean;
}

/**
 * Creates a pairing code once the tailnet is reachable: waits while it is joining (tailnetWaitMs) and,
 * up to personWaitMs, while a person must log in or approve. `out` gets progress lines; `then` ends the
 * sentence said when there is still no address for a phone.
 */
export async function pairWhenReachable(
  c: ControlClient,
  o: { personWaitMs: number; out?: (s: string) => void; live?: LiveLine; then: string },
): Promise<PhonePairing> {
  const status = () => c.request({ t: 'status' }).then((s) => s.tailnet);
  let tailnet = await status();
  let waitedMs = 0;
  const waitForPerson = o.personWaitMs > 0 && (tailnet.state === 'needs-login' || tailnet.state === 'needs-approval');
  const waited = isJoining(tailnet) || waitForPerson;
  if (waited) {
    o.out?.('Waiting for the tailnet before showing a pairing code for your phone…\n');
    const reporter = new TailnetReporter(o.out ?? (() => {}));
    const r = await waitForTailnet(status, {
      waitMs: tailnetWaitMs(),
      personWaitMs: o.personWaitMs,
      onChange: (t) => reporter.report(t),
      ...(o.live ? { live: o.live } : {}),
    });
    tailnet = r.tailnet;
    waitedMs = r.waitedMs;
  }
  const pair = await c.request({ t: 'pair.create' });
  const noPhone =
    tailnet.state === 'off'
      ? noPhoneLoopback(pair.urls.find(isLoopbackUrl))
      : noPhoneTailnet(tailnet, waitedMs, o.then);
  return { pair, noPhone, tailnet, waited };
}

export default defineCommand({
  meta: { name: 'pair', description: 'Create a one-time code to pair a phone or browser with this computer.' },
  args: {
    json: jsonFlag('{"url", "code", "expiresAt", "urls", "fingerprint", "relayUrl"}'),
  },
  async run({ args }) {
    const live = new LiveLine();
    const out = (s: string) => {
      live.clear();
      process.stdout.write(s);
    };
    const then = 'Run `paseo pair` again once `paseo status` says the tailnet is running.';
    const r = await withDaemon((c) =>
      pairWhenReachable(c, { personWaitMs: 0, live, then, ...(args.json ? {} : { out }) }),
    );
    const p = r.pair;
    live.clear();
    printOutput(
      args.json,
      {
        url: p.url,
        code: p.code,
        expiresAt: p.expiresAt,
        urls: p.urls,
        fingerprint: p.fingerprint,
        ...(p.relayUrl ? { relayUrl: p.relayUrl } : {}),
      },
      () => `${r.waited ? '\n' : ''}${pairingText(p, r.noPhone)}`,
    );
  },
});
