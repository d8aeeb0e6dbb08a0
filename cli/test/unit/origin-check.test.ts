// The Host and Origin checks: the whole origin (scheme, host and port) must be one the daemon serves.
import { describe, expect, it } from 'vitest';
import { AllowedHosts } from '../../src/transport/origin-check.js';

const local = () => new AllowedHosts({ host: '127.0.0.1', port: 6767 });
const withTailnet = () => {
  const h = local();
  h.setTailnetHosts(['paseo.tail1234.ts.net.', 'paseo.tail1234.ts.net', 'paseo', '100.64.0.7', 'fd7a:115c:a1e0::7']);
  return h;
};

describe('Origin', () => {
  it('accepts the local origins with the port the daemon listens on', () => {
    const h = local();
    for (const o of ['http://127.0.0.1:6767', 'http://localhost:6767', 'http://[::1]:6767', 'http://LOCALHOST:6767'])
      expect(h.allowsOrigin(o), o).toBe(true);
    expect(h.allowsOrigin(undefined)).toBe(true); // not a browser
  });

  it('refuses another port, another scheme, another host, and anything that is not an origin', () => {
    const h = withTailnet();
    for (const o of [
      'http://localhost:3000', // another local web server's page
      'http://127.0.0.1:6768',
      'http://127.0.0.1',
      'https://127.0.0.1:6767',
      'http://[::1]:3000',
      'http://evil.example.com',
      'http://paseo.tail1234.ts.net:6767',
      'https://paseo.tail1234.ts.net:8443',
      'http://paseo.tail1234.ts.net:443',
      'https://paseo.tail1234.ts.net:80',
      'http://[fd7a:115c:a1e0::8]',
      'null',
      'file://',
      'ws://127.0.0.1:6767',
      'http://user@127.0.0.1:6767',
      'http://127.0.0.1:6767/path',
      '',
    ])
      expect(h.allowsOrigin(o), o).toBe(false);
  });

  it('accepts the tailnet names (full and short) and IPs on :80 (http) and :443 (https)', () => {
    const h = withTailnet();
    for (const o of [
      'http://paseo.tail1234.ts.net',
      'https://paseo.tail1234.ts.net',
      'https://paseo.tail1234.ts.net:443',
      'http://paseo.tail1234.ts.net:80',
      'http://paseo',
      'https://paseo',
      'http://100.64.0.7',
      'http://[fd7a:115c:a1e0::7]',
      'https://[FD7A:115C:A1E0:0::7]',
    ])
      expect(h.allowsOrigin(o), o).toBe(true);
    expect(local().allowsOrigin('https://paseo.tail1234.ts.net'), 'before the tailnet is up').toBe(false);
  });
});

describe('Host', () => {
  it('accepts its own names with the port they are served on', () => {
    const h = withTailnet();
    for (const v of [
      '127.0.0.1:6767',
      'localhost:6767',
      '[::1]:6767',
      'paseo.tail1234.ts.net',
      'paseo.tail1234.ts.net.',
      'paseo.tail1234.ts.net:443',
      'paseo',
      '100.64.0.7:80',
      '[fd7a:115c:a1e0::7]',
    ])
      expect(h.allowsHost(v), v).toBe(true);
  });

  it('refuses other names, other ports and malformed values', () => {
    const h = withTailnet();
    for (const v of [
      undefined,
      '',
      'evil.example.com',
      'evil.example.com:6767',
      '127.0.0.1:3000',
      '127.0.0.1', // port 80, not where the daemon listens
      'localhost:6767@evil',
      'evil.com@127.0.0.1:6767',
      'paseo.tail1234.ts.net:6767',
      '100.64.0.7:8080',
      '[::1',
      '127.0.0.1:99999',
    ])
      expect(h.allowsHost(v), String(v)).toBe(false);
  });

  it('accepts every interface address when listening on all of them', () => {
    const h = new AllowedHosts({ host: '0.0.0.0', port: 7000 });
    expect(h.allowsHost('127.0.0.1:7000')).toBe(true);
    expect(h.allowsOrigin('http://127.0.0.1:7000')).toBe(true);
    expect(h.allowsOrigin('http://127.0.0.1:6767')).toBe(false);
  });
});

describe('Remembered answers', () => {
  it('forgets a tailnet name the daemon no longer has, even one it allowed before', () => {
    const h = withTailnet();
    expect(h.allowsHost('paseo.tail1234.ts.net')).toBe(true);
    expect(h.allowsOrigin('https://paseo.tail1234.ts.net')).toBe(true);
    h.setTailnetHosts(['other.tail1234.ts.net']);
    expect(h.allowsHost('paseo.tail1234.ts.net')).toBe(false);
    expect(h.allowsOrigin('https://paseo.tail1234.ts.net')).toBe(false);
    expect(h.allowsHost('other.tail1234.ts.net')).toBe(true);
  });

  it('answers the same for a header asked again, allowed or refused', () => {
    const h = withTailnet();
    for (let i = 0; i < 3; i++) {
      expect(h.allowsHost('localhost:6767')).toBe(true);
      expect(h.allowsHost('localhost:3000')).toBe(false);
      expect(h.allowsOrigin('http://localhost:6767')).toBe(true);
      expect(h.allowsOrigin('http://localhost:3000')).toBe(false);
    }
  });

  it('keeps checking every header once it remembers as many as it may', () => {
    const h = withTailnet();
    // Spellings of an allowed name (upper and lower case letters) fill what it remembers, and more.
    const spell = (n: number): string =>
      [...'localhost'].map((ch, i) => ((n >> i) & 1 ? ch.toUpperCase() : ch)).join('');
    for (let n = 0; n < 100; n++) expect(h.allowsHost(`${spell(n)}:6767`)).toBe(true);
    for (let n = 0; n < 100; n++) expect(h.allowsHost(`${spell(n)}:6768`)).toBe(false);
    expect(h.allowsHost(`${spell(511)}:6767`)).toBe(true);
    expect(h.allowsHost('evil.example.com:6767')).toBe(false);
  });
});
