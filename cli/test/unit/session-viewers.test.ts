// The viewers of one session (viewers.ts) over a scripted feed: when the engine hears that flow may have
// changed, what counts as progress for a stalled viewer, resuming only at a kept position, snapshots that
// are not ready yet or lag behind the feed, and a feed that cannot move a viewer forward.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DaemonMessage } from '../../src/channel/messages.js';
import type { Delivery, Feed, FlowLimits, SessionExit } from '../../src/session/engine.js';
import type { Viewer } from '../../src/session/viewer.js';
import { ViewerSet } from '../../src/session/viewers.js';

const LIMITS: FlowLimits = { chunkUnits: 4, highWatermark: 8, lowWatermark: 2, stalledViewerMs: 1000 };

/** Numbered units; keeps those from `keepFrom` on; its snapshot stands at `snapshotAt` (default: the end). */
class Units implements Feed {
  units: number[] = [];
  keepFrom = 0;
  snapshotAt: number | undefined;
  snapshotReady = true;
  /** read() from here returns a delivery that does not move forward. */
  stuckAt: number | undefined;
  readonly waiters: (() => void)[] = [];
  get endSeq(): number {
    return this.units.length;
  }
  has(seq: number): boolean {
    return seq >= this.keepFrom && seq <= this.units.length;
  }
  read(from: number, max: number): Delivery | undefined {
    if (!this.has(from)) return undefined;
    if (from === this.stuckAt) return { seq: from, messages: [] };
    const part = this.units.slice(from, from + max);
    const seq = from + part.length;
    return { seq, messages: [{ msg: { t: 'session.output', sessionId: 's1', seq }, body: Uint8Array.from(part) }] };
  }
  snapshot(): Delivery | undefined {
    if (!this.snapshotReady) return undefined;
    const seq = this.snapshotAt ?? this.units.length;
    return { seq, messages: [{ msg: { t: 'session.snapshot', sessionId: 's1', seq, cols: 80, rows: 24 } }] };
  }
  whenSnapshotReady(fn: () => void): void {
    this.waiters.push(fn);
  }
  append(count: number): void {
    for (let i = 0; i < count; i++) this.units.push(this.units.length);
  }
  makeSnapshotReady(): void {
    this.snapshotReady = true;
    for (const fn of this.waiters.splice(0)) fn();
  }
}

/** A viewer that writes down what it got: "snapshot@6", "output 0-4", "exit". */
class Notes implements Viewer {
  readonly got: string[] = [];
  constructor(readonly id: string) {}
  send(msg: DaemonMessage, body?: Uint8Array): void {
    if (msg.t === 'session.output') this.got.push(`output ${msg.seq - (body?.length ?? 0)}-${msg.seq}`);
    else if (msg.t === 'session.snapshot') this.got.push(`snapshot@${msg.seq}`);
    else this.got.push(msg.t === 'session.exit' ? 'exit' : msg.t);
  }
}

