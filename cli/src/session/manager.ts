// The sessions of the daemon: create them from presets or command lines (in a PTY, or as an ACP agent),
// route viewers' attach, input, resize, ack, prompts and answers to them, report changes (throttled),
// kill and remove them. Sessions outlive viewers.
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type { PresetInfo, SessionInfo, SessionKind } from '../channel/messages.js';
import { MAX_NAME_CHARS, MAX_TERMINAL_COLS, MAX_TERMINAL_ROWS } from '../channel/messages.js';
import { findCommand } from '../pty/which.js';
import { homePaths } from '../state/home.js';
import { isRandomId, randomId, SESSION_ID_CHARS } from '../state/ids.js';
import { RECORDING_SUFFIX } from '../state/recordings.js';
import { withoutSecrets } from '../state/secrets.js';
import { AcpEngine } from './acp/acp-engine.js';
import type { SessionStats } from './engine.js';
import { SessionError } from './errors.js';
import { DEFAULT_LIMITS, type SessionLimits } from './limits.js';
import { PresetStore } from './presets.js';
import { PtyEngine } from './pty-engine.js';
import { Session, type SessionChange, type SessionLog } from './session.js';
import type { Viewer } from './viewer.js';

export type { SessionStats } from './engine.js';
export type { SessionErrorCode } from './errors.js';
export { SessionError } from './errors.js';
export type { SessionLog } from './session.js';

/** How to start a session: a preset or a command line, where, at which size, in a PTY or as an ACP agent. */
export interface CreateSessionRequest {
  preset?: string;
  command?: string[];
  cwd?: string;
  name?: string;
  env?: Record<string, string>;
  cols: number;
  rows: number;
  /** Default `pty`. */
  kind?: SessionKind;
  /** acp: seconds before an unanswered permission request is rejected (default: limits.permissionTimeoutMs). */
  permissionTimeoutS?: number;
}

/** Options of a SessionManager. */
export interface SessionManagerOptions {
  /** PASEO_HOME: presets.json and recordings/ live here. */
  home: string;
  log: SessionLog;
  /** Sizes and timings (tests shrink them); defaults in limits.ts. */
  limits?: Partial<SessionLimits>;
  /** Environment sessions inherit and PATH lookups use (default: process.env). */
  env?: NodeJS.ProcessEnv;
}

/** All sessions of the daemon. */
export class SessionManager {
  private readonly sessions = new Map<string, Session>();
  private readonly killing = new Map<string, Promise<void>>();
  private readonly listeners = new Set<(sessions: SessionInfo[]) => void>();
  private readonly limits: SessionLimits;
  private readonly env: NodeJS.ProcessEnv;
  private readonly presetStore: PresetStore;
  private readonly recordingsDir: string;
  private readonly log: SessionLog;
  private lastEmitMs = 0;
  private lastOutputEmitMs = 0;
  private emitTimer: NodeJS.Timeout | undefined;
  private shuttingDown = false;

  /** Creates the manager (and PASEO_HOME/recordings, owner-only). */
  constructor(opts: SessionManagerOptions) {
    this.log = opts.log;
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.env = opts.env ?? process.env;
    this.presetStore = new PresetStore(opts.home, this.env, (message) => this.log.warn(message));
    this.recordingsDir = homePaths(opts.home).recordings;
    mkdirSync(this.recordingsDir, { recursive: true, mode: 0o700 });
  }

  /** The presets, with `available` telling whether each command is on PATH. */
  presets(): PresetInfo[] {
    return this.presetStore.infos();
  }

  /** Problems worth telling the user, as sentences (e.g. a broken presets file). */
  warnings(): string[] {
    const warning = this.presetStore.warning;
    return warning ? [warning] : [];
  }

  /** All sessions, oldest first. */
  list(): SessionInfo[] {
    return [...this.sessions.values()].map((s) => s.info());
  }

  /** One session, if it exists. */
  get(sessionId: string): SessionInfo | undefined {
    return this.sessions.get(sessionId)?.info();
  }

