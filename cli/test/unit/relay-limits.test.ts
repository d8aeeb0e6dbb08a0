// The relay's per-address connection budget, its limits from the environment, the daemon's reconnect
// backoff and the --relay address check.
import { describe, expect, it } from 'vitest';
import { DEFAULT_RELAY_LIMITS, relayLimitsFromEnv } from '../../src/relay/limits.js';
import { RateLimiter } from '../../src/relay/rate-limit.js';
import { reconnectDelay, relayUrlProblem, relayWebUrl } from '../../src/transport/relay.js';

describe('RateLimiter', () => {
  it('allows a burst per address, then the steady rate; addresses do not share a bucket', () => {
    let now = 0;
    const r = new RateLimiter(3, 60, () => now);
    expect([1, 2, 3, 4].map(() => r.take('a'))).toEqual([true, true, true, false]);
    expect(r.take('b')).toBe(true);
    now += 999;
    expect(r.take('a')).toBe(false);
    now += 1;
    expect(r.take('a')).toBe(true);
    expect(r.take('a')).toBe(false);
  });

  it('forgets addresses whose bucket filled up again', () => {
    let now = 0;
    const r = new RateLimiter(2, 60, () => now);
    r.take('a');
    r.take('b');
    now += 500;
    r.sweep();
    expect(r.size).toBe(2);
    now += 1000;
    r.sweep();
    expect(r.size).toBe(0);
  });
});

describe('relay limits', () => {
  it('takes positive integers from the environment and ignores anything else', () => {
    const l = relayLimitsFromEnv({ PASEO_RELAY_MAX_CHANNELS: '4', PASEO_RELAY_PING_INTERVAL_MS: 'soon' });
    expect(l.maxChannelsPerDaemon).toBe(4);
    expect(l.pingIntervalMs).toBe(DEFAULT_RELAY_LIMITS.pingIntervalMs);
    expect(relayLimitsFromEnv({ PASEO_RELAY_CONNECT_BURST: '-1' }).connectBurst).toBe(
      DEFAULT_RELAY_LIMITS.connectBurst,
    );
  });
});

describe('the daemon side', () => {
  it('backs off from half a second to 30 s, with ±25 % jitter', () => {
    const mid = () => 0.5;
    expect([0, 1, 2, 5, 6, 20].map((a) => reconnectDelay(a, mid))).toEqual([500, 1000, 2000, 16000, 30000, 30000]);
    expect(reconnectDelay(0, () => 0)).toBe(375);
    expect(reconnectDelay(0, () => 1)).toBe(625);
  });

  it('accepts a relay address alone, and says what is wrong with anything else', () => {
    expect(relayUrlProblem('wss://relay.example.com')).toBeUndefined();
    expect(relayUrlProblem('ws://127.0.0.1:7777/')).toBeUndefined();
    expect(relayUrlProblem('https://relay.example.com')).toContain('not a WebSocket address');
    expect(relayUrlProblem('ws://relay.example.com')).toContain('Use wss://relay.example.com');
    expect(relayUrlProblem('ws://[::1]:7777')).toBeUndefined();
    expect(relayUrlProblem('ws://localhost:7777')).toBeUndefined();
    expect(relayUrlProblem('ws://[0:0:0:0:0:0:0:1]:7777')).toBeUndefined();
    expect(relayUrlProblem('ws://10.0.0.5:7777')).toContain('Use wss://10.0.0.5:7777');
    expect(relayUrlProblem('wss://relay.example.com/paseo')).toContain('more than a host');
    expect(relayUrlProblem('relay')).toContain('is not an address');
    expect(relayWebUrl('wss://relay.example.com')).toBe('https://relay.example.com/');
    expect(relayWebUrl('ws://127.0.0.1:7777')).toBe('http://127.0.0.1:7777/');
  });
});
