// One agent session: a command in a PTY, its output numbered by byte offset, the headless screen, the
// recording and the viewers. Output path: PTY read → coalescer → output buffer + screen + recording →
// each viewer (flow controlled). Input goes straight to the PTY, never behind output.
import type { SessionInfo } from '../channel/messages.js';
import { type PtyExit, PtyProcess } from '../pty/spawn.js';
import { Coalescer } from './coalescer.js';
import type { SessionLimits } from './limits.js';
import { OutputBuffer } from './output-buffer.js';
import { looksLikePrompt } from './prompt.js';
import { CastRecorder } from './recorder.js';
import { Screen } from './screen.js';
import type { Viewer } from './viewer.js';
import { ViewerSet } from './viewers.js';

/** Logger used by the session core (the daemon's). */
export interface SessionLog {
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
  debug(...args: unknown[]): void;
}

/** Everything needed to start a session (already validated by the manager). */
export interface SessionSpec {
  id: string;
  name: string;
  /** The command line as shown to people. */
  command: string[];
  /** The executable to run (resolved), and its arguments. */
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  cols: number;
  rows: number;
  recordingPath: string;
}

/** Memory held by a session right now, and whether its PTY is paused (for status and tests). */
export interface SessionStats {
  bufferedBytes: number;
  screenBacklogBytes: number;
  coalescingBytes: number;
  recordingQueueBytes: number;
  ptyPaused: boolean;
}

/** What a change is about: output alone is reported less often than the rest. */
export type SessionChange = 'state' | 'output';

/** A running (or exited, still listed) session. */
export class Session {
  readonly id: string;
  readonly name: string;
  readonly startedAt = new Date();
  readonly recordingPath: string;
  private readonly spec: SessionSpec;
  private readonly pty: PtyProcess;
  private readonly buffer: OutputBuffer;
  private readonly screen: Screen;
  private readonly coalescer: Coalescer;
  private readonly recorder: CastRecorder;
  private readonly viewers: ViewerSet;
  private readonly screenBacklogLimit: number;
  private cols: number;
  private rows: number;
  private controllerId: string | undefined;
  private exitInfo: PtyExit | undefined;
  private lastOutputMs: number | undefined;
  private outputCount = 0;
  private waiting = false;
  private promptTimer: NodeJS.Timeout | undefined;
  private flowTimer: NodeJS.Timeout | undefined;
  private exitWaiters: (() => void)[] = [];
  private recordingClosed: Promise<void> | undefined;

  /** Starts the command; throws if the PTY cannot be created. */
  constructor(
    spec: SessionSpec,
    private readonly limits: SessionLimits,
    private readonly log: SessionLog,
    private readonly onChange: (change: SessionChange) => void,
  ) {
    this.spec = spec;
    this.id = spec.id;
    this.name = spec.name;
    this.cols = spec.cols;
    this.rows = spec.rows;
    this.recordingPath = spec.recordingPath;
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
    this.viewers = new ViewerSet(
      {
        sessionId: spec.id,
        buffer: this.buffer,
        snapshot: () => (this.buffer.has(this.screen.parsedSeq) ? this.screen.snapshot() : undefined),
        whenScreenParsed: (fn) => this.screen.whenParsed(fn),
        size: () => ({ cols: this.cols, rows: this.rows }),
        exit: () => this.exitInfo,
      },
      limits,
      () => this.updateFlow(),
    );
    this.pty.onData((data) => this.coalescer.push(data));
    this.pty.onExit((exit) => this.onExit(exit));
  }

  /** The session as shown in lists. */
  info(): SessionInfo {
    const exit = this.exitInfo;
    return {
      id: this.id,
      name: this.name,
      command: [...this.spec.command],
      cwd: this.spec.cwd,
      state: exit ? 'exited' : 'running',
      exitCode: exit?.exitCode == null ? null : Math.max(-1, Math.min(255, exit.exitCode)),
      signal: exit?.signal ?? null,
      startedAt: this.startedAt.toISOString(),
      lastOutputAt: this.lastOutputMs === undefined ? null : new Date(this.lastOutputMs).toISOString(),
      viewers: this.viewers.count,
      waitingForInput: this.waiting,
      cols: this.cols,
      rows: this.rows,
      seq: this.buffer.endSeq,
    };
  }

  /** True once the command has ended. */
  get exited(): boolean {
    return this.exitInfo !== undefined;
  }

  /** Starts sending output to `viewer` (see ViewerSet.attach). */
  attach(viewer: Viewer, afterSeq: number | undefined, cols?: number, rows?: number): void {
    this.viewers.attach(viewer, afterSeq, cols, rows);
    this.onChange('state');
  }

  /** Stops sending to `viewer`; false if it was not attached. */
  detach(viewer: Viewer): boolean {
    if (!this.viewers.detach(viewer)) return false;
    if (this.controllerId === viewer.id) this.controllerId = undefined;
    this.onChange('state');
    return true;
  }

