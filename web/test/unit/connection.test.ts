import { describe, expect, it } from 'vitest';
import { backoffDelay, socketUrl } from '../../src/connection.js';
import { parseRoute, routeHash } from '../../src/router.js';

describe('backoffDelay', () => {
  it('doubles from half a second up to 15 s, with ±25 % jitter', () => {
    const mid = () => 0.5;
    expect([0, 1, 2, 3, 4, 5, 6, 10].map((a) => backoffDelay(a, 'unreachable', mid))).toEqual([
      500, 1000, 2000, 4000, 8000, 15000, 15000, 15000,
    ]);
    expect(backoffDelay(0, 'closed', () => 0)).toBe(375);
    expect(backoffDelay(0, 'closed', () => 1)).toBe(625);
  });

  it('waits at least 30 s after being rate limited', () => {
    expect(backoffDelay(0, 'rate-limited', () => 0.5)).toBe(30_000);
  });
});

describe('socketUrl', () => {
  it('uses ws on http and wss on https, same host', () => {
    expect(socketUrl({ protocol: 'http:', host: 'paseo.tailnet.ts.net' })).toBe('ws://paseo.tailnet.ts.net/ws');
    expect(socketUrl({ protocol: 'https:', host: 'box.ts.net:8443' })).toBe('wss://box.ts.net:8443/ws');
  });

  it('names the daemon by its relay id when a relay serves the page', () => {
    expect(socketUrl({ protocol: 'https:', host: 'relay.example.com' }, 'abcdefghijkmnpqrstuv')).toBe(
      'wss://relay.example.com/ws/abcdefghijkmnpqrstuv',
    );
  });
});

describe('routes', () => {
  it('round-trips', () => {
    for (const r of [
      { name: 'home' },
      { name: 'devices' },
      { name: 'session', sessionId: 'abc-123' },
      { name: 'history', sessionId: 'abcd2345' },
    ] as const) {
      expect(parseRoute(routeHash(r))).toEqual(r);
    }
  });

  it('sends anything unknown home', () => {
    expect(parseRoute('')).toEqual({ name: 'home' });
    expect(parseRoute('#pair=K3X9')).toEqual({ name: 'home' });
    expect(parseRoute('#/s/')).toEqual({ name: 'home' });
    expect(parseRoute('#/s/%E0%A4%A')).toEqual({ name: 'home' });
  });
});
