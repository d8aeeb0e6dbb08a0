// Writes a recording file line by line, for every kind of session (asciicast for terminals, JSON lines
// for conversations). Lines are queued in memory and written by one async loop, so the session never
// waits for the disk; a file over the size cap is rotated to `<path>.1` (older ones shift up, the oldest
// is deleted) and the new file starts with a fresh header line. Files are created with mode 0600.
import { renameSync, writeFileSync } from 'node:fs';
import { type FileHandle, open, rename, rm } from 'node:fs/promises';

/** Size limits of one recording. */
export interface RecordingLimits {
  maxBytes: number;
  keepFiles: number;
  queueBytes: number;
}

/** Where problems go (a failing disk never stops a session). */
export interface RecordingLog {
  warn(...args: unknown[]): void;
}

/** A recording file already created with its header line (see createRecordingFile). */
export interface RecordingStart {
  /** When the file started: line times may be relative to it. */
  startMs: number;
  /** Size of the header line in bytes. */
  headerBytes: number;
}

/**
 * Creates `path` (mode 0600) with its header line now, so the file exists as soon as the session does;
 * undefined (and logged) if it could not be created.
 */
export function createRecordingFile(
  path: string,
  header: (fileStartMs: number) => string,
  log: RecordingLog,
): RecordingStart | undefined {
  const startMs = Date.now();
  try {
    const line = header(startMs);
    writeFileSync(path, line, { mode: 0o600 });
    return { startMs, headerBytes: Buffer.byteLength(line) };
  } catch (err) {
    log.warn(`Recording ${path} could not be created: ${(err as Error).message}`);
    return undefined;
  }
}

/** One line to write. */
export interface RecordingEntry {
  /** When it happened (times in a line may be relative to the start of its file). */
  atMs: number;
  /** Its size in characters, about (for the queue limit). */
  chars: number;
  /** The line, with its newline (text, or its UTF-8 bytes, whole or in parts), given the start time of its file. */
  line(fileStartMs: number): string | Uint8Array | Uint8Array[];
  /** Runs once the line is placed in a file (before any later line is). */
  placed?(): void;
}

/** A recording being written to `path`. */
export class RecordingWriter {
  private queue: RecordingEntry[] = [];
  private pendingChars = 0;
  private draining: Promise<void> | undefined;
  private file: FileHandle | undefined;
  private fileBytes = 0;
  private headerBytes = 0;
  private fileStartMs: number;
  /** True once a dropped line was logged (only the first is). */
  private dropWarned = false;
  private failed: boolean;
  private closed = false;

  /**
   * Creates the file with its header now (so it exists as soon as the session does), or takes over one
   * `created` already (null: its creation failed, nothing is written); lines follow asynchronously.
   */
  constructor(
    readonly path: string,
    private readonly header: (fileStartMs: number) => string,
    private readonly limits: RecordingLimits,
    private readonly log: RecordingLog,
    created?: RecordingStart | null,
  ) {
    const start = created === undefined ? createRecordingFile(path, header, log) : created;
    this.fileStartMs = start?.startMs ?? Date.now();
    this.fileBytes = this.headerBytes = start?.headerBytes ?? 0;
    this.failed = !start;
  }

  /** Characters of lines waiting for the disk. */
  get queuedBytes(): number {
    return this.pendingChars;
  }

  /** True once `close()` was called. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Queues a line; dropped (and the drop logged once) while the queue is over its limit. */
  append(entry: RecordingEntry): void {
    if (this.closed || this.failed) return;
    if (this.pendingChars + entry.chars > this.limits.queueBytes) {
      if (!this.dropWarned) {
        this.dropWarned = true;
        this.log.warn(`Recording ${this.path} is behind; dropping lines until the disk catches up.`);
      }
      return;
    }
    this.queue.push(entry);
    this.pendingChars += entry.chars;
    this.kick();
  }

  /** Writes everything queued and closes the file. */
  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.kick();
    }
    while (this.draining) await this.draining;
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
        const entries = this.queue;
        this.queue = [];
        this.pendingChars = 0;
        let lines: Uint8Array[] = [];
        let linesBytes = 0;
        for (const entry of entries) {
          let line = toBytes(entry.line(this.fileStartMs));
          let size = byteSize(line);
          if (this.fileBytes + linesBytes + size > this.limits.maxBytes && this.fileHasLines(linesBytes)) {
            await this.write(lines);
            lines = [];
            linesBytes = 0;
            await this.rotate(entry.atMs);
            line = toBytes(entry.line(this.fileStartMs)); // relative to the new file's start
            size = byteSize(line);
          }
          if (Array.isArray(line)) lines.push(...line);
          else lines.push(line);
          linesBytes += size;
          entry.placed?.();
        }
        await this.write(lines);
      }
      if (this.closed && this.file) {
        await this.file.close();
        this.file = undefined;
      }
    } catch (err) {
      this.failed = true;
      this.queue = [];
      this.pendingChars = 0;
      this.log.warn(`Recording ${this.path} stopped: ${(err as Error).message}`);
      await this.file?.close().catch(() => {});
      this.file = undefined;
    }
  }

  private fileHasLines(pendingBytes: number): boolean {
    return pendingBytes > 0 || this.fileBytes > this.headerBytes;
  }

  private async openFile(path: string, startMs: number): Promise<void> {
    this.fileStartMs = startMs;
    this.file = await open(path, 'w', 0o600);
    this.fileBytes = 0;
    await this.write([Buffer.from(this.header(startMs))]);
    this.headerBytes = this.fileBytes;
  }

  /** Writes the lines with one system call (as far as the OS takes them at once). */
  private async write(lines: Uint8Array[]): Promise<void> {
    if (lines.length === 0 || !this.file) return;
    const { bytesWritten } = await this.file.writev(lines);
    const total = lines.reduce((sum, l) => sum + l.length, 0);
    if (bytesWritten < total) {
      // A short write (disk nearly full, a signal): write the rest from where it stopped.
      const rest = Buffer.concat(lines).subarray(bytesWritten);
      await this.file.write(rest);
    }
    this.fileBytes += total;
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

function toBytes(line: string | Uint8Array | Uint8Array[]): Uint8Array | Uint8Array[] {
  return typeof line === 'string' ? Buffer.from(line) : line;
}

function byteSize(line: Uint8Array | Uint8Array[]): number {
  return Array.isArray(line) ? line.reduce((n, p) => n + p.length, 0) : line.length;
}
