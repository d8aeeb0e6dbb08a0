// Records a terminal session as an asciicast v2 file (https://docs.asciinema.org/manual/asciicast/v2/): a
// JSON header line, then `[seconds, "o", text]` output events and `[seconds, "r", "COLSxROWS"]` resizes.
// The file is written by a RecordingWriter (queued, never blocking output, rotated at its size cap).
import { type RecordingLimits, type RecordingLog, RecordingWriter } from './recording-writer.js';

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

/** An asciicast v2 recording being written to `path`. */
export class CastRecorder {
  private readonly writer: RecordingWriter;
  private readonly decoder = new TextDecoder('utf-8');
  /** The size as of the last event placed in a file (a rotated file's header starts from it). */
  private cols: number;
  private rows: number;

  /** Starts the recording: creates the file with its header now; events are written asynchronously. */
  constructor(
    readonly path: string,
    private readonly header: CastHeader,
    limits: CastLimits,
    log: RecordingLog,
  ) {
    this.cols = header.cols;
    this.rows = header.rows;
    this.writer = new RecordingWriter(path, (startMs) => this.headerLine(startMs), limits, log);
  }

  /** Bytes (characters) of events waiting for the disk. */
  get queuedBytes(): number {
    return this.writer.queuedBytes;
  }

  /** Records output bytes (decoded as UTF-8 across chunk boundaries). */
  output(bytes: Uint8Array): void {
    const text = this.decoder.decode(bytes, { stream: true });
    if (text !== '') this.event('o', text);
  }

  /** Records a terminal size change. */
  resize(cols: number, rows: number): void {
    this.event('r', `${cols}x${rows}`, () => {
      this.cols = cols;
      this.rows = rows;
    });
  }

  /** Writes everything queued and closes the file. */
  async close(): Promise<void> {
    if (!this.writer.isClosed) {
      const tail = this.decoder.decode();
      if (tail !== '') this.event('o', tail);
    }
    await this.writer.close();
  }

  private event(kind: 'o' | 'r', data: string, placed?: () => void): void {
    const atMs = Date.now();
    this.writer.append({
      atMs,
      chars: data.length,
      line: (fileStartMs) =>
        `[${(Math.max(0, atMs - fileStartMs) / 1000).toFixed(6)}, "${kind}", ${JSON.stringify(data)}]\n`,
      ...(placed ? { placed } : {}),
    });
  }

  private headerLine(startMs: number): string {
    const header: Record<string, unknown> = {
      version: 2,
      width: this.cols,
      height: this.rows,
      timestamp: Math.floor(startMs / 1000),
      command: this.header.command.map(shellQuote).join(' '),
      title: this.header.title,
    };
    if (this.header.env) header.env = this.header.env;
    return `${JSON.stringify(header)}\n`;
  }
}

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
