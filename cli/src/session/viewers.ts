// The viewers of one session and the flow control towards each of them. Every viewer reads the shared
// output buffer at its own position (sentSeq); nothing is queued per viewer. A viewer with too many
// unacknowledged bytes is "behind" and gets nothing more until it acks below the low watermark; then it
// gets what it missed from the buffer, or a fresh snapshot if that fell out.
import type { DaemonMessage } from '../channel/messages.js';
import type { PtyExit } from '../pty/spawn.js';
import type { OutputBuffer } from './output-buffer.js';
import type { ScreenSnapshot } from './screen.js';
import type { Viewer } from './viewer.js';

/** What the viewers of a session read from. */
export interface ViewerSource {
  readonly sessionId: string;
  readonly buffer: OutputBuffer;
  /** The screen now, or undefined if it lags the buffer too much to be followed by buffered output. */
  snapshot(): ScreenSnapshot | undefined;
  /** Runs `fn` once the screen caught up with the output so far. */
  whenScreenParsed(fn: () => void): void;
  /** The size of the PTY now. */
  size(): { cols: number; rows: number };
  /** How the command ended, once it has. */
  exit(): PtyExit | undefined;
}

/** Flow control settings, in bytes and milliseconds. */
export interface FlowLimits {
  outputChunkBytes: number;
  highWatermarkBytes: number;
  lowWatermarkBytes: number;
  stalledViewerMs: number;
}

/** One attached viewer and where it is in the output. */
export interface ViewerState {
  readonly viewer: Viewer;
  /** The viewer's terminal size as it last reported it. */
  cols: number | undefined;
  rows: number | undefined;
  /** Output sent up to here. */
  sentSeq: number;
  /** Output the viewer has processed up to here. */
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

  /** `onFlowChange` runs when a viewer became behind or caught up (the PTY may need pausing). */
  constructor(
    private readonly source: ViewerSource,
    private readonly limits: FlowLimits,
    private readonly onFlowChange: () => void,
  ) {}

  /** Number of attached viewers. */
  get count(): number {
    return this.states.size;
  }

  /** The state of an attached viewer. */
  get(viewerId: string): ViewerState | undefined {
    return this.states.get(viewerId);
  }

  /** All attached viewers. */
  all(): IterableIterator<ViewerState> {
    return this.states.values();
  }

  /**
   * Attaches (or re-attaches) a viewer: it gets the output after `afterSeq` if that is still buffered,
   * else a snapshot, then live output.
   */
  attach(viewer: Viewer, afterSeq: number | undefined, cols?: number, rows?: number): void {
    const { buffer } = this.source;
    const resumable = afterSeq !== undefined && buffer.has(afterSeq);
    const start = resumable ? afterSeq : -1;
    const state: ViewerState = {
      viewer,
      cols,
      rows,
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
      if (exit && !state.exitSent) {
        state.exitSent = true;
        const { exitCode, signal } = exit;
        state.viewer.send({ t: 'session.exit', sessionId: this.source.sessionId, exitCode, signal });
      }
    }
    this.states.clear();
  }

  /** Records that the viewer processed output up to `seq`, and sends more if it caught up. */
  ack(viewer: Viewer, seq: number): void {
    const state = this.states.get(viewer.id);
    if (!state || !Number.isSafeInteger(seq)) return;
    const acked = Math.min(seq, state.sentSeq);
    if (acked > state.ackedSeq) {
      state.ackedSeq = acked;
      state.lastProgressMs = Date.now();
    }
    if (state.behind && state.sentSeq - state.ackedSeq <= this.limits.lowWatermarkBytes) {
      state.behind = false;
      this.pump(state);
      this.onFlowChange();
    }
  }

  /** Sends new output (and the exit, once all output is out) to every viewer that is not behind. */
  pumpAll(): void {
    let changed = false;
    for (const state of this.states.values()) {
      const wasBehind = state.behind;
      this.pump(state);
      changed ||= state.behind !== wasBehind;
    }
    if (changed) this.onFlowChange();
  }

  /** Sends a message to every viewer but `except`. */
  broadcast(msg: DaemonMessage, except?: Viewer): void {
    for (const state of this.states.values()) {
      if (state.viewer.id !== except?.id) state.viewer.send(msg);
    }
  }

  /**
   * True if every viewer that still holds the PTY is behind (stalled viewers — behind without progress
   * for stalledViewerMs — do not hold it). Also returns when that answer may change by itself.
   */
  holdsPty(nowMs: number): { hold: boolean; recheckInMs: number | undefined } {
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
    const { buffer, sessionId } = this.source;
    while (!state.behind && state.sentSeq < buffer.endSeq) {
      if (state.sentSeq - state.ackedSeq >= this.limits.highWatermarkBytes) {
        state.behind = true;
        break;
      }
      const bytes = state.sentSeq < 0 ? undefined : buffer.read(state.sentSeq, this.limits.outputChunkBytes);
      if (!bytes) {
        if (!this.sendSnapshot(state)) return;
        continue;
      }
      state.sentSeq += bytes.length;
      state.viewer.send({ t: 'session.output', sessionId, seq: state.sentSeq }, bytes);
    }
    const exit = this.source.exit();
    if (exit && !state.exitSent && !state.behind && state.sentSeq >= buffer.endSeq) {
      state.exitSent = true;
      state.viewer.send({ t: 'session.exit', sessionId, exitCode: exit.exitCode, signal: exit.signal });
    }
  }

  /** Sends a snapshot; false if the screen lags too far behind (retried once it caught up). */
  private sendSnapshot(state: ViewerState): boolean {
    const snap = this.source.snapshot();
    if (!snap) {
      if (!state.snapshotPending) {
        state.snapshotPending = true;
        this.source.whenScreenParsed(() => {
          state.snapshotPending = false;
          if (this.states.get(state.viewer.id) === state) this.pump(state);
        });
      }
      return false;
    }
    const { sessionId } = this.source;
    state.sentSeq = snap.seq;
    state.ackedSeq = snap.seq;
    state.lastProgressMs = Date.now();
    state.viewer.send({ t: 'session.snapshot', sessionId, seq: snap.seq, cols: snap.cols, rows: snap.rows }, snap.body);
    const size = this.source.size();
    if (size.cols !== snap.cols || size.rows !== snap.rows) {
      state.viewer.send({ t: 'session.resized', sessionId, cols: size.cols, rows: size.rows });
    }
    return true;
  }
}