  /** Memory held by a session and its PTY's flow state (for status output and tests). */
  stats(sessionId: string): SessionStats | undefined {
    return this.sessions.get(sessionId)?.stats();
  }

  /** Starts a session; throws SessionError (unknown preset, command not found, folder missing, …). */
  create(req: CreateSessionRequest): SessionInfo {
    if (this.shuttingDown) throw new SessionError('failed', 'The daemon is shutting down.');
    const kind = req.kind ?? 'pty';
    const cols = checkSize(req.cols, MAX_TERMINAL_COLS, 'columns');
    const rows = checkSize(req.rows, MAX_TERMINAL_ROWS, 'rows');
    const { argv, defaultName, what } = this.commandLine(req, kind);
    const cwd = this.folder(req.cwd);
    const env = this.sessionEnv(req.env, kind);
    const file = findCommand(argv[0] as string, env.PATH, cwd);
    if (!file) {
      throw new SessionError(
        'failed',
        `${what} "${argv[0]}" was not found on this computer (PATH). Install it or check PATH.`,
      );
    }
    const id = this.newId();
    env.PASEO_SESSION_ID = id;
    const name = this.uniqueName(req.name?.trim() || defaultName);
    const identity = { id, name, command: argv, cwd };
    const run = { ...identity, file, args: argv.slice(1), env, recordingPath: this.recordingFile(id, kind) };
    let session: Session;
    try {
      session = new Session(
        identity,
        (hooks) =>
          kind === 'acp'
            ? new AcpEngine(
                {
                  ...run,
                  permissionTimeoutMs: (req.permissionTimeoutS ?? 0) * 1000 || this.limits.permissionTimeoutMs,
                },
                this.limits,
                this.log,
                hooks,
              )
            : new PtyEngine({ ...run, cols, rows }, this.limits, this.log, hooks),
        this.log,
        (change) => this.changed(change),
      );
    } catch (err) {
      throw new SessionError('failed', `Could not start "${argv.join(' ')}": ${(err as Error).message}`);
    }
    this.sessions.set(id, session);
    this.log.info(
      `Session ${id} (${name}) started${kind === 'acp' ? ' as an ACP agent' : ''}: ${argv.join(' ')} in ${cwd}.`,
    );
    this.changed('state');
    return session.info();
  }

  /** Starts sending a session to `viewer`: output after `afterSeq` if still buffered, else a snapshot. */
  attach(sessionId: string, viewer: Viewer, opts: { afterSeq?: number; cols?: number; rows?: number }): void {
    const cols = opts.cols === undefined ? undefined : checkSize(opts.cols, MAX_TERMINAL_COLS, 'columns');
    const rows = opts.rows === undefined ? undefined : checkSize(opts.rows, MAX_TERMINAL_ROWS, 'rows');
    const afterSeq = opts.afterSeq;
    if (afterSeq !== undefined && (!Number.isSafeInteger(afterSeq) || afterSeq < 0)) {
      throw new SessionError('bad-request', 'afterSeq must be a byte offset (a whole number, 0 or more).');
    }
    this.session(sessionId).attach(viewer, afterSeq, cols, rows);
  }

  /** Stops sending a session to `viewer` (the session keeps running). */
  detach(sessionId: string, viewer: Viewer): void {
    this.sessions.get(sessionId)?.detach(viewer);
  }

  /** Detaches `viewer` from every session: call this when its connection closes. */
  detachAll(viewer: Viewer): void {
    for (const session of this.sessions.values()) session.detach(viewer);
  }

  /** Keystrokes from `viewer` (ignored once the session has exited). */
  input(sessionId: string, viewer: Viewer, bytes: Uint8Array): void {
    this.session(sessionId).input(viewer, bytes);
  }

