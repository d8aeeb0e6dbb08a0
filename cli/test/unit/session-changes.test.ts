// The session manager's change notifications: state changes (a session starts, a viewer attaches) are
// reported right away, output alone at most once per outputChangeIntervalMs, and nothing is reported
// after shutdown.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SessionInfo } from '../../src/channel/messages.js';
import { agent, makeManager, sleep, TestViewer, waitFor } from '../fixtures/session-harness.js';

let env: ReturnType<typeof makeManager>;
afterEach(async () => {
  vi.useRealTimers();
  await env?.close();
});

const size = { cols: 80, rows: 24 };

describe('session change notifications', () => {
  it('reports a new session and a viewer attaching, but not every burst of output', async () => {
    env = makeManager({ changeThrottleMs: 0, outputChangeIntervalMs: 60_000, promptIdleMs: 60_000 });
    const { manager } = env;
    const seen: SessionInfo[][] = [];
    manager.onChange((sessions) => seen.push(sessions));
    const { id } = manager.create({ ...size, command: agent('count 20', 'sleep 50', 'count 20') });
    await waitFor('the start reported', () => seen.length === 1);
    await waitFor('output', () => (manager.get(id)?.seq ?? 0) > 0);
    await sleep(20); // a notice about that output, were there one, goes out before the viewer comes
    manager.attach(id, new TestViewer(manager, true), { afterSeq: 0 });
    await waitFor('the viewer reported', () => seen.at(-1)?.[0]?.viewers === 1);
    // Every notice says something new besides the output position: the start, a new last line, the viewer.
    const shown = ({ seq, lastOutputAt, ...rest }: SessionInfo) => rest;
    for (let i = 1; i < seen.length; i++) expect(shown(seen[i]![0]!)).not.toEqual(shown(seen[i - 1]![0]!));
    expect(seen[0]!.map((s) => [s.id, s.viewers])).toEqual([[id, 0]]);
  });

  it('reports output alone once outputChangeIntervalMs has passed since the last notice', async () => {
    env = makeManager({ changeThrottleMs: 0, outputChangeIntervalMs: 100, promptIdleMs: 60_000 });
    const { manager } = env;
    const seen: SessionInfo[][] = [];
    manager.onChange((sessions) => seen.push(sessions));
    const { id } = manager.create({ ...size, command: agent('sleep 300', 'echo late') });
    await waitFor('the output reported', () => (seen.at(-1)?.[0]?.seq ?? 0) > 0);
    // A notice of the output itself: the last line shown in lists comes later (the screen is asked after).
    const [first] = seen.find((sessions) => sessions[0]!.seq > 0)!;
    expect(first).toMatchObject({ id, viewers: 0 });
    expect(first!.lastLine).toBeUndefined();
  });

  it('tells a listener that comes later of the next change at once, however busy it was with nobody listening', async () => {
    env = makeManager({ changeThrottleMs: 60_000 });
    const { manager } = env;
    const { id } = manager.create({ ...size, command: agent() });
    await sleep(20); // the start, reported to nobody
    const seen: SessionInfo[][] = [];
    manager.onChange((sessions) => seen.push(sessions));
    manager.attach(id, new TestViewer(manager, true), { afterSeq: 0 });
    await waitFor('the viewer reported', () => seen.length === 1);
    expect(seen[0]).toMatchObject([{ id, viewers: 1 }]);
  });

  it('reports nothing once shut down, not even a change that was waiting for its turn', async () => {
    env = makeManager({ changeThrottleMs: 60_000 });
    const { manager } = env;
    const seen: SessionInfo[][] = [];
    manager.onChange((sessions) => seen.push(sessions));
    // Timers run as usual, and can be moved forward.
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const { id } = manager.create({ ...size, command: agent() });
    await waitFor('the start reported', () => seen.length === 1);
    // The end of the session would be reported a minute after the start.
    await manager.kill(id);
    await manager.shutdown();
    vi.advanceTimersByTime(61_000);
    expect(seen).toHaveLength(1);
  });
});
