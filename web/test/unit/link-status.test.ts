import { describe, expect, it } from 'vitest';
import { describeLink, type LinkFacts } from '../../src/link-status.js';

const now = new Date(2025, 2, 3, 14, 5, 0).getTime();
const at = (h: number, m: number, s: number) => new Date(2025, 2, 3, h, m, s).getTime();
const facts = (f: Partial<LinkFacts>): LinkFacts => ({ state: 'reconnecting', retryAt: 0, hostname: 'laptop', ...f });

describe('what the page says about its connection', () => {
  it('connected, connecting, disconnected', () => {
    expect(describeLink(facts({ state: 'connected' }), now)).toEqual({ tone: 'ok', label: 'Connected' });
    expect(describeLink(facts({ state: 'connecting' }), now)).toEqual({ tone: 'wait', label: 'Connecting…' });
    expect(describeLink(facts({ state: 'stopped' }), now)).toEqual({ tone: 'down', label: 'Disconnected' });
  });

  it('lost: when the computer was last heard from, and when it tries again', () => {
    expect(describeLink(facts({ lastSeenAt: at(14, 2, 11), retryAt: now + 2500 }), now)).toEqual({
      tone: 'down',
      label: 'Connection lost',
      banner: 'Lost the connection to laptop (last heard at 14:02:11). Trying again in 3 s.',
    });
  });

  it('stopped on the computer: said as long as attempts fail, whatever they fail with', () => {
    const stopped = facts({
      stoppedAt: at(14, 1, 0),
      lastSeenAt: at(14, 1, 0),
      lastError: { kind: 'unreachable', message: 'Could not reach the computer. Check … same network.' },
    });
    expect(describeLink(stopped, now)).toEqual({
      tone: 'down',
      label: 'Stopped on the computer',
      banner:
        'paseo was stopped on laptop at 14:01:00. Start it again with `paseo up`: this page reconnects by itself.',
    });
  });

  it('never connected yet: the reason of the last attempt', () => {
    expect(
      describeLink(facts({ lastError: { kind: 'unreachable', message: 'Could not reach the computer.' } }), now),
    ).toMatchObject({ tone: 'wait', banner: 'Could not reach the computer. Trying again…' });
    expect(describeLink(facts({ hostname: '', lastSeenAt: now - 1000 }), now).banner).toContain('your computer');
  });
});
