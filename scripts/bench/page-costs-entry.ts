// Browser side of page-costs.ts: window.paseoPageCosts(mib) → ms per MiB to decrypt, and to write and
// render in xterm.js. Bundled for the page by page-costs.ts.
import { Terminal } from '@xterm/xterm';
import { nobleChaChaPoly, noiseNonce } from '../../cli/src/channel/aead.js';

const FRAME = 60 * 1024;

function text(bytes: number): Uint8Array {
  const words = 'error warning compiling linking src lib test build ok passed module function const'.split(' ');
  const out = new Uint8Array(bytes);
  let o = 0;
  for (let line = 1; o < bytes; line++) {
    let s = `[${String(line).padStart(7, '0')}]`;
    for (let w = 0; w < 2 + (line % 13); w++) s += ` ${words[(line * 7 + w) % words.length]}`;
    s += '\r\n';
    for (let i = 0; i < s.length && o < bytes; i++) out[o++] = s.charCodeAt(i);
  }
  return out;
}

async function costs(mib: number): Promise<{ decryptMsPerMiB: number; renderMsPerMiB: number }> {
  const plain = text(mib * 1024 * 1024);
  const key = new Uint8Array(32).fill(9);
  const aead = nobleChaChaPoly(key);
  const sealed: Uint8Array[] = [];
  for (let at = 0, n = 0; at < plain.length; at += FRAME, n++) {
    sealed.push(aead.seal(noiseNonce(BigInt(n)), new Uint8Array(0), plain.subarray(at, at + FRAME)));
  }
  const t0 = performance.now();
  const opened: Uint8Array[] = sealed.map((c, n) => aead.open(noiseNonce(BigInt(n)), new Uint8Array(0), c));
  const decryptMs = performance.now() - t0;
  const el = document.getElementById('t') as HTMLElement;
  const term = new Terminal({ scrollback: 5000, cols: 120, rows: 40 });
  term.open(el);
  const t1 = performance.now();
  await new Promise<void>((resolve) => {
    for (const chunk of opened) term.write(chunk);
    term.write('', () => resolve());
  });
  // The last frame drawn: one more animation frame after the last write was parsed.
  await new Promise((r) => requestAnimationFrame(() => r(undefined)));
  const renderMs = performance.now() - t1;
  term.dispose();
  return { decryptMsPerMiB: decryptMs / mib, renderMsPerMiB: renderMs / mib };
}

(window as unknown as { paseoPageCosts: typeof costs }).paseoPageCosts = costs;
