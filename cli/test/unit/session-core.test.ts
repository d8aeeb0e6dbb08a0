// The session core (session.ts, viewers.ts) with a scripted engine instead of a process: what it lists,
// resume by sequence number or snapshot, flow control per viewer (behind, caught up, stalled), the exit
// told once to each viewer, waiting for input, kill (soft, then hard), and what is refused once ended.
// The engines themselves (PTY, ACP) are tested with real processes in session*.test.ts.
import { describe, expect, it } from 'vitest';
import type { DaemonMessage } from '../../src/channel/messages.js';
import type { Delivery, Engine, EngineHooks, Feed, FlowLimits } from '../../src/session/engine.js';
import { SessionError } from '../../src/session/errors.js';
import { Session, type SessionChange } from '../../src/session/session.js';
import type { Viewer } from '../../src/session/viewer.js';
import { MemoryLog } from '../fixtures/session-harness.js';

const FLOW: FlowLimits = { chunkUnits: 4, highWatermark: 8, lowWatermark: 2, stalledViewerMs: 1000 };

/** A feed of numbered units (one byte each) that keeps the last `keep` of them. */
class ScriptedEngine implements Engine {
  readonly kind = 'pty' as const;
  readonly flow = FLOW;
  readonly recordingPath = '/nowhere.cast';
  readonly units: number[] = [];
  keep = 100;
  snapshotReady = true;
  private snapshotWaiters: (() => void)[] = [];
  readonly calls: string[] = [];
  flowChanges = 0;
  readonly feed: Feed;

  constructor(readonly hooks: EngineHooks) {
    const engine = this;
    this.feed = {
      get endSeq() {
        return engine.units.length;
      },
      has: (seq) => seq >= this.units.length - this.keep && seq <= this.units.length,
      read: (from, max): Delivery | undefined => {
        if (!this.feed.has(from)) return undefined;
        const part = this.units.slice(from, from + max);
        const seq = from + part.length;
        return { seq, messages: [{ msg: { t: 'session.output', sessionId: 's1', seq }, body: Uint8Array.from(part) }] };
      },
      snapshot: (): Delivery | undefined => {
        if (!this.snapshotReady) return undefined;
        const seq = this.units.length;
        return {
          seq,
          messages: [
            { msg: { t: 'session.snapshot', sessionId: 's1', seq, cols: 80, rows: 24 }, body: Uint8Array.of(seq) },
          ],
        };
      },
      whenSnapshotReady: (fn) => this.snapshotWaiters.push(fn),
    };
  }

  /** New units arrive. */
  append(...units: number[]): void {
    this.units.push(...units);
    this.hooks.appended();
  }

  makeSnapshotReady(): void {
    this.snapshotReady = true;
    for (const fn of this.snapshotWaiters.splice(0)) fn();
  }

  infoFields() {
    return { cols: 80, rows: 24 };
  }
  attached(viewer: Viewer): void {
    this.calls.push(`attached ${viewer.id}`);
  }
  detached(viewer: Viewer): void {
    this.calls.push(`detached ${viewer.id}`);
  }
  input(viewer: Viewer, bytes: Uint8Array): void {
    this.calls.push(`input ${viewer.id} ${bytes.length}`);
  }
  resize(viewer: Viewer, cols: number, rows: number, take: boolean): void {
    this.calls.push(`resize ${viewer.id} ${cols}x${rows}${take ? ' take' : ''}`);
  }
  send(text: string, by: string): void {
    this.calls.push(`send ${text} by ${by}`);
  }
  permit(requestId: string, optionId: string, by: string): void {
    this.calls.push(`permit ${requestId} ${optionId} by ${by}`);
  }
  cancel(by: string): void {
    this.calls.push(`cancel by ${by}`);
  }
  flowChanged(): void {
    this.flowChanges++;
  }
  terminate(how: 'soft' | 'hard'): void {
    this.calls.push(`terminate ${how}`);
  }
  async dispose(): Promise<void> {
    this.calls.push('dispose');
  }
  stats() {
    return { bufferedBytes: 0, screenBacklogBytes: 0, coalescingBytes: 0, recordingQueueBytes: 0, ptyPaused: false };
  }
}

