// A command running in a pseudo-terminal (node-pty), seen as bytes: output arrives as Buffers (never
// decoded, so byte offsets are exact), input is written as bytes, reading can be paused for flow control.
import { constants } from 'node:os';
import type { IPty } from '@homebridge/node-pty-prebuilt-multiarch';
import { loadNodePty } from './native.js';

/** While output reading is paused, how often to check whether the process has ended. */
export const PAUSED_EXIT_POLL_MS = 40;
/** Output is read straight into slabs of this size, each read after the one before (see SlabReader). */
export const READ_SLAB_BYTES = 256 * 1024;
/** A new slab is started when less than this is left in the current one. */
const MIN_READ_BYTES = 16 * 1024;

/** How a PTY process ended: an exit code, or the name of the signal that ended it. */
export interface PtyExit {
  exitCode: number | null;
  signal: string | null;
}

/** What to run, where, and at which terminal size. */
export interface PtySpawnOptions {
  file: string;
  args: readonly string[];
  cwd: string;
  env: Record<string, string>;
  cols: number;
  rows: number;
  /** Value of TERM for the process. */
  termName?: string;
}

/** A running (or ended) PTY process. */
export class PtyProcess {
  /** Process id of the command (also its process group id: node-pty starts a new session). */
  readonly pid: number;
  /** True when output is read into slabs (this runtime's sockets allow it), false when it comes as node-pty's Buffers. */
  readonly readsIntoSlabs: boolean;
  private readonly pty: IPty;
  private dataHandler: (chunk: Buffer) => void = () => {};
  private exitHandler: (exit: PtyExit) => void = () => {};
  private paused = false;
  private exited = false;
  private processGone = false;
  private pollTimer: NodeJS.Timeout | undefined;

  /** Spawns `file` with `args`; throws if the PTY cannot be created. */
  constructor(opts: PtySpawnOptions) {
    this.pty = loadNodePty().spawn(opts.file, [...opts.args], {
      name: opts.termName ?? 'xterm-256color',
      cols: opts.cols,
      rows: opts.rows,
      cwd: opts.cwd,
      env: opts.env,
      // null: output stays raw bytes (Buffers), see the module comment.
      encoding: null,
    });
    this.pid = this.pty.pid;
    this.readsIntoSlabs = readIntoSlabs(
      this.pty,
      (chunk) => this.dataHandler(chunk),
      () => this.paused,
    );
    if (!this.readsIntoSlabs) {
      this.pty.onData((data: string | Buffer) => {
        this.dataHandler(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
      });
    }
    this.pty.onExit(({ exitCode, signal }) => {
      this.exited = true;
      this.stopPolling();
      const name = signal ? signalName(signal) : null;
      this.exitHandler({ exitCode: name ? null : exitCode, signal: name });
    });
  }

  /**
   * Sets the one handler for output bytes. Each chunk is a view nothing writes to afterwards (read into a
   * slab, chunks of one slab side by side), so it can be kept without copying.
   */
  onData(handler: (chunk: Buffer) => void): void {
    this.dataHandler = handler;
  }

  /** Sets the one handler for the end of the process (called once, after all output was delivered). */
  onExit(handler: (exit: PtyExit) => void): void {
    this.exitHandler = handler;
  }

  /** True once the exit was reported. */
  get hasExited(): boolean {
    return this.exited;
  }

  /** Terminal size in cells. */
  get cols(): number {
    return this.pty.cols;
  }

  /** Terminal size in cells. */
  get rows(): number {
    return this.pty.rows;
  }

  /** Writes input bytes straight to the terminal (never queued behind output). */
  write(bytes: Uint8Array): void {
    if (this.exited || bytes.length === 0) return;
    // node-pty's typings say string; its socket takes bytes as they are.
    this.pty.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as unknown as string);
  }

  /** Resizes the terminal (the process gets SIGWINCH). */
  resize(cols: number, rows: number): void {
    if (this.exited) return;
    try {
      this.pty.resize(cols, rows);
    } catch {
      // The terminal closed between the exit and our notice of it.
    }
  }