  /** Keystrokes from `viewer`; the session first takes that viewer's size if it differs. */
  input(viewer: Viewer, bytes: Uint8Array): void {
    if (this.exitInfo) return;
    const state = this.viewers.get(viewer.id);
    if (state) {
      this.controllerId = viewer.id;
      if (state.cols && state.rows && (state.cols !== this.cols || state.rows !== this.rows)) {
        this.applyResize(state.cols, state.rows, viewer);
      }
    }
    this.pty.write(bytes);
    this.setWaiting(false);
    this.armPromptTimer();
  }

  /** The viewer's terminal size; the session follows it if this viewer typed last (or is alone). */
  resize(viewer: Viewer, cols: number, rows: number): void {
    const state = this.viewers.get(viewer.id);
    if (!state) return;
    state.cols = cols;
    state.rows = rows;
    if (this.exitInfo || (cols === this.cols && rows === this.rows)) return;
    if (this.controllerId === viewer.id || this.viewers.count === 1) this.applyResize(cols, rows, viewer);
  }

  /** Flow control: `viewer` processed output up to `seq`. */
  ack(viewer: Viewer, seq: number): void {
    this.viewers.ack(viewer, seq);
  }

  /** SIGHUP, then SIGKILL after `graceMs`; resolves once the process is gone. */
  async kill(graceMs: number): Promise<void> {
    if (this.exitInfo) return;
    this.pty.kill('SIGHUP');
    const timer = setTimeout(() => this.pty.kill('SIGKILL'), graceMs);
    await this.whenExited();
    clearTimeout(timer);
  }

  /** Resolves once the command has ended (and its exit was sent to caught-up viewers). */
  whenExited(): Promise<void> {
    if (this.exitInfo) return Promise.resolve();
    return new Promise((resolve) => this.exitWaiters.push(resolve));
  }

  /** Frees everything of an exited session; resolves once the recording is on disk. */
  async dispose(): Promise<void> {
    this.viewers.closeAll();
    this.clearTimers();
    this.coalescer.dispose();
    await (this.recordingClosed ?? this.recorder.close());
    this.screen.dispose();
  }

  /** Memory held right now and the PTY's flow state. */
  stats(): SessionStats {
    return {
      bufferedBytes: this.buffer.size,
      screenBacklogBytes: this.screen.backlogBytes,
      coalescingBytes: this.coalescer.pendingBytes,
      recordingQueueBytes: this.recorder.queuedBytes,
      ptyPaused: this.pty.isPaused,
    };
  }

  /** Ids of the attached viewers. */
  viewerIds(): string[] {
    return [...this.viewers.all()].map((s) => s.viewer.id);
  }

  private onChunk(bytes: Uint8Array): void {
    const end = this.buffer.append(bytes);
    this.screen.write(bytes, end, () => {
      if (this.pty.isPaused) this.updateFlow();
    });
    this.recorder.output(bytes);
    this.lastOutputMs = Date.now();
    this.outputCount++;
    if (this.waiting) this.setWaiting(false);
    else this.onChange('output');
    this.armPromptTimer();
    this.viewers.pumpAll();
    this.updateFlow();
  }

  private onExit(exit: PtyExit): void {
    this.coalescer.flush(true);
    this.exitInfo = exit;
    this.clearTimers();
    this.waiting = false;
    this.log.info(`Session ${this.id} (${this.name}) ended: ${exit.signal ?? `exit code ${exit.exitCode}`}.`);
    this.recordingClosed = this.recorder.close();
    this.viewers.pumpAll();
    this.onChange('state');
    for (const resolve of this.exitWaiters.splice(0)) resolve();
  }

  /** Pauses the PTY while every viewer holding it is behind, or the screen lags; resumes otherwise. */
  private updateFlow(): void {
    if (this.exitInfo) return;
    const { hold, recheckInMs } = this.viewers.holdsPty(Date.now());
    const pause = hold || this.screen.backlogBytes > this.screenBacklogLimit;
    this.pty.setPaused(pause);
    if (this.flowTimer) clearTimeout(this.flowTimer);
    this.flowTimer =
      hold && recheckInMs !== undefined ? setTimeout(() => this.updateFlow(), recheckInMs + 1) : undefined;
  }

  private applyResize(cols: number, rows: number, by?: Viewer): void {
    this.cols = cols;
    this.rows = rows;
    this.pty.resize(cols, rows);
    this.screen.resize(cols, rows);
    this.recorder.resize(cols, rows);
    this.viewers.broadcast({ t: 'session.resized', sessionId: this.id, cols, rows }, by);
    this.onChange('state');
  }

  /** Answers to terminal queries (cursor position, device attributes) when no viewer's terminal answers. */
  private onScreenReply(reply: string): void {
    if (this.viewers.count === 0 && !this.exitInfo) this.pty.write(Buffer.from(reply, 'utf8'));
  }

  private armPromptTimer(): void {
    if (this.exitInfo) return;
    if (this.promptTimer) {
      this.promptTimer.refresh();
      return;
    }
    this.promptTimer = setTimeout(() => {
      const count = this.outputCount;
      this.screen.whenParsed(() => {
        if (this.exitInfo || count !== this.outputCount) return;
        this.setWaiting(looksLikePrompt(this.screen.promptText()));
      });
    }, this.limits.promptIdleMs);
  }

  private setWaiting(waiting: boolean): void {
    if (waiting === this.waiting) return;
    this.waiting = waiting;
    this.onChange('state');
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