class Watcher implements Viewer {
  readonly got: { msg: DaemonMessage; body: number[] }[] = [];
  constructor(readonly id: string) {}
  send(msg: DaemonMessage, body?: Uint8Array): void {
    this.got.push({ msg, body: [...(body ?? [])] });
  }
  /** The units received in output messages, in order. */
  get units(): number[] {
    return this.got.filter((g) => g.msg.t === 'session.output').flatMap((g) => g.body);
  }
  of(t: DaemonMessage['t']): DaemonMessage[] {
    return this.got.filter((g) => g.msg.t === t).map((g) => g.msg);
  }
}

function start() {
  const changes: SessionChange[] = [];
  let engine!: ScriptedEngine;
  const log = new MemoryLog();
  const session = new Session(
    { id: 's1', name: 'agent', command: ['agent', '--flag'], cwd: '/tmp' },
    (hooks) => {
      engine = new ScriptedEngine(hooks);
      return engine;
    },
    log,
    (change) => changes.push(change),
  );
  return { session, engine, changes, log };
}

describe('the session core', () => {
  it('lists what it runs and how it ended, its exit code clamped to what a process can return', () => {
    for (const [exitCode, shown] of [
      [3, 3],
      [300, 255],
      [-7, -1],
      [null, null],
    ] as const) {
      const { session, engine } = start();
      const running = session.info();
      expect(running).toMatchObject({
        id: 's1',
        name: 'agent',
        kind: 'pty',
        command: ['agent', '--flag'],
        cwd: '/tmp',
        state: 'running',
        exitCode: null,
        signal: null,
        lastOutputAt: null,
        viewers: 0,
        waitingForInput: false,
        seq: 0,
        cols: 80,
        rows: 24,
      });
      expect(Date.parse(running.startedAt)).toBeLessThanOrEqual(Date.now());
      expect(session.exited).toBe(false);
      engine.append(1, 2);
      expect(session.info().seq).toBe(2);
      expect(Date.parse(session.info().lastOutputAt!)).toBeLessThanOrEqual(Date.now());
      engine.hooks.exited({ exitCode, signal: exitCode === null ? 'SIGKILL' : null });
      expect(session.exited).toBe(true);
      expect(session.info()).toMatchObject({
        state: 'exited',
        exitCode: shown,
        signal: exitCode === null ? 'SIGKILL' : null,
      });
    }
    // The command line is a copy: changing what was listed changes nothing.
    const { session } = start();
    session.info().command.push('x');
    expect(session.info().command).toEqual(['agent', '--flag']);
    expect(session.recordingPath).toBe('/nowhere.cast');
    expect(session.stats()).toMatchObject({ bufferedBytes: 0, ptyPaused: false }); // the engine's
  });

  it('resumes a viewer after a kept sequence number, or gives a snapshot first (when it is ready)', () => {
    const { session, engine } = start();
    engine.append(...Array.from({ length: 6 }, (_, i) => i));
    const exact = new Watcher('exact');
    session.attach(exact, 2);
    expect(exact.of('session.snapshot')).toEqual([]);
    expect(exact.units).toEqual([2, 3, 4, 5]);
    // Nothing kept after 1 any more: a snapshot, then live units.
    engine.keep = 3;
    const late = new Watcher('late');
    session.attach(late, 1);
    expect(late.got[0]?.msg).toEqual({ t: 'session.snapshot', sessionId: 's1', seq: 6, cols: 80, rows: 24 });
    engine.append(6);
    expect(late.units).toEqual([6]);
    // No afterSeq at all: a snapshot too. Not ready yet: the viewer waits for it, then gets it.
    engine.snapshotReady = false;
    const fresh = new Watcher('fresh');
    session.attach(fresh, undefined);
    expect(fresh.got).toEqual([]);
    engine.makeSnapshotReady();
    expect(fresh.of('session.snapshot')).toHaveLength(1);
    engine.append(7);
    expect(fresh.units).toEqual([7]);
    // The engine heard of each viewer after it was attached; a second attach replaces the first.
    expect(engine.calls.filter((c) => c.startsWith('attached'))).toEqual([
      'attached exact',
      'attached late',
      'attached fresh',
    ]);
    expect(session.info().viewers).toBe(3);
    expect(session.viewerIds()).toEqual(['exact', 'late', 'fresh']);
  });

  it('a viewer detached while waiting for its snapshot gets nothing when it is ready', () => {
    const { session, engine } = start();
    engine.append(1);
    engine.snapshotReady = false;
    const gone = new Watcher('gone');
    session.attach(gone, undefined);
    expect(session.detach(gone)).toBe(true);
    expect(session.detach(gone)).toBe(false);
    engine.makeSnapshotReady();
    expect(gone.got).toEqual([]);
    expect(engine.calls).toContain('detached gone');
  });

  it('holds back a viewer with highWatermark units unacknowledged until it acks down to lowWatermark', () => {
    const { session, engine } = start();
    const v = new Watcher('v');
    session.attach(v, 0);
    const flowBefore = engine.flowChanges;
    engine.append(...Array.from({ length: 20 }, (_, i) => i));
    // Sent in chunks of 4 until 8 are unacknowledged: then it is behind.
    expect(v.units).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(v.of('session.output').map((m) => (m as { seq: number }).seq)).toEqual([4, 8]);
    expect(engine.flowChanges).toBeGreaterThan(flowBefore);
    // Acks that leave more than lowWatermark unacknowledged send nothing; nor do bogus ones.
    session.ack(v, 5);
    session.ack(v, Number.NaN);
    session.ack(v, 1.5);
    session.ack(new Watcher('stranger'), 8);
    expect(v.units).toHaveLength(8);
    // Down to lowWatermark: it gets more, until it is highWatermark ahead again (16 - 6 ≥ 8); an ack past
    // what it was sent counts only up to that.
    session.ack(v, 6);
    expect(v.units).toEqual(Array.from({ length: 16 }, (_, i) => i));
    session.ack(v, 100);
    expect(v.units).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(v.units).toHaveLength(20);
  });

  it('holds the engine only while every viewer holding it is behind and not stalled', () => {
    const { session, engine } = start();
    const hold = (now: number) => engine.hooks.viewersHold(now);
    expect(hold(Date.now())).toEqual({ hold: false, recheckInMs: undefined }); // nobody watches
    const slow = new Watcher('slow');
    const t0 = Date.now();
    session.attach(slow, 0);
    expect(hold(t0).hold).toBe(false); // not behind
    engine.append(...Array.from({ length: 12 }, (_, i) => i));
    const held = hold(t0 + 100);
    expect(held.hold).toBe(true);
    expect(held.recheckInMs).toBeGreaterThan(800);
    expect(held.recheckInMs).toBeLessThanOrEqual(900 + (Date.now() - t0));
    // Stalled: no progress for stalledViewerMs.
    expect(hold(Date.now() + 1000)).toEqual({ hold: false, recheckInMs: undefined });
    // A second viewer that keeps up means nobody holds the engine back.
    const fast = new Watcher('fast');
    session.attach(fast, undefined);
    expect(hold(Date.now()).hold).toBe(false);
    session.detach(fast);
    expect(hold(Date.now()).hold).toBe(true);
    // Acking moves its progress: the stall time counts from there.
    const ackedAt = Date.now();
    session.ack(slow, 5);
    const after = hold(ackedAt + 990);
    expect(after.hold).toBe(true);
    expect(after.recheckInMs).toBeGreaterThanOrEqual(10);
    expect(after.recheckInMs).toBeLessThanOrEqual(10 + (Date.now() - ackedAt));
  });

  it('tells each viewer of the exit once, after everything before it, even a viewer that was behind', async () => {
    const { session, engine, log } = start();
    const behind = new Watcher('behind');
    const current = new Watcher('current');
    session.attach(behind, 0);
    session.attach(current, 0);
    engine.append(...Array.from({ length: 12 }, (_, i) => i));
    for (let s = 4; s <= 12; s += 4) session.ack(current, s);
    engine.hooks.exited({ exitCode: 0, signal: null });
    expect(current.of('session.exit')).toEqual([{ t: 'session.exit', sessionId: 's1', exitCode: 0, signal: null }]);
    expect(current.got.at(-1)?.msg.t).toBe('session.exit');
    expect(behind.of('session.exit')).toEqual([]);
    expect(log.lines.at(-1)?.text).toBe('Session s1 (agent) ended: exit code 0.');
    // The session is removed: whoever was not told yet is told now, once.
    await session.dispose();
    expect(behind.of('session.exit')).toHaveLength(1);
    expect(current.of('session.exit')).toHaveLength(1);
    expect(engine.calls.at(-1)).toBe('dispose');
    expect(session.info().viewers).toBe(0);
  });

  it('kills softly, then hard after the grace time, and says who ended it', async () => {
    const { session, engine } = start();
    const v = new Watcher('v');
    session.attach(v, 0);
    const killed = session.kill(50, 'Pixel 8');
    expect(engine.calls.at(-1)).toBe('terminate soft');
    await new Promise((r) => setTimeout(r, 120));
    expect(engine.calls.at(-1)).toBe('terminate hard');
    engine.hooks.exited({ exitCode: null, signal: 'SIGKILL' });
    await killed;
    expect(v.of('session.exit')).toEqual([
      { t: 'session.exit', sessionId: 's1', exitCode: null, signal: 'SIGKILL', by: 'Pixel 8' },
    ]);
    // Already ended: nothing more to do.
    const count = engine.calls.length;
    await session.kill(50, 'someone else');
    await session.whenExited();
    expect(engine.calls).toHaveLength(count);
    // An exit that ends quickly after the soft request never gets the hard one.
    const quick = start();
    const done = quick.session.kill(50);
    quick.engine.hooks.exited({ exitCode: 0, signal: null });
    await done;
    await new Promise((r) => setTimeout(r, 80));
    expect(quick.engine.calls.filter((c) => c.startsWith('terminate'))).toEqual(['terminate soft']);
  });

  it('passes input, sizes, prompts and answers to the engine while it runs; refuses them once ended', () => {
    const { session, engine, changes } = start();
    const v = new Watcher('v');
    session.input(v, Uint8Array.of(1, 2));
    session.resize(v, { cols: 90, rows: 30 });
    session.resize(v, { cols: 91, rows: 31 }, true);
    session.send('hello', 'Pixel 8');
    session.permit('r1', 'yes', 'Pixel 8');
    session.cancel('iPad');
    expect(engine.calls).toEqual([
      'input v 2',
      'resize v 90x30',
      'resize v 91x31 take',
      'send hello by Pixel 8',
      'permit r1 yes by Pixel 8',
      'cancel by iPad',
    ]);
    engine.hooks.setWaiting(true);
    expect(session.info().waitingForInput).toBe(true);
    const before = changes.length;
    engine.hooks.setWaiting(true); // no change, no notice
    expect(changes).toHaveLength(before);
    engine.hooks.exited({ exitCode: 1, signal: null });
    expect(session.info().waitingForInput).toBe(false);
    engine.hooks.setWaiting(true); // an ended session waits for nobody
    expect(session.info().waitingForInput).toBe(false);
    session.input(v, Uint8Array.of(3));
    expect(engine.calls.filter((c) => c.startsWith('input'))).toEqual(['input v 2']);
    for (const refused of [
      () => session.send('x', 'y'),
      () => session.permit('r', 'o', 'y'),
      () => session.cancel('y'),
    ]) {
      expect(refused).toThrow(new SessionError('failed', 'agent has ended.'));
    }
  });

  it('reports changes: state on attach, detach, waiting and exit; output when events arrive', () => {
    const { session, engine, changes } = start();
    const v = new Watcher('v');
    session.attach(v, 0);
    engine.append(1);
    engine.hooks.changed();
    session.detach(v);
    session.detach(v);
    engine.hooks.exited({ exitCode: 0, signal: null });
    expect(changes).toEqual(['state', 'output', 'state', 'state', 'state']);
  });

  it('sends each viewer its own message', () => {
    const { session, engine } = start();
    const a = new Watcher('a');
    const b = new Watcher('b');
    session.attach(a, 0);
    session.attach(b, 0);
    engine.hooks.sendEach((viewer) => ({
      t: 'session.resized',
      sessionId: 's1',
      cols: 1,
      rows: 1,
      yours: viewer.id === 'a',
    }));
    expect(a.of('session.resized')).toEqual([{ t: 'session.resized', sessionId: 's1', cols: 1, rows: 1, yours: true }]);
    expect(b.of('session.resized')).toEqual([
      { t: 'session.resized', sessionId: 's1', cols: 1, rows: 1, yours: false },
    ]);
    expect(engine.hooks.viewerCount()).toBe(2);
  });
});