  /** `viewer`'s terminal size changed, or it takes the session's size (`take`): see size.ts. */
  resize(sessionId: string, viewer: Viewer, cols: number, rows: number, take = false): void {
    const c = checkSize(cols, MAX_TERMINAL_COLS, 'columns');
    const r = checkSize(rows, MAX_TERMINAL_ROWS, 'rows');
    this.session(sessionId).resize(viewer, { cols: c, rows: r }, take);
  }

  /** Flow control: `viewer` processed the session's output up to `seq` (bytes or events). */
  ack(sessionId: string, viewer: Viewer, seq: number): void {
    this.sessions.get(sessionId)?.ack(viewer, seq);
  }

  /** Text from someone (`by` names them): a prompt to an ACP agent, or typed text and Enter in a terminal. */
  send(sessionId: string, text: string, by: string): void {
    this.session(sessionId).send(text, by);
  }

  /** Answers a permission request of an ACP agent; the first answer wins. */
  permit(sessionId: string, requestId: string, optionId: string, by: string): void {
    this.session(sessionId).permit(requestId, optionId, by);
  }

  /** Cancels the current turn of an ACP agent. */
  cancel(sessionId: string, by: string): void {
    this.session(sessionId).cancel(by);
  }

  /**
   * Ends a session (SIGHUP, then SIGKILL after a grace period) and removes it from the list once the
   * process is gone; attached viewers get `session.exit` first (naming `by`, who ended it). An exited
   * session is just removed.
   */
  kill(sessionId: string, by?: string): Promise<void> {
    const pending = this.killing.get(sessionId);
    if (pending) return pending;
    const session = this.sessions.get(sessionId);
    if (!session) return Promise.reject(new SessionError('not-found', `There is no session "${sessionId}".`));
    const done = (async () => {
      await session.kill(this.limits.killGraceMs, by);
      this.sessions.delete(sessionId);
      await session.dispose();
      this.changed('state');
    })().finally(() => this.killing.delete(sessionId));
    this.killing.set(sessionId, done);
    return done;
  }

  /** Removes a session that has ended from the list (its recording stays); refuses one that runs. */
  async remove(sessionId: string): Promise<void> {
    const session = this.session(sessionId);
    if (!session.exited) {
      throw new SessionError(
        'failed',
        `${session.name} is still running. End it first (\`paseo kill ${session.name}\` or End in the app).`,
      );
    }
    return this.kill(sessionId);
  }

  /** The newest recording file of a session (also of one already removed), if it exists. */
  recordingPath(sessionId: string): string | undefined {
    const session = this.sessions.get(sessionId);
    if (session) return existsSync(session.recordingPath) ? session.recordingPath : undefined;
    if (!isRandomId(sessionId, SESSION_ID_CHARS)) return undefined;
    return (['pty', 'acp'] as const).map((kind) => this.recordingFile(sessionId, kind)).find((p) => existsSync(p));
  }