function viewers() {
  const feed = new Units();
  let exit: SessionExit | undefined;
  const flow = { changes: 0 };
  const set = new ViewerSet({ sessionId: 's1', feed, exit: () => exit }, LIMITS, () => flow.changes++);
  return { feed, set, flow, end: (e: SessionExit) => (exit = e) };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('the viewers of a session', () => {
  it('tells the engine when flow may have changed: a viewer came, left, fell behind or caught up; nothing else', () => {
    const { feed, set, flow } = viewers();
    const v = new Notes('v');
    set.attach(v, 0);
    expect(flow.changes).toBe(1);
    expect(set.detach(new Notes('stranger'))).toBe(false);
    expect(flow.changes).toBe(1);
    expect(set.detach(v)).toBe(true);
    expect(flow.changes).toBe(2);
    set.attach(v, 0);
    feed.append(4);
    set.pumpAll(); // sent, not behind: no change
    expect(flow.changes).toBe(3);
    feed.append(8);
    set.pumpAll(); // 8 unacknowledged: behind
    expect(v.got).toEqual(['output 0-4', 'output 4-8']);
    expect(flow.changes).toBe(4);
    set.ack(v, 2); // 6 still unacknowledged: still behind
    expect(flow.changes).toBe(4);
    set.ack(v, 6); // down to lowWatermark: caught up
    expect(flow.changes).toBe(5);
    expect(v.got).toEqual(['output 0-4', 'output 4-8', 'output 8-12']);
  });

  it('counts only an ack that moves forward as progress; a viewer stalls stalledViewerMs after its last one', () => {
    vi.useFakeTimers();
    const t = 1_000_000;
    vi.setSystemTime(t);
    const { feed, set } = viewers();
    const v = new Notes('v');
    set.attach(v, 0);
    feed.append(12);
    set.pumpAll();
    vi.setSystemTime(t + 100);
    set.ack(v, 4);
    const w = new Notes('w');
    vi.setSystemTime(t + 200);
    set.attach(w, 0); // behind at once: 8 sent, none acknowledged
    vi.setSystemTime(t + 500);
    set.ack(v, 4); // the same again
    set.ack(v, 2); // an older one
    // v stalls at t+1100, w at t+1200: asked again at the earlier.
    expect(set.holds(t + 500)).toEqual({ hold: true, recheckInMs: 600 });
    expect(set.holds(t + 1100)).toEqual({ hold: true, recheckInMs: 100 });
    expect(set.holds(t + 1200)).toEqual({ hold: false, recheckInMs: undefined });
    // The older ack did not move it back: acking 6 (2 left) catches it up.
    set.ack(v, 6);
    expect(v.got.at(-1)).toBe('output 8-12');
  });

  it('resumes a viewer only at a position it gives and the feed still has; any other gets a snapshot', () => {
    const { feed, set } = viewers();
    feed.append(6);
    feed.keepFrom = 2;
    const resumed = new Notes('resumed');
    set.attach(resumed, 2);
    expect(resumed.got).toEqual(['output 2-6']);
    for (const [id, afterSeq] of [
      ['fresh', undefined],
      ['dropped', 1],
      ['from the future', 10],
    ] as const) {
      const v = new Notes(id);
      set.attach(v, afterSeq);
      expect(v.got, id).toEqual(['snapshot@6']);
    }
  });

  it('sends what came after a snapshot that lags behind the feed, then the exit', () => {
    const { feed, set, end } = viewers();
    feed.append(6);
    feed.snapshotAt = 3;
    end({ exitCode: 0, signal: null });
    const v = new Notes('v');
    set.attach(v, undefined);
    expect(v.got).toEqual(['snapshot@3', 'output 3-6', 'exit']);
  });

  it('gives a snapshot to a viewer the feed cannot move forward', () => {
    const { feed, set } = viewers();
    feed.append(6);
    feed.stuckAt = 2;
    const v = new Notes('v');
    set.attach(v, 2);
    expect(v.got).toEqual(['snapshot@6']);
  });

  it('waits once for a snapshot that is not ready, however much arrives meanwhile, and again the next time', () => {
    const { feed, set } = viewers();
    feed.append(2);
    feed.snapshotReady = false;
    const v = new Notes('v');
    set.attach(v, undefined);
    for (let i = 0; i < 3; i++) {
      feed.append(1);
      set.pumpAll();
    }
    expect(feed.waiters).toHaveLength(1);
    expect(v.got).toEqual([]);
    feed.makeSnapshotReady();
    expect(v.got).toEqual(['snapshot@5']);
    // Behind, and what it missed falls out of the feed while the next snapshot is not ready either.
    feed.append(12);
    set.pumpAll();
    expect(v.got).toEqual(['snapshot@5', 'output 5-9', 'output 9-13']);
    feed.keepFrom = feed.endSeq;
    feed.snapshotReady = false;
    set.ack(v, 13);
    expect(feed.waiters).toHaveLength(1);
    feed.makeSnapshotReady();
    expect(v.got.at(-1)).toBe('snapshot@17');
  });
});
