// A session's command in a PTY: output numbered by byte offset, the headless screen (for snapshots and
// the waiting-for-input heuristic) and the asciicast recording. Output path: PTY read → coalescer →
// output buffer + screen + recording → viewers (flow controlled by the core). Input goes straight to the
// PTY, never behind output.
import { type DaemonMessage, MAX_LAST_LINE_CHARS, type SessionInfo } from '../channel/messages.js';
import { type PtyExit, PtyProcess } from '../pty/spawn.js';
import { Coalescer } from './coalescer.js';
import type { Delivery, Engine, EngineHooks, Feed, FlowLimits, RunSpec, SessionStats } from './engine.js';
import { SessionError } from './errors.js';
import type { SessionLimits } from './limits.js';
import { OutputBuffer } from './output-buffer.js';
import { lastLineOf, pendingQuestion } from './prompt.js';
import { CastRecorder } from './recorder.js';
import { Screen } from './screen.js';
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
  private readonly screen: Screen;
  private readonly coalescer: Coalescer;
  private readonly recorder: CastRecorder;
  private readonly screenBacklogLimit: number;
  /** The terminal's size and the viewer it follows (size.ts). */
  private readonly size: SessionSize;
  private ended = false;
  private outputCount = 0;
  private promptTimer: NodeJS.Timeout | undefined;
  private flowTimer: NodeJS.Timeout | undefined;
  private recordingClosed: Promise<void> | undefined;

  /** Starts the command; throws if the PTY cannot be created. */
  constructor(
    private readonly spec: PtySpec,
    private readonly limits: SessionLimits,
    log: { warn(...args: unknown[]): void },
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
    // The screen may lag the buffer by at most this much, so a snapshot can always be followed by buffered output.
    this.screenBacklogLimit = Math.max(
      1,
      Math.min(limits.screenBacklogBytes, Math.floor(limits.outputBufferBytes / 4)),
    );
    this.screen = new Screen(spec.cols, spec.rows, limits.scrollbackLines, (reply) => this.onScreenReply(reply));
    this.coalescer = new Coalescer(limits.coalesceWindowMs, limits.outputChunkBytes, (chunk) => this.onChunk(chunk));
    this.recorder = new CastRecorder(
      spec.recordingPath,
      { cols: spec.cols, rows: spec.rows, command: spec.command, title: spec.name, env: recordingEnv(spec.env) },
      {
        maxBytes: limits.recordingMaxBytes,
        keepFiles: limits.recordingKeepFiles,
        queueBytes: limits.recordingQueueBytes,
      },
      log,
    );
    this.feed = this.makeFeed(spec.id);
    this.pty.onData((data) => this.coalescer.push(data));
    this.pty.onExit((exit) => this.onExit(exit));
  }

  /** The size, and the last line of the screen (the question, when it waits for one) for the card in lists. */
  infoFields(): Partial<SessionInfo> {
    const lastLine = lastLineOf(this.screen.tail())?.slice(0, MAX_LAST_LINE_CHARS);
    return { ...this.size.size, ...(lastLine ? { lastLine } : {}) };
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
    this.type(Buffer.from(text.replace(/\r?\n$/, ''), 'utf8'));
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
    const pause = hold || this.screen.backlogBytes > this.screenBacklogLimit;
    this.pty.setPaused(pause);
    if (this.flowTimer) clearTimeout(this.flowTimer);
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
    await (this.recordingClosed ?? this.recorder.close());
    this.screen.dispose();
  }

  stats(): SessionStats {
    return {
      bufferedBytes: this.buffer.size,
      screenBacklogBytes: this.screen.backlogBytes,
      coalescingBytes: this.coalescer.pendingBytes,
      recordingQueueBytes: this.recorder.queuedBytes,
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
        if (!buffer.has(this.screen.parsedSeq)) return undefined;
        const snap = this.screen.snapshot();
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
      whenSnapshotReady: (fn) => this.screen.whenParsed(fn),
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
    this.screen.write(bytes, end, () => {
      if (this.pty.isPaused) this.flowChanged();
    });
    this.recorder.output(bytes);
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
    this.recordingClosed = this.recorder.close();
    this.hooks.exited(exit);
  }

  /** Resizes the terminal (when the size changed) and tells every viewer the size and who set it. */
  private applySize(change: SizeChange): void {
    const { cols, rows } = change;
    if (change.resized) {
      this.pty.resize(cols, rows);
      this.screen.resize(cols, rows);
      this.recorder.resize(cols, rows);
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
    if (this.hooks.viewerCount() === 0 && !this.ended) this.pty.write(Buffer.from(reply, 'utf8'));
  }

  private armPromptTimer(): void {
    if (this.ended) return;
    if (this.promptTimer) {
      this.promptTimer.refresh();
      return;
    }
    this.promptTimer = setTimeout(() => {
      const count = this.outputCount;
      this.screen.whenParsed(() => {
        if (this.ended || count !== this.outputCount) return;
        this.hooks.setWaiting(pendingQuestion(this.screen.tail()) !== undefined);
      });
    }, this.limits.promptIdleMs);
  }

  private clearTimers(): void {
    if (this.promptTimer) clearTimeout(this.promptTimer);
    if (this.flowTimer) clearTimeout(this.flowTimer);
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
