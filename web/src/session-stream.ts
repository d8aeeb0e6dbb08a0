// One session's output on its way into a terminal: byte offsets (seq) so a re-attach shows nothing
// twice and loses nothing, and batched acks so flow control works end to end. No DOM: the terminal
// is reached through `TerminalSink`, timers can be replaced in tests.

/** The part of an xterm.js Terminal this module writes to. */
export interface TerminalSink {
  reset(): void;
  resize(cols: number, rows: number): void;
  write(data: Uint8Array, callback: () => void): void;
}

export interface Timers {
  set(cb: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

/** Send an ack at most this often, in milliseconds… */
export const ACK_INTERVAL_MS = 16;
/** …or at once when this many bytes were processed since the last one. */
export const ACK_BYTES = 64 * 1024;

const realTimers: Timers = {
  set: (cb, ms) => setTimeout(cb, ms),
  clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export class SessionStream {
  /** Byte offset of the end of what was handed to the terminal; undefined before the first snapshot. */
  private written: number | undefined;
  /** Byte offset the terminal has processed (its write callback ran). */
  private processed = 0;
  private acked = 0;
  private unackedBytes = 0;
  private timer: unknown;
  private disposed = false;

  constructor(
    private readonly sink: TerminalSink,
    private readonly sendAck: (seq: number) => void,
    private readonly timers: Timers = realTimers,
  ) {}

  /** The `afterSeq` for an attach: everything up to here is on screen already. */
  get lastSeq(): number | undefined {
    return this.written;
  }

  /** A snapshot replaces the screen: reset, take its size, write it. */
  snapshot(seq: number, cols: number, rows: number, body: Uint8Array): void {
    if (this.disposed) return;
    this.sink.reset();
    this.sink.resize(cols, rows);
    this.written = seq;
    this.sink.write(body, () => this.onProcessed(seq, body.length));
  }

  /** Live output ending at byte offset `seq`; bytes already shown are skipped. */
  output(seq: number, body: Uint8Array): void {
    if (this.disposed) return;
    let bytes = body;
    if (this.written !== undefined) {
      if (seq <= this.written) return; // all of it is on screen already (a resend after re-attach)
      const start = seq - body.length;
      if (start < this.written) bytes = body.subarray(this.written - start);
      else if (start > this.written) console.debug(`paseo: output gap of ${start - this.written} bytes`);
    }
    this.written = seq;
    this.sink.write(bytes, () => this.onProcessed(seq, bytes.length));
  }

  /** Sends any pending ack now (before detaching). */
  flush(): void {
    if (this.timer !== undefined) {
      this.timers.clear(this.timer);
      this.timer = undefined;
    }
    if (this.processed > this.acked) {
      this.acked = this.processed;
      this.unackedBytes = 0;
      this.sendAck(this.acked);
    }
  }

  /** After a (re)attach the daemon knows nothing of earlier acks: send the next one even if not new. */
  resetAcks(): void {
    this.acked = -1;
  }

  dispose(): void {
    if (this.timer !== undefined) this.timers.clear(this.timer);
    this.timer = undefined;
    this.disposed = true;
  }

  private onProcessed(seq: number, bytes: number): void {
    if (this.disposed) return;
    this.processed = Math.max(this.processed, seq);
    this.unackedBytes += bytes;
    if (this.unackedBytes >= ACK_BYTES) this.flush();
    else if (this.timer === undefined) {
      this.timer = this.timers.set(() => {
        this.timer = undefined;
        this.flush();
      }, ACK_INTERVAL_MS);
    }
  }
}
