// Records a session as an asciicast v2 file (https://docs.asciinema.org/manual/asciicast/v2/): a JSON
// header line, then `[seconds, "o", text]` output events and `[seconds, "r", "COLSxROWS"]` resizes.
// Events are queued in memory and written by one async loop, so the output path never waits for the
// disk; a file over the size cap is rotated to `.cast.1` (older ones shift up, the oldest is deleted).
import { renameSync, writeFileSync } from 'node:fs';
import { type FileHandle, open, rename, rm } from 'node:fs/promises';

/** What the header of a recording says. */
export interface CastHeader {
  cols: number;
  rows: number;
  command: readonly string[];
  title: string;
  env?: Record<string, string>;
}

/** Size limits of one recording. */
export interface CastLimits {
  maxBytes: number;
  keepFiles: number;
  queueBytes: number;
}

/** Where problems go (a failing disk never stops a session). */
export interface CastLog {
  warn(...args: unknown[]): void;
}

type CastEvent = { atMs: number; kind: 'o' | 'r'; data: string };

/** An asciicast v2 recording being written to `path`. */
export class CastRecorder {
  private queue: CastEvent[] = [];
  private pendingChars = 0;
  private draining: Promise<void> | undefined;
  private file: FileHandle | undefined;
  private fileBytes = 0;
  private headerBytes = 0;
  private fileStartMs: number;
  private cols: number;
  private rows: number;
  private readonly decoder = new TextDecoder('utf-8');
  private dropped = 0;
  private failed = false;
  private closed = false;

  /** Starts the recording: creates the file with its header now; events are written asynchronously. */
  constructor(
    readonly path: string,
    private readonly header: CastHeader,
    private readonly limits: CastLimits,
    private readonly log: CastLog,
  ) {
    this.fileStartMs = Date.now();
    this.cols = header.cols;
    this.rows = header.rows;
    // The first file is created right away (a few hundred bytes), so it exists as soon as the session does.
    try {
      const line = this.headerLine(this.fileStartMs);
      writeFileSync(path, line, { mode: 0o600 });
      this.fileBytes = this.headerBytes = Buffer.byteLength(line);
    } catch (err) {
      this.failed = true;
      log.warn(`Recording ${path} could not be created: ${(err as Error).message}`);
    }
  }

  /** Bytes (characters) of events waiting for the disk. */
  get queuedBytes(): number {
    return this.pendingChars;
  }

  /** Records output bytes (decoded as UTF-8 across chunk boundaries). */
  output(bytes: Uint8Array): void {
    const text = this.decoder.decode(bytes, { stream: true });
    if (text !== '') this.enqueue({ atMs: Date.now(), kind: 'o', data: text });
  }

  /** Records a terminal size change. */
  resize(cols: number, rows: number): void {
    this.enqueue({ atMs: Date.now(), kind: 'r', data: `${cols}x${rows}` });
  }

  /** Writes everything queued and closes the file. */
  async close(): Promise<void> {
    if (this.closed) {
      while (this.draining) await this.draining;
      return;
    }
    const tail = this.decoder.decode();
    if (tail !== '') this.enqueue({ atMs: Date.now(), kind: 'o', data: tail });
    this.closed = true;
    this.kick();
    while (this.draining) await this.draining;
  }

  private enqueue(event: CastEvent): void {
    if (this.closed || this.failed) return;
    if (this.pendingChars + event.data.length > this.limits.queueBytes) {
      if (this.dropped++ === 0) {
        this.log.warn(`Recording ${this.path} is behind the output; dropping output until the disk catches up.`);
      }
      return;
    }
    this.queue.push(event);
    this.pendingChars += event.data.length;
    this.kick();
  }

  private kick(): void {
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined;
      if ((this.queue.length > 0 || (this.closed && this.file)) && !this.failed) this.kick();
    });
  }

  private async drain(): Promise<void> {
    if (this.failed) return;
    try {
      this.file ??= await open(this.path, 'a');
      while (this.queue.length > 0) {
        const events = this.queue;
        this.queue = [];
        this.pendingChars = 0;
        let text = '';
        let textBytes = 0;
        for (const event of events) {
          let line = this.line(event);
          if (this.fileBytes + textBytes + Buffer.byteLength(line) > this.limits.maxBytes && this.fileHasEvents(text)) {
            await this.append(text);
            text = '';
            textBytes = 0;
            await this.rotate(event.atMs);
            line = this.line(event); // relative to the new file's start
          }
          text += line;
          textBytes += Buffer.byteLength(line);
          if (event.kind === 'r') [this.cols, this.rows] = event.data.split('x').map(Number) as [number, number];
        }
        await this.append(text);
      }
      if (this.closed && this.file) {
        await this.file.close();
        this.file = undefined;
      }
    } catch (err) {
      this.failed = true;
      this.queue = [];
      this.log.warn(`Recording ${this.path} stopped: ${(err as Error).message}`);
      await this.file?.close().catch(() => {});
      this.file = undefined;
    }
  }

  private line(event: CastEvent): string {
    const seconds = Math.max(0, event.atMs - this.fileStartMs) / 1000;
    return `[${seconds.toFixed(6)}, "${event.kind}", ${JSON.stringify(event.data)}]\n`;
  }

  private fileHasEvents(pending: string): boolean {
    return pending !== '' || this.fileBytes > this.headerBytes;
  }

  private async openFile(path: string, startMs: number): Promise<void> {
    this.fileStartMs = startMs;
    this.file = await open(path, 'w', 0o600);
    this.fileBytes = 0;
    await this.append(this.headerLine(startMs));
    this.headerBytes = this.fileBytes;
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

  private async append(text: string): Promise<void> {
    if (text === '' || !this.file) return;
    const bytes = Buffer.from(text, 'utf8');
    await this.file.write(bytes);
    this.fileBytes += bytes.length;
  }

  private async rotate(startMs: number): Promise<void> {
    await this.file?.close();
    this.file = undefined;
    const keep = Math.max(1, this.limits.keepFiles);
    await rm(`${this.path}.${keep}`, { force: true });
    for (let i = keep - 1; i >= 1; i--) {
      await rename(`${this.path}.${i}`, `${this.path}.${i + 1}`).catch(() => {});
    }
    // The new file is prepared aside and swapped in with two synchronous renames, so `path` never
    // goes missing for anyone in this process (e.g. SessionManager.recordingPath).
    const next = `${this.path}.new`;
    await this.openFile(next, startMs);
    renameSync(this.path, `${this.path}.1`);
    renameSync(next, this.path);
  }
}

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
