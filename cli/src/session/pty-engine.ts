// A session's command in a PTY: output numbered by byte offset, the headless screen (for snapshots and
// the waiting-for-input heuristic) and the asciicast recording. Output path: PTY read → coalescer →
// output buffer → viewers (flow controlled by the core), and → the screen worker (screen and recording,
// pty-screen.ts), which viewers never wait for. Input goes straight to the PTY, never behind output.
import { type DaemonMessage, MAX_LAST_LINE_CHARS, type SessionInfo } from '../channel/messages.js';
import { type PtyExit, PtyProcess } from '../pty/spawn.js';
import { Coalescer } from './coalescer.js';
import type { Delivery, Engine, EngineHooks, Feed, FlowLimits, RunSpec, SessionStats } from './engine.js';
import { SessionError } from './errors.js';
import type { SessionLimits } from './limits.js';
import { OutputBuffer } from './output-buffer.js';
import { lastLineOf, pendingQuestion } from './prompt.js';
import { PtyScreen } from './pty-screen.js';
import type { SessionLog } from './session.js';
import { SessionSize, type SizeChange } from './size.js';
import type { Viewer } from './viewer.js';

/** After typing the text of a `send`, wait this long before Enter, so the app does not take it for a paste. */
export const SEND_ENTER_DELAY_MS = 30;

/** What a PTY engine runs, at which terminal size. */
export interface PtySpec extends RunSpec {
  cols: number;
  rows: number;
}

/** A command running in a PTY, seen as numbered output bytes. */
export class PtyEngine implements Engine {
  readonly kind = 'pty' as const;
  readonly feed: Feed;
  readonly flow: FlowLimits;
  readonly recordingPath: string;
  private readonly pty: PtyProcess;
  private readonly buffer: OutputBuffer;
  private readonly screen: PtyScreen;
  private readonly coalescer: Coalescer;
  /** The terminal's size and the viewer it follows (size.ts). */
  private readonly size: SessionSize;
  private ended = false;
  private reportedLastLine: string | undefined;
  private outputCount = 0;
  private promptTimer: NodeJS.Timeout | undefined;
  private flowTimer: NodeJS.Timeout | undefined;

  /** Starts the command; throws if the PTY cannot be created. */
  constructor(
    private readonly spec: PtySpec,
    private readonly limits: SessionLimits,
    log: Pick<SessionLog, 'warn' | 'error'>,
    private readonly hooks: EngineHooks,
  ) {
    this.size = new SessionSize({ cols: spec.cols, rows: spec.rows });
    this.recordingPath = spec.recordingPath;
    this.flow = {
      chunkUnits: limits.outputChunkBytes,
      highWatermark: limits.highWatermarkBytes,
      lowWatermark: limits.lowWatermarkBytes,
      stalledViewerMs: limits.stalledViewerMs,
    };
    this.pty = new PtyProcess({
      file: spec.file,
      args: spec.args,
      cwd: spec.cwd,
      env: spec.env,
      cols: spec.cols,
      rows: spec.rows,
    });
    this.buffer = new OutputBuffer(limits.outputBufferBytes);
    this.screen = new PtyScreen({
      sessionId: spec.id,
      cols: spec.cols,
      rows: spec.rows,
      recordingPath: spec.recordingPath,
      header: {
        cols: spec.cols,
        rows: spec.rows,
        command: spec.command,
        title: spec.name,
        env: recordingEnv(spec.env),
      },
      limits,
      buffer: this.buffer,
      log,
      onReply: (reply) => this.onScreenReply(reply),
      onProgress: () => {
        if (this.pty.isPaused) this.flowChanged();
      },
    });
    this.coalescer = new Coalescer(limits.coalesceWindowMs, limits.outputChunkBytes, (chunk) => this.onChunk(chunk));
    this.feed = this.makeFeed(spec.id);
    this.pty.onData((data) => this.coalescer.push(data));
    this.pty.onExit((exit) => this.onExit(exit));
  }