  /**
   * Pauses or resumes reading output. While paused the process blocks once the kernel buffer is full.
   * node-pty drops unread output 200 ms after the process ends if reading is paused, so while paused
   * we poll for the end of the process and resume for good when it is gone.
   */
  setPaused(paused: boolean): void {
    if (this.processGone || this.exited) paused = false;
    if (paused === this.paused) return;
    this.paused = paused;
    if (paused) {
      this.pty.pause();
      this.pollTimer = setInterval(() => {
        if (!isAlive(this.pid)) {
          this.processGone = true;
          this.setPaused(false);
        }
      }, PAUSED_EXIT_POLL_MS);
    } else {
      this.stopPolling();
      this.pty.resume();
    }
  }

  /** True while output reading is paused. */
  get isPaused(): boolean {
    return this.paused;
  }

  /** Sends `signal` to the process group of the command (falls back to the process alone). */
  kill(signal: NodeJS.Signals): void {
    if (this.exited) return;
    try {
      process.kill(-this.pid, signal);
    } catch {
      try {
        process.kill(this.pid, signal);
      } catch {
        // Already gone.
      }
    }
  }

  private stopPolling(): void {
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = undefined;
  }
}

/**
 * Reads the PTY's output into slabs instead of a fresh 64 KiB buffer per read (PTY reads are at most
 * 4 KiB): a `cat` of a large file was about a thousand buffers, and as many trips through the stream
 * machinery, per MiB, which cost the daemon more in garbage collection than the reads themselves. Each read
 * lands after the one before in the current slab, so the chunks of a slab are side by side
 * (coalescer.ts joins them without copying) and nothing overwrites them.
 *
 * node-pty reads through a tty.ReadStream it makes itself, so this sets, before its first read (on the
 * next tick), what `onread: { buffer, callback }` would have set on that socket: the socket's own
 * symbols, found by their names. Returns false (node-pty's own reads stay) wherever they are missing.
 */
function readIntoSlabs(pty: IPty, deliver: (chunk: Buffer) => void, isPaused: () => boolean): boolean {
  const socket = (pty as unknown as { _socket?: object })._socket as
    | (Record<symbol, unknown> & { _handle?: { reading?: boolean; useUserBuffer?(buf: Uint8Array): void } })
    | undefined;
  if (!socket) return false;
  const symbols = Object.getOwnPropertySymbols(socket);
  const find = (name: string): symbol | undefined => symbols.find((s) => s.description === name);
  const kBuffer = find('kBuffer');
  const kBufferCb = find('kBufferCb');
  const kBufferGen = find('kBufferGen');
  const handle = socket._handle;
  if (!kBuffer || !kBufferCb || !kBufferGen || socket[kBuffer] !== null || !handle?.useUserBuffer || handle.reading) {
    return false;
  }
  let slab = newSlab();
  let at = 0;
  const next = (): Buffer => {
    if (slab.length - at < MIN_READ_BYTES) {
      slab = newSlab();
      at = 0;
    }
    return slab.subarray(at);
  };
  const first = next();
  handle.useUserBuffer(first);
  socket[kBuffer] = first;
  socket[kBufferGen] = next;
  socket[kBufferCb] = (nread: number): boolean => {
    const chunk = slab.subarray(at, at + nread);
    at += nread;
    deliver(chunk);
    // false stops reading: a paused socket may still read once (Node's socket starts reading on its
    // first tick even when paused before it when a read buffer is set); this makes it once only.
    return !isPaused();
  };
  return true;
}

/**
 * A slab of shared memory where the runtime has it: the screen worker then reads the chunks where they
 * are, instead of from a copy (session/screen-host.ts).
 */
function newSlab(): Buffer {
  return typeof SharedArrayBuffer === 'function'
    ? Buffer.from(new SharedArrayBuffer(READ_SLAB_BYTES))
    : Buffer.allocUnsafeSlow(READ_SLAB_BYTES);
}

/** The name of signal number `signal` (e.g. 1 → "SIGHUP"), or "SIG<n>" if unknown. */
export function signalName(signal: number): string {
  for (const [name, value] of Object.entries(constants.signals)) {
    if (value === signal) return name;
  }
  return `SIG${signal}`;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
