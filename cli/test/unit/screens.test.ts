// The words on the tailnet and pairing screens: right for the control server in use, never a loopback QR
// code, never "undefined". (The screens as a whole are golden files: cli/test/integration/screens.test.ts.)
import { describe, expect, it } from 'vitest';
import { type PairInfo, TAILNET_STATES, type TailnetInfo } from '../../src/channel/messages.js';
import { stripColor } from '../../src/command-line.js';
import { isLoopbackHost, isLoopbackUrl } from '../../src/transport/loopback.js';
import { qrCode } from '../../src/ui/output.js';
import {
  noPhoneLoopback,
  noPhoneTailnet,
  onYourTailnet,
  pairingText,
  tailnetHints,
  tailnetLine,
} from '../../src/ui/screens.js';
import { qrBlocks } from '../integration/screen.js';

const base: TailnetInfo = { state: 'starting', ips: [], https: false, restarts: 0 };
const tailscale = (patch: Partial<TailnetInfo>): TailnetInfo => ({ ...base, ...patch });
const headscale = (patch: Partial<TailnetInfo>): TailnetInfo => ({
  ...base,
  loginServer: 'https://headscale.example.com',
  ...patch,
});
const running = { state: 'running' as const, url: 'http://paseo.tail1234.ts.net/', fqdn: 'paseo.tail1234.ts.net' };

const pair = (urls: string[]): PairInfo => ({
  code: 'K3X9-M2B7',
  url: urls[0]!,
  urls,
  fingerprint: 'VBXF-GPEA-DV6W-AT6J',
  expiresAt: new Date(Date.now() + 5 * 60_000).toISOString(),
});

describe('tailnet words', () => {
  it('say something for every state, with or without details, and never undefined', () => {
    for (const make of [tailscale, headscale])
      for (const state of TAILNET_STATES)
        for (const extra of [{}, { detail: 'x', loginUrl: 'https://login/a/1', url: 'http://p/' }]) {
          const t = make({ state, ...extra });
          const text = [tailnetLine(t), ...tailnetHints(t), noPhoneTailnet(t, 3000, 'Then this.')].join('\n');
          expect(text).not.toMatch(/undefined|null|\[object Object\]|NaN/);
        }
  });

  it('point to the Tailscale admin console only on Tailscale', () => {
    for (const t of [
      { state: 'needs-approval' as const },
      { ...running, https: false },
      { ...running, https: true, magicDNS: false },
    ]) {
      const words = (x: TailnetInfo) => [tailnetLine(x), ...tailnetHints(x)].join('\n');
      expect(words(tailscale(t))).toContain('Tailscale admin console');
      expect(words(headscale(t))).not.toMatch(/admin console|Tailscale/);
    }
    expect(tailnetHints(headscale({ ...running, https: false })).join('')).toContain(
      'this control server issues no HTTPS certificates',
    );
    expect(tailnetHints(tailscale({ ...running, https: true }))).toEqual([]);
  });

  it('announce the tailnet address with its hints', () => {
    expect(onYourTailnet(tailscale({ ...running, https: true }))).toBe(
      'On your tailnet: http://paseo.tail1234.ts.net/\n',
    );
    expect(onYourTailnet(headscale({ ...running }))).toMatch(/^On your tailnet: http:\/\/paseo\S+\n {2}Plain HTTP/);
  });
});

