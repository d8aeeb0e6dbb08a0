// The viewers of one session and the flow control towards each of them, whatever the session runs.
// Every viewer reads the session's feed at its own position (sentSeq); nothing is queued per viewer. A
// viewer with too many unacknowledged units (bytes or events) is "behind" and gets nothing more until it
// acks below the low watermark; then it gets what it missed from the feed, or a fresh snapshot if that
// fell out.
import type { DaemonMessage } from '../channel/messages.js';
import type { Feed, FlowLimits, Outgoing, SessionExit } from './engine.js';
import type { Viewer } from './viewer.js';

/** What the viewers of a session read from. */
export interface ViewerSource {
  readonly sessionId: string;
  readonly feed: Feed;
  /** How the command ended, once it has. */
  exit(): SessionExit | undefined;
}

/** One attached viewer and where it is in the feed. */
export interface ViewerState {
  readonly viewer: Viewer;
  /** Events sent up to here (-1: it needs a snapshot first). */
  sentSeq: number;
  /** Events the viewer has processed up to here. */
  ackedSeq: number;
  behind: boolean;
  /** When the viewer last made progress (an ack that moved ackedSeq, or its attach). */
  lastProgressMs: number;
  exitSent: boolean;
  snapshotPending: boolean;
}

/** The viewers of one session. */
export class ViewerSet {
  private readonly states = new Map<string, ViewerState>();

  /** `onFlowChange` runs when a viewer became behind or caught up (the engine may need pausing). */
  constructor(
    private readonly source: ViewerSource,
    private readonly limits: FlowLimits,
    private readonly onFlowChange: () => void,
  ) {}

  /** Number of attached viewers. */
  get count(): number {
    return this.states.size;
  }

  /** All attached viewers. */
  all(): IterableIterator<ViewerState> {
    return this.states.values();
  }

  /**
   * Attaches (or re-attaches) a viewer: it gets the events after `afterSeq` if those are still kept,
   * else a snapshot, then live events.
   */
  attach(viewer: Viewer, afterSeq: number | undefined): void {
    const resumable = afterSeq !== undefined && this.source.feed.has(afterSeq);
    const start = resumable ? afterSeq : -1;
    const state: ViewerState = {
      viewer,
      sentSeq: start,
      ackedSeq: start,
      behind: false,
      lastProgressMs: Date.now(),
      exitSent: false,
      snapshotPending: false,
    };
    this.states.set(viewer.id, state);
    this.pump(state);
    this.onFlowChange();
  }

  /** Detaches a viewer; returns false if it was not attached. */
  detach(viewer: Viewer): boolean {
    const removed = this.states.delete(viewer.id);
    if (removed) this.onFlowChange();
    return removed;
  }

  /** Detaches everyone (the session is being removed); viewers not told about the exit yet are told now. */
  closeAll(): void {
    const exit = this.source.exit();
    for (const state of this.states.values()) {
      if (exit && !state.exitSent) state.viewer.send(exitMessage(this.source.sessionId, exit));
    }
    this.states.clear();
  }

  /** Records that the viewer processed events up to `seq`, and sends more if it caught up. */
  ack(viewer: Viewer, seq: number): void {
    const state = this.states.get(viewer.id);
    if (!state || !Number.isSafeInteger(seq)) return;
    const acked = Math.min(seq, state.sentSeq);
    if (acked > state.ackedSeq) {
      state.ackedSeq = acked;
      state.lastProgressMs = Date.now();
    }
    if (state.behind && state.sentSeq - state.ackedSeq <= this.limits.lowWatermark) {
      state.behind = false;
      this.pump(state);
      this.onFlowChange();
    }
  }

  /** Sends new events (and the exit, once all events are out) to every viewer that is not behind. */
  pumpAll(): void {
    let changed = false;
    for (const state of this.states.values()) {
      const wasBehind = state.behind;
      this.pump(state);
      changed ||= state.behind !== wasBehind;
    }
    if (changed) this.onFlowChange();
  }

  /**
   * True if every viewer that still holds the engine is behind (stalled viewers — behind without
   * progress for stalledViewerMs — do not hold it). Also returns when that answer may change by itself.
   */
  holds(nowMs: number): { hold: boolean; recheckInMs: number | undefined } {
    let holding = 0;
    let recheckInMs: number | undefined;
    for (const state of this.states.values()) {
      if (!state.behind) return { hold: false, recheckInMs: undefined };
      const stallsInMs = state.lastProgressMs + this.limits.stalledViewerMs - nowMs;
      if (stallsInMs > 0) {
        holding++;
        recheckInMs = Math.min(recheckInMs ?? stallsInMs, stallsInMs);
      }
    }
    return { hold: holding > 0, recheckInMs };
  }

  private pump(state: ViewerState): void {
    const { feed, sessionId } = this.source;
    while (!state.behind && state.sentSeq < feed.endSeq) {
      if (state.sentSeq - state.ackedSeq >= this.limits.highWatermark) {
        state.behind = true;
        break;
      }
      const delivery = state.sentSeq < 0 ? undefined : feed.read(state.sentSeq, this.limits.chunkUnits);
      if (!delivery || delivery.seq <= state.sentSeq) {
        if (!this.sendSnapshot(state)) return;
        continue;
      }
      state.sentSeq = delivery.seq;
      send(state.viewer, delivery.messages);
    }
    // A viewer that is behind has not been sent everything yet (sentSeq < endSeq): it gets the exit later.
    const exit = this.source.exit();
    if (exit && !state.exitSent && state.sentSeq >= feed.endSeq) {
      state.exitSent = true;
      state.viewer.send(exitMessage(sessionId, exit));
    }
  }

  /** Sends a snapshot; false if it is not ready yet (retried once it may be). */
  private sendSnapshot(state: ViewerState): boolean {
    const snap = this.source.feed.snapshot();
    if (!snap) {
      if (!state.snapshotPending) {
        state.snapshotPending = true;
        this.source.feed.whenSnapshotReady(() => {
          state.snapshotPending = false;
          if (this.states.get(state.viewer.id) === state) this.pump(state);
        });
      }
      return false;
    }
    state.sentSeq = snap.seq;
    state.ackedSeq = snap.seq;
    state.lastProgressMs = Date.now();
    send(state.viewer, snap.messages);
    return true;
  }
}

/** The `session.exit` message for `exit` (naming who ended it, if someone did). */
function exitMessage(sessionId: string, exit: SessionExit): DaemonMessage {
  const { exitCode, signal, by } = exit;
  return { t: 'session.exit', sessionId, exitCode, signal, ...(by ? { by } : {}) };
}

function send(viewer: Viewer, messages: Outgoing[]): void {
  for (const m of messages) viewer.send(m.msg, m.body);
}