  /** The size, and the last line of the screen (the question, when it waits for one) for the card in lists. */
  infoFields(): Partial<SessionInfo> {
    const lastLine = this.lastLine();
    return { ...this.size.size, ...(lastLine ? { lastLine } : {}) };
  }

  /** The last line of the screen as last asked for from the screen worker (see PtyScreen.refreshTail). */
  private lastLine(): string | undefined {
    const tail = this.screen.lastTail;
    return tail ? lastLineOf(tail)?.slice(0, MAX_LAST_LINE_CHARS) : undefined;
  }

  /** A fresh bottom of the screen came: lists are told when its last line differs from the one they had. */
  private lastLineMayHaveChanged(): void {
    const line = this.lastLine();
    if (line === this.reportedLastLine) return;
    this.reportedLastLine = line;
    this.hooks.changed();
  }

  /** A viewer attached (after its snapshot or resumed output went out): alone, it sets the size; it is told the size. */
  attached(viewer: Viewer, cols: number | undefined, rows: number | undefined): void {
    const change = this.size.attached(viewer, cols && rows ? { cols, rows } : undefined);
    if (this.ended) return; // an ended session's size no longer matters
    if (change) this.applySize(change);
    else viewer.send(this.resizedFor(viewer));
  }

  detached(viewer: Viewer): void {
    const change = this.size.detached(viewer.id);
    if (change && !this.ended) this.applySize(change);
  }

  /** Keystrokes from `viewer`; it takes the session's size first (see size.ts). */
  input(viewer: Viewer, bytes: Uint8Array): void {
    if (this.ended) return;
    const change = this.size.typed(viewer.id);
    if (change) this.applySize(change);
    this.type(bytes);
  }

  /** The viewer's terminal size; the session follows it when that viewer has the size or `take`s it. */
  resize(viewer: Viewer, cols: number, rows: number, take: boolean): void {
    if (this.ended) return;
    const change = this.size.resized(viewer.id, { cols, rows }, take);
    if (change) this.applySize(change);
  }

  /** Types `text`, then Enter a moment later (a TUI that sees both at once may take Enter for part of a paste). */
  send(text: string, _by: string): void {
    if (this.ended) throw new SessionError('failed', 'The session has ended.');
    this.type(Buffer.from(text.replace(/\r?\n$/, '')));
    setTimeout(() => this.type(Buffer.from('\r')), SEND_ENTER_DELAY_MS);
  }

  permit(): void {
    throw new SessionError('bad-request', 'This is a terminal session: it has no permission requests to answer.');
  }

  cancel(): void {
    throw new SessionError('bad-request', 'This is a terminal session: send it Ctrl-C instead.');
  }

  /** Pauses the PTY while every viewer holding it is behind, or the screen lags; resumes otherwise. */
  flowChanged(): void {
    if (this.ended) return;
    const { hold, recheckInMs } = this.hooks.viewersHold(Date.now());
    const pause = hold || this.screen.lagBytes > this.screen.backlogLimit;
    this.pty.setPaused(pause);
    clearTimeout(this.flowTimer);
    this.flowTimer =
      hold && recheckInMs !== undefined ? setTimeout(() => this.flowChanged(), recheckInMs + 1) : undefined;
  }

  /** SIGHUP (soft), SIGKILL (hard), to the command's process group. */
  terminate(how: 'soft' | 'hard'): void {
    this.pty.kill(how === 'soft' ? 'SIGHUP' : 'SIGKILL');
  }

  async dispose(): Promise<void> {
    this.clearTimers();
    this.coalescer.dispose();
    await this.screen.close();
  }

  stats(): SessionStats {
    return {
      bufferedBytes: this.buffer.size,
      screenBacklogBytes: this.screen.lagBytes,
      coalescingBytes: this.coalescer.pendingBytes,
      recordingQueueBytes: this.screen.recordingQueueBytes,
      ptyPaused: this.pty.isPaused,
    };
  }