describe('pairing block', () => {
  it('offers a QR code only for an address a phone can open, and the local one as text', () => {
    const local = 'http://127.0.0.1:6767/#pair=K3X9-M2B7&key=k';
    const onlyLocal = pairingText(pair([local]), noPhoneLoopback(local));
    expect(noPhoneLoopback('http://[::1]:6767/')).toContain('listens on this computer only (::1), which');
    expect(noPhoneLoopback(undefined)).toContain('listens on this computer only, which');
    expect(qrBlocks(onlyLocal)).toEqual([]);
    expect(onlyLocal).toContain('No QR code for a phone');
    expect(onlyLocal).toContain('--listen');
    expect(onlyLocal).toContain('--relay');
    expect(onlyLocal).toContain(`  ${local}\n`);

    const tailnet = 'http://paseo.tail1234.ts.net/#pair=K3X9-M2B7&key=k';
    const both = pairingText(pair([tailnet, local]), 'unused');
    expect(qrBlocks(both)).toHaveLength(1);
    expect(both).toContain(`  URL:  ${tailnet}\n`);
    expect(both).toContain(`  On this computer: ${local}\n`);
    expect(both).not.toContain('unused');
  });

  it('offers the relay’s QR code too, saying which is which, and the key fingerprint', () => {
    const local = 'http://127.0.0.1:6767/#pair=K3X9-M2B7&key=k';
    const tailnet = 'http://paseo.tail1234.ts.net/#pair=K3X9-M2B7&key=k';
    const relay = 'https://relay.example.com/#pair=K3X9-M2B7&key=k&daemon=abcdefghijkmnpqrstuv';
    const both = pairingText({ ...pair([tailnet, relay, local]), relayUrl: relay }, 'unused');
    expect(qrBlocks(both)).toHaveLength(2);
    expect(both).toMatch(/^Scan this with your phone to pair it:\n/);
    expect(both).toContain(
      'A phone that cannot reach this computer directly scans this one instead (through the relay at relay.example.com):',
    );
    expect(both.indexOf('directly scans')).toBeGreaterThan(both.indexOf(qrBlocks(both)[0]![0]!));
    expect(both).toContain(`  URL:  ${tailnet}\n  Relay: ${relay}\n`);
    expect(both).toContain('  Key:  VBXF-GPEA-DV6W-AT6J  (the phone shows the same key while it pairs)');

    // On this computer only, the relay is the phone's way in: its QR code, and no "no QR code" sentence.
    const viaRelay = pairingText({ ...pair([relay, local]), relayUrl: relay }, noPhoneLoopback(local));
    expect(qrBlocks(viaRelay)).toHaveLength(1);
    expect(viaRelay).toMatch(/^Scan this with your phone to pair it \(through the relay at relay\.example\.com\):/);
    expect(viaRelay).not.toContain('No QR code');
    expect(viaRelay).toContain(`  On this computer: ${local}\n`);
  });

  it('tells loopback addresses from others', () => {
    const loopback = ['127.0.0.1', '127.1.2.3', '127.1', 'localhost', 'LOCALHOST.', 'app.localhost', '::1', '[::1]'];
    loopback.push('0:0:0:0:0:0:0:1', '[0000::0001]', '::ffff:127.0.0.1', '::ffff:7f00:1');
    for (const h of loopback) expect(isLoopbackHost(h), h).toBe(true);
    const others = ['0.0.0.0', '192.168.1.2', '100.64.0.1', '128.0.0.1', 'paseo.tail1234.ts.net', 'localhost.example'];
    others.push('::', '::2', '::ffff:10.0.0.1', 'fd7a:115c:a1e0::1', 'not a host');
    for (const h of others) expect(isLoopbackHost(h), h).toBe(false);
    expect(isLoopbackUrl('http://[::1]:6767/')).toBe(true);
    expect(isLoopbackUrl('http://[0:0:0:0:0:0:0:1]:6767/')).toBe(true);
    expect(isLoopbackUrl('http://0x7f.1:6767/')).toBe(true);
    expect(isLoopbackUrl('http://paseo.tail1234.ts.net/')).toBe(false);
    expect(isLoopbackUrl('not a url')).toBe(false);
  });
});

describe('QR codes on a terminal', () => {
  it('are drawn white on black when the output takes colours, so a light theme does not invert them', () => {
    const plain = qrCode('http://paseo.example.ts.net/#pair=ABCD2345', false);
    const coloured = qrCode('http://paseo.example.ts.net/#pair=ABCD2345', true);
    expect(stripColor(coloured)).toBe(plain);
    for (const line of coloured.split('\n')) {
      expect(line.startsWith('\x1b[38;5;231;48;5;16m')).toBe(true);
      expect(line.endsWith('\x1b[0m')).toBe(true);
    }
    expect(plain).not.toContain('\x1b');
  });
});
