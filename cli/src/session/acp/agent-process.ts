// An ACP agent as a child process on stdio, in its own process group: stdout goes through the line
// filter (JSON-RPC to the ACP connection, anything else to the log), stderr goes to the log (its last
// lines are kept to explain a crash), stdin takes the client's messages.
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { SessionExit } from '../engine.js';
import { LineFilter, printable } from './line-filter.js';

/** After the process exits, wait at most this long for the rest of its output, in milliseconds. */
export const EXIT_DRAIN_MS = 1000;
/** Lines of an agent's stderr and stdout noise logged per session; after that they are only counted. */
export const MAX_LOGGED_LINES = 1000;
/** Last stderr lines kept to explain why an agent stopped. */
export const KEPT_STDERR_LINES = 5;

/** What to run. */
export interface AgentProcessOptions {
  file: string;
  args: readonly string[];
  cwd: string;
  env: Record<string, string>;
  /** Longest protocol line accepted, in bytes. */
  maxLineBytes: number;
  /** Where the agent's noise and stderr go, e.g. `(line) => log.info(...)`. */
  logLine(stream: 'stdout' | 'stderr', text: string): void;
}

/** A running (or ended) agent process. */
export class AgentProcess {
  readonly pid: number | undefined;
  /** The agent's protocol output (JSON-RPC lines) and its input, as byte streams for the ACP SDK. */
  readonly output: ReadableStream<Uint8Array>;
  readonly input: WritableStream<Uint8Array>;
  private readonly child: ChildProcessByStdio<Writable, Readable, Readable>;
  private outputController!: ReadableStreamDefaultController<Uint8Array>;
  private exitHandler: (exit: SessionExit) => void = () => {};
  private readonly stderrTail: string[] = [];
  private logged = 0;
  private exit: SessionExit | undefined;
  private finished = false;
  /** False once the protocol stream was closed (the agent ended) or cancelled (its reader, the ACP connection, closed). */
  private outputOpen = true;
  private spawnError: string | undefined;

  /** Starts the agent; a failure to start is reported as its exit. */
  constructor(private readonly opts: AgentProcessOptions) {
    this.output = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.outputController = controller;
      },
      cancel: () => {
        this.outputOpen = false;
      },
    });
    const child = spawn(opts.file, [...opts.args], {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    this.child = child;
    this.pid = child.pid;
    const stdin = child.stdin;
    stdin.on('error', () => {}); // EPIPE once the agent is gone: the exit explains it
    this.input = new WritableStream<Uint8Array>({
      write: (chunk) =>
        new Promise<void>((resolve, reject) => {
          if (this.exit || stdin.destroyed) {
            reject(new Error('The agent has stopped.'));
            return;
          }
          stdin.write(chunk, (err) => (err ? reject(err) : resolve()));
        }),
    });
    const stdout = new LineFilter(
      {
        protocol: (line) => {
          if (this.outputOpen) this.outputController.enqueue(line);
        },
        noise: (text) => this.log('stdout', text),
      },
      opts.maxLineBytes,
    );
    const stderr = new LineFilter(
      {
        protocol: (line) => this.onStderr(Buffer.from(line).toString('utf8').trim()),
        noise: (text) => this.onStderr(text),
      },
      64 * 1024,
    );
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    let drainTimer: NodeJS.Timeout | undefined;
    const finish = () => {
      if (this.finished || !this.exit) return;
      if (drainTimer) clearTimeout(drainTimer);
      this.finished = true;
      // A last line without a newline is passed on before the stream ends.
      stdout.end();
      stderr.end();
      if (this.outputOpen) this.outputController.close();
      this.exitHandler(this.exit);
    };
    this.child.on('error', (err) => {
      // The process could not be started (Paseo neither signals through the child nor uses IPC, the other
      // sources of 'error'): there will be no 'exit', only 'close'.
      this.spawnError = err.message;
      this.exit ??= { exitCode: -1, signal: null };
    });
    this.child.on('exit', (code, signal) => {
      this.exit = { exitCode: signal ? null : code, signal: signal ?? null };
      // Children of the agent may keep its stdout open: do not wait for them forever (closing our ends
      // lets 'close' come).
      drainTimer = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
      }, EXIT_DRAIN_MS);
    });
    this.child.on('close', finish);
  }

  /** Sets the one handler for the end of the process (called once, after all its output was read). */
  onExit(handler: (exit: SessionExit) => void): void {
    this.exitHandler = handler;
  }

  /** True once the process has exited. */
  get exited(): boolean {
    return this.exit !== undefined;
  }

  /** The last lines the agent wrote to stderr (and why it could not start, if so). */
  lastWords(): string[] {
    return this.spawnError ? [...this.stderrTail, this.spawnError] : [...this.stderrTail];
  }

  /** `soft`: closes its stdin and sends SIGTERM; `hard`: SIGKILL. To its whole process group. */
  terminate(how: 'soft' | 'hard'): void {
    if (this.exit) return;
    if (how === 'soft') this.child.stdin.end();
    const signal = how === 'soft' ? 'SIGTERM' : 'SIGKILL';
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      // The agent leads its own session (detached), and a session leader cannot leave its process group:
      // the group exists as long as the agent does.
      process.kill(-pid, signal);
    } catch {
      // Already gone.
    }
  }

  private onStderr(text: string): void {
    if (text === '') return;
    this.stderrTail.push(printable(text));
    if (this.stderrTail.length > KEPT_STDERR_LINES) this.stderrTail.shift();
    this.log('stderr', text);
  }

  private log(stream: 'stdout' | 'stderr', text: string): void {
    this.logged++;
    if (this.logged <= MAX_LOGGED_LINES) this.opts.logLine(stream, printable(text));
    else if (this.logged === MAX_LOGGED_LINES + 1) {
      this.opts.logLine(stream, `(more lines from the agent are not logged: over ${MAX_LOGGED_LINES})`);
    }
  }
}