  /** The feed: output bytes from the buffer, or the screen as a snapshot. */
  private makeFeed(sessionId: string): Feed {
    const buffer = this.buffer;
    return {
      get endSeq() {
        return buffer.endSeq;
      },
      has: (seq) => buffer.has(seq),
      read: (from, maxUnits): Delivery | undefined => {
        const bytes = buffer.read(from, maxUnits);
        if (!bytes) return undefined;
        const seq = from + bytes.length;
        return { seq, messages: [{ msg: { t: 'session.output', sessionId, seq }, body: bytes }] };
      },
      snapshot: (): Delivery | undefined => {
        const snap = this.screen.snapshot();
        if (!snap) return undefined;
        const messages: Delivery['messages'] = [
          {
            msg: { t: 'session.snapshot', sessionId, seq: snap.seq, cols: snap.cols, rows: snap.rows },
            body: snap.body,
          },
        ];
        const { cols, rows } = this.size.size;
        if (cols !== snap.cols || rows !== snap.rows) {
          messages.push({ msg: { t: 'session.resized', sessionId, cols, rows } });
        }
        return { seq: snap.seq, messages };
      },
      whenSnapshotReady: (fn) => this.screen.whenSnapshotReady(fn),
    };
  }

  private type(bytes: Uint8Array): void {
    if (this.ended) return;
    this.pty.write(bytes);
    this.hooks.setWaiting(false);
    this.armPromptTimer();
  }

  private onChunk(bytes: Uint8Array): void {
    const end = this.buffer.append(bytes);
    this.screen.write(bytes, end);
    this.screen.refreshTail(() => this.lastLineMayHaveChanged());
    this.outputCount++;
    this.hooks.setWaiting(false);
    this.armPromptTimer();
    this.hooks.appended();
    this.flowChanged();
  }

  private onExit(exit: PtyExit): void {
    this.coalescer.flush(true);
    this.ended = true;
    this.clearTimers();
    void this.screen.finish();
    this.hooks.exited(exit);
  }

  /** Resizes the terminal (when the size changed) and tells every viewer the size and who set it. */
  private applySize(change: SizeChange): void {
    const { cols, rows } = change;
    if (change.resized) {
      this.pty.resize(cols, rows);
      this.screen.resize(cols, rows);
    }
    this.hooks.sendEach((viewer) => this.resizedFor(viewer));
    this.hooks.changed();
  }

  /** `session.resized` as `viewer` gets it. */
  private resizedFor(viewer: Viewer): DaemonMessage {
    const by = this.size.setBy;
    return {
      t: 'session.resized',
      sessionId: this.spec.id,
      ...this.size.size,
      ...(by ? { by, yours: this.size.isOwner(viewer.id) } : {}),
    };
  }

  /** Answers to terminal queries (cursor position, device attributes) when no viewer's terminal answers. */
  private onScreenReply(reply: string): void {
    if (this.hooks.viewerCount() === 0 && !this.ended) this.pty.write(Buffer.from(reply));
  }

  private armPromptTimer(): void {
    if (this.ended) return;
    if (this.promptTimer) {
      this.promptTimer.refresh();
      return;
    }
    this.promptTimer = setTimeout(() => {
      const count = this.outputCount;
      this.screen.tail().then(
        (tail) => {
          if (this.ended || count !== this.outputCount) return;
          this.hooks.setWaiting(pendingQuestion(tail) !== undefined);
          this.lastLineMayHaveChanged();
        },
        () => {}, // the screen worker stopped: the next quiet spell asks again
      );
    }, this.limits.promptIdleMs);
  }

  private clearTimers(): void {
    clearTimeout(this.promptTimer);
    clearTimeout(this.flowTimer);
    this.promptTimer = undefined;
    this.flowTimer = undefined;
  }
}

function recordingEnv(env: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  if (env.TERM) out.TERM = env.TERM;
  if (env.SHELL) out.SHELL = env.SHELL;
  return out;
}
