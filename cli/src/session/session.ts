// One agent session, whatever it runs: its identity and state as listed, its viewers (resume by sequence
// number, flow control), whether it waits for someone, its exit, and killing it. What it runs is an
// engine (engine.ts): a PTY (pty-engine.ts) or an ACP agent (acp/acp-engine.ts); they differ only in
// what an event is.
import type { SessionInfo, SessionKind } from '../channel/messages.js';
import type { Engine, EngineHooks, SessionExit, SessionStats } from './engine.js';
import { SessionError } from './errors.js';
import type { Viewer } from './viewer.js';
import { ViewerSet } from './viewers.js';

/** Logger used by the session core (the daemon's). */
export interface SessionLog {
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
  debug(...args: unknown[]): void;
}

/** What every session has, whatever it runs. */
export interface SessionIdentity {
  id: string;
  name: string;
  /** The command line as shown to people. */
  command: string[];
  cwd: string;
}

/** What a change is about: output alone is reported less often than the rest. */
export type SessionChange = 'state' | 'output';

/** A running (or exited, still listed) session. */
export class Session {
  readonly id: string;
  readonly name: string;
  readonly kind: SessionKind;
  readonly startedAt = new Date();
  private readonly engine: Engine;
  private readonly viewers: ViewerSet;
  private exitInfo: SessionExit | undefined;
  /** Who ended it (`kill`), for the exit message. */
  private endedBy: string | undefined;
  private lastOutputMs: number | undefined;
  private waiting = false;
  private exitWaiters: (() => void)[] = [];

  /** Starts the engine `start` makes (it gets the hooks it reports through); throws if it cannot start. */
  constructor(
    private readonly identity: SessionIdentity,
    start: (hooks: EngineHooks) => Engine,
    private readonly log: SessionLog,
    private readonly onChange: (change: SessionChange) => void,
  ) {
    this.id = identity.id;
    this.name = identity.name;
    // The engine reports nothing before its constructor returns, so `this.viewers` exists by then.
    this.engine = start({
      appended: () => this.onAppended(),
      changed: () => this.onChange('state'),
      setWaiting: (waiting) => this.setWaiting(waiting),
      exited: (exit) => this.onExit(exit),
      viewerCount: () => this.viewers.count,
      sendEach: (message) => {
        for (const state of this.viewers.all()) state.viewer.send(message(state.viewer));
      },
      viewersHold: (nowMs) => this.viewers.holds(nowMs),
    });
    this.kind = this.engine.kind;
    this.viewers = new ViewerSet(
      { sessionId: identity.id, feed: this.engine.feed, exit: () => this.exitInfo },
      this.engine.flow,
      () => this.engine.flowChanged(),
    );
  }

  /** The session as shown in lists. */
  info(): SessionInfo {
    const exit = this.exitInfo;
    return {
      id: this.id,
      name: this.name,
      kind: this.kind,
      command: [...this.identity.command],
      cwd: this.identity.cwd,
      state: exit ? 'exited' : 'running',
      exitCode: exit?.exitCode == null ? null : Math.max(-1, Math.min(255, exit.exitCode)),
      signal: exit?.signal ?? null,
      startedAt: this.startedAt.toISOString(),
      lastOutputAt: this.lastOutputMs === undefined ? null : new Date(this.lastOutputMs).toISOString(),
      viewers: this.viewers.count,
      waitingForInput: this.waiting,
      seq: this.engine.feed.endSeq,
      ...this.engine.infoFields(),
    };
  }

  /** True once the command has ended. */
  get exited(): boolean {
    return this.exitInfo !== undefined;
  }

  /** The current recording file. */
  get recordingPath(): string {
    return this.engine.recordingPath;
  }

  /**
   * Starts sending events to `viewer`: those after `afterSeq` if still kept, else a snapshot first; then
   * the engine hears of it (a terminal tells it the size and who set it).
   */
  attach(viewer: Viewer, afterSeq: number | undefined, cols?: number, rows?: number): void {
    this.viewers.attach(viewer, afterSeq);
    this.engine.attached(viewer, cols, rows);
    this.onChange('state');
  }

  /** Stops sending to `viewer`; false if it was not attached. */
  detach(viewer: Viewer): boolean {
    if (!this.viewers.detach(viewer)) return false;
    this.engine.detached(viewer);
    this.onChange('state');
    return true;
  }

  /** Keystrokes from `viewer` (ignored once the session has ended). */
  input(viewer: Viewer, bytes: Uint8Array): void {
    if (this.exitInfo) return;
    this.engine.input(viewer, bytes);
  }

  /** The viewer's terminal size, or it takes the session's size (`take`). */
  resize(viewer: Viewer, size: { cols: number; rows: number }, take = false): void {
    this.engine.resize(viewer, size.cols, size.rows, take);
  }

  /** Flow control: `viewer` processed events up to `seq`. */
  ack(viewer: Viewer, seq: number): void {
    this.viewers.ack(viewer, seq);
  }

  /** Text from someone (`by`): a prompt, or typed text and Enter. */
  send(text: string, by: string): void {
    this.running().send(text, by);
  }

  /** Answers a permission request. */
  permit(requestId: string, optionId: string, by: string): void {
    this.running().permit(requestId, optionId, by);
  }

  /** Cancels the current turn. */
  cancel(by: string): void {
    this.running().cancel(by);
  }

  /** Asks the process to end, forces it after `graceMs`; resolves once it is gone. `by` names who ended it. */
  async kill(graceMs: number, by?: string): Promise<void> {
    if (this.exitInfo) return;
    this.endedBy ??= by;
    this.engine.terminate('soft');
    const timer = setTimeout(() => this.engine.terminate('hard'), graceMs);
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
    await this.engine.dispose();
  }

  /** Memory held right now. */
  stats(): SessionStats {
    return this.engine.stats();
  }

  /** Ids of the attached viewers. */
  viewerIds(): string[] {
    return [...this.viewers.all()].map((s) => s.viewer.id);
  }

  private running(): Engine {
    if (this.exitInfo) throw new SessionError('failed', `${this.name} has ended.`);
    return this.engine;
  }

  private onAppended(): void {
    this.lastOutputMs = Date.now();
    this.onChange('output');
    this.viewers.pumpAll();
  }

  private onExit(exit: SessionExit): void {
    this.exitInfo = { ...exit, ...(this.endedBy ? { by: this.endedBy } : {}) };
    this.waiting = false;
    this.log.info(`Session ${this.id} (${this.name}) ended: ${exit.signal ?? `exit code ${exit.exitCode}`}.`);
    this.viewers.pumpAll();
    this.onChange('state');
    for (const resolve of this.exitWaiters.splice(0)) resolve();
  }

  private setWaiting(waiting: boolean): void {
    if (waiting === this.waiting || (waiting && this.exitInfo)) return;
    this.waiting = waiting;
    this.onChange('state');
  }
}