  /** Calls `listener` with all sessions when they change (throttled); returns the unsubscribe function. */
  onChange(listener: (sessions: SessionInfo[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Kills every session and writes out the recordings. */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    await Promise.all([...this.sessions.keys()].map((id) => this.kill(id).catch(() => {})));
    if (this.emitTimer) clearTimeout(this.emitTimer);
    this.emitTimer = undefined;
  }

  private session(sessionId: string): Session {
    const session = this.sessions.get(sessionId);
    if (!session) throw new SessionError('not-found', `There is no session "${sessionId}".`);
    return session;
  }

  private recordingFile(id: string, kind: SessionKind): string {
    return join(this.recordingsDir, `${id}${RECORDING_SUFFIX[kind]}`);
  }

  private commandLine(
    req: CreateSessionRequest,
    kind: SessionKind,
  ): { argv: string[]; defaultName: string; what: string } {
    const hasCommand = req.command !== undefined && req.command.length > 0;
    if (hasCommand && req.preset) throw new SessionError('bad-request', 'Give either a preset or a command, not both.');
    if (hasCommand) {
      const argv = [...(req.command as string[])];
      if (!argv[0]) throw new SessionError('bad-request', 'The command is empty.');
      return { argv, defaultName: basename(argv[0]), what: 'The command' };
    }
    if (!req.preset) throw new SessionError('bad-request', 'Give a preset or a command to run.');
    const preset = this.presetStore.find(req.preset, kind);
    if (!preset) {
      const known = this.presetStore
        .list()
        .filter((p) => p.kind === kind)
        .map((p) => p.name)
        .join(', ');
      const what = kind === 'acp' ? 'ACP preset' : 'preset';
      throw new SessionError('not-found', `There is no ${what} "${req.preset}". Known ${what}s: ${known}.`);
    }
    return {
      argv: [preset.command, ...preset.args],
      defaultName: preset.name,
      what: `The command of ${kind === 'acp' ? 'ACP preset' : 'preset'} "${preset.name}",`,
    };
  }

  private folder(requested: string | undefined): string {
    const home = homedir();
    const raw = requested?.trim() || home;
    const expanded = raw === '~' ? home : raw.startsWith('~/') ? join(home, raw.slice(2)) : raw;
    const cwd = resolve(home, expanded);
    let isDir: boolean;
    try {
      isDir = statSync(cwd).isDirectory();
    } catch {
      throw new SessionError('failed', `The folder ${cwd} does not exist.`);
    }
    if (!isDir) throw new SessionError('failed', `${cwd} is not a folder.`);
    return cwd;
  }

  private sessionEnv(extra: Record<string, string> | undefined, kind: SessionKind): Record<string, string> {
    const env: Record<string, string> = {};
    // The user's environment without paseo's own secrets (the tailnet auth key, the sidecar's token).
    for (const [k, v] of Object.entries(withoutSecrets(this.env))) if (v !== undefined) env[k] = v;
    if (kind === 'pty') {
      env.TERM = 'xterm-256color';
      env.COLORTERM = 'truecolor';
    }
    for (const [k, v] of Object.entries(extra ?? {})) {
      if (k === '' || /[=\0]/.test(k) || typeof v !== 'string' || v.includes('\0')) {
        throw new SessionError('bad-request', `The environment variable "${k}" has an invalid name or value.`);
      }
      env[k] = v;
    }
    return env;
  }

  private newId(): string {
    for (;;) {
      const id = randomId(SESSION_ID_CHARS);
      if (!this.sessions.has(id) && this.recordingPath(id) === undefined) return id;
    }
  }

  private uniqueName(base: string): string {
    const taken = new Set([...this.sessions.values()].map((s) => s.name));
    const trimmed = base.slice(0, MAX_NAME_CHARS);
    if (!taken.has(trimmed)) return trimmed;
    for (let n = 2; ; n++) {
      const suffix = `-${n}`;
      const name = base.slice(0, MAX_NAME_CHARS - suffix.length) + suffix;
      if (!taken.has(name)) return name;
    }
  }

  /** Throttles change notifications: at most one per changeThrottleMs; output alone less often. */
  private changed(change: SessionChange): void {
    const now = Date.now();
    if (change === 'output') {
      if (now - this.lastOutputEmitMs < this.limits.outputChangeIntervalMs) return;
      this.lastOutputEmitMs = now;
    }
    if (this.emitTimer || this.listeners.size === 0) return;
    const wait = Math.max(0, this.lastEmitMs + this.limits.changeThrottleMs - now);
    this.emitTimer = setTimeout(() => {
      this.emitTimer = undefined;
      this.lastEmitMs = Date.now();
      this.lastOutputEmitMs = this.lastEmitMs;
      const sessions = this.list();
      for (const listener of this.listeners) {
        try {
          listener(sessions);
        } catch (err) {
          this.log.error('A sessions listener failed:', err);
        }
      }
    }, wait);
  }
}

function checkSize(value: number, max: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new SessionError('bad-request', `The terminal ${what} must be a whole number from 1 to ${max}.`);
  }
  return value;
}
