// Records a terminal session as an asciicast v2 file (https://docs.asciinema.org/manual/asciicast/v2/): a
// JSON header line, then `[seconds, "o", text]` output events and `[seconds, "r", "COLSxROWS"]` resizes.
// Output that arrives within RECORDING_BATCH_MS of an event's start joins that event (a flood is a few
// dozen events a second, not one per PTY read), escaped from bytes to bytes (json-bytes.ts). The file is written by a
// RecordingWriter (queued, never blocking output, rotated at its size cap). It runs in the screen worker.
import { concat } from '../channel/encoding.js';
import { JsonStringBytes } from './json-bytes.js';
import { type RecordingLimits, type RecordingLog, type RecordingStart, RecordingWriter } from './recording-writer.js';

/** Output within this long of an event's first bytes is recorded in the same event. */
export const RECORDING_BATCH_MS = 10;
/** An event holds at most about this many bytes of output (and a quarter of the file's size cap). */
export const RECORDING_BATCH_BYTES = 256 * 1024;

const utf8 = new TextEncoder();
const LINE_END = utf8.encode('"]\n');

/** What the header of a recording says. */
export interface CastHeader {
  cols: number;
  rows: number;
  command: readonly string[];
  title: string;
  env?: Record<string, string>;
}

/** Size limits of one recording. */
export type CastLimits = RecordingLimits;

/** The header line of a recording file started at `startMs` with the terminal at `cols`×`rows`. */
export function castHeaderLine(header: CastHeader, cols: number, rows: number, startMs: number): string {
  const fields: Record<string, unknown> = {
    version: 2,
    width: cols,
    height: rows,
    timestamp: Math.floor(startMs / 1000),
    command: header.command.map(shellQuote).join(' '),
    title: header.title,
    env: header.env, // left out when undefined
  };
  return `${JSON.stringify(fields)}\n`;
}

/** An asciicast v2 recording being written to `path`. */
export class CastRecorder {
  private readonly writer: RecordingWriter;
  private readonly json = new JsonStringBytes();
  /** The size as of the last event placed in a file (a rotated file's header starts from it). */
  private cols: number;
  private rows: number;
  /** Output of the event being gathered, and when it started. */
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private pendingAtMs = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly batchBytes: number;

  /**
   * Starts the recording: creates the file with its header now, or takes over the one `created` (see
   * RecordingWriter); events are written asynchronously.
   */
  constructor(
    readonly path: string,
    private readonly header: CastHeader,
    limits: CastLimits,
    log: RecordingLog,
    created?: RecordingStart | null,
  ) {
    this.cols = header.cols;
    this.rows = header.rows;
    this.batchBytes = Math.max(1, Math.min(RECORDING_BATCH_BYTES, Math.floor(limits.maxBytes / 4)));
    this.writer = new RecordingWriter(
      path,
      (startMs) => castHeaderLine(this.header, this.cols, this.rows, startMs),
      limits,
      log,
      created,
    );
  }

  /** Bytes of output waiting for the disk (in events, or being gathered into one). */
  get queuedBytes(): number {
    return this.writer.queuedBytes + this.pendingBytes;
  }

  /** Records output bytes read at `atMs` (decoded as UTF-8 across chunk boundaries; kept by reference). */
  output(bytes: Uint8Array, atMs = Date.now()): void {
    if (bytes.length === 0 || this.writer.isClosed) return;
    // A chunk larger than an event may be is split (a character cut in two is joined again by the escaper).
    for (let at = this.batchBytes; bytes.length > this.batchBytes; at = this.batchBytes) {
      this.output(bytes.subarray(0, at), atMs);
      bytes = bytes.subarray(at);
    }
    // (With nothing gathered, emitOutput does nothing.)
    if (atMs - this.pendingAtMs >= RECORDING_BATCH_MS || this.pendingBytes + bytes.length > this.batchBytes) {
      this.emitOutput();
    }
    if (this.pendingBytes === 0) {
      this.pendingAtMs = atMs;
      this.timer = setTimeout(() => this.emitOutput(), RECORDING_BATCH_MS);
    }
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
  }

  /** Records a terminal size change. */
  resize(cols: number, rows: number, atMs = Date.now()): void {
    this.emitOutput();
    this.event('r', utf8.encode(`${cols}x${rows}`), atMs, () => {
      this.cols = cols;
      this.rows = rows;
    });
  }

  /** Writes everything queued and closes the file. */
  async close(): Promise<void> {
    // (Once closed, nothing is gathered, the escaper holds nothing, and the writer takes no more events.)
    this.emitOutput();
    const tail = this.json.finish();
    if (tail.length > 0) this.event('o', tail, Date.now());
    await this.writer.close();
  }

  /** Turns the gathered output into one event. */
  private emitOutput(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pendingBytes === 0) return;
    const parts = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    const escaped = this.json.convert(parts.length === 1 ? (parts[0] as Uint8Array) : concat(...parts));
    if (escaped.length > 0) this.event('o', escaped, this.pendingAtMs);
  }

  /** Queues an event whose data is already the inside of a JSON string, as UTF-8. */
  private event(kind: 'o' | 'r', data: Uint8Array, atMs: number, placed?: () => void): void {
    // Escaped once; only the time depends on the file the event lands in (rotation).
    const middle = utf8.encode(`, "${kind}", "`);
    this.writer.append({
      atMs,
      chars: data.length,
      line: (fileStartMs) => [
        utf8.encode(`[${(Math.max(0, atMs - fileStartMs) / 1000).toFixed(6)}`),
        middle,
        data,
        LINE_END,
      ],
      ...(placed ? { placed } : {}),
    });
  }
}

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
