// A terminal session's screen and recording as its engine sees them: kept by the screen worker
// (screen-host.ts), fed every output chunk after the viewers got it, and asked for snapshots.
//
// The rule that keeps snapshots exact: a snapshot is "the screen after output byte N", and a viewer is
// sent it followed by the buffered output after N. The worker may fall behind the output by at most
// `backlogLimit` bytes (a quarter of the output buffer at most); beyond that the engine pauses the PTY
// until it catches up, so N is always still in the buffer. A snapshot whose N fell out anyway (or
// that lies more than half the buffer back) is not used: a fresh one is asked for.
import { statSync } from 'node:fs';
import type { SessionLimits } from './limits.js';
import type { OutputBuffer } from './output-buffer.js';
import type { ScreenTail } from './prompt.js';
import { type CastHeader, castHeaderLine } from './recorder.js';
import { createRecordingFile, type RecordingStart } from './recording-writer.js';
import { type RemoteScreen, type RemoteSnapshot, SCREEN_BATCH_BYTES, screenHost } from './screen-host.js';

/** After output, the bottom of the screen (the last line in lists) is asked for this long after it… */
export const TAIL_REFRESH_MS = 500;
/**
 * …and while output keeps flowing, at most this often: asking parses the text the screen holds unparsed
 * (lazy-feed.ts), up to its scrollback's worth, which during a flood was a third of the worker's time.
 */
export const TAIL_REFRESH_FLOWING_MS = 2000;

/** What a PtyScreen needs to know about its session. */
export interface PtyScreenOptions {
  sessionId: string;
  cols: number;
  rows: number;
  recordingPath: string;
  header: CastHeader;
  limits: SessionLimits;
  buffer: OutputBuffer;
  log: { warn(...args: unknown[]): void; error(...args: unknown[]): void };
  /** The terminal answered a query in the output. */
  onReply(data: string): void;
  /** The worker took in more output (the lag shrank). */
  onProgress(): void;
}

/** A session's screen and recording, in the screen worker. */
export class PtyScreen {
  /** Most the worker may lag behind the output, in bytes. */
  readonly backlogLimit: number;
  private remote: RemoteScreen;
  private readonly recordingStart: RecordingStart | undefined;
  private cols: number;
  private rows: number;
  private snap: RemoteSnapshot | undefined;
  private snapshotAsked = false;
  private snapshotWaiters: (() => void)[] = [];
  private finished: Promise<void> | undefined;
  private closed = false;
  private tailTimer: ReturnType<typeof setTimeout> | undefined;
  /** When refreshTail last asked for the bottom of the screen. */
  private tailAskedMs = 0;
  /** The bottom of the screen as last asked for (undefined before the first answer). */
  lastTail: ScreenTail | undefined;

  /** Creates the recording file now (so it exists as soon as the session does) and opens the screen. */
  constructor(private readonly opts: PtyScreenOptions) {
    const { limits } = opts;
    this.backlogLimit = Math.max(1, Math.min(limits.screenBacklogBytes, Math.floor(limits.outputBufferBytes / 4)));
    this.cols = opts.cols;
    this.rows = opts.rows;
    this.recordingStart = createRecordingFile(
      opts.recordingPath,
      (startMs) => castHeaderLine(opts.header, opts.cols, opts.rows, startMs),
      opts.log,
    );
    this.remote = this.open(this.recordingStart ?? null);
  }

  /** Output bytes the worker has not taken in yet. */
  get lagBytes(): number {
    return Math.max(0, this.opts.buffer.endSeq - this.remote.acceptedSeq);
  }

  /** Output waiting for the recording's disk, as last reported. */
  get recordingQueueBytes(): number {
    return this.remote.recordingQueueBytes;
  }

  /** Output ending at byte offset `endSeq` (already in the buffer). */
  write(bytes: Uint8Array, endSeq: number): void {
    this.remote.write(bytes, endSeq);
  }

  /** The terminal's new size, after the output so far. */
  resize(cols: number, rows: number): void {
    this.cols = cols;
    this.rows = rows;
    this.snap = undefined; // output after it was laid out at the old size
    this.remote.resize(cols, rows);
  }

  /** A snapshot a viewer can start from now, or undefined (one is asked for: see whenSnapshotReady). */
  snapshot(): RemoteSnapshot | undefined {
    const snap = this.snap;
    const { buffer, limits } = this.opts;
    if (snap && buffer.has(snap.seq) && buffer.endSeq - snap.seq <= limits.outputBufferBytes / 2) return snap;
    this.askSnapshot();
    return undefined;
  }

  /** Runs `fn` once the snapshot asked for has come (or failed). */
  whenSnapshotReady(fn: () => void): void {
    this.snapshotWaiters.push(fn);
    this.askSnapshot();
  }

  /** The bottom of the screen after all output so far (kept as `lastTail` too). */
  async tail(): Promise<ScreenTail> {
    const tail = await this.remote.tail();
    this.lastTail = tail;
    return tail;
  }

  /**
   * Asks for the bottom of the screen TAIL_REFRESH_MS after output, and at most every
   * TAIL_REFRESH_FLOWING_MS while it keeps flowing (for the last line shown in lists); `changed` runs when
   * it came. Asking parses what the screen holds (a few hundred KiB at most), so it is not done for every
   * chunk. The engine asks again once output has been quiet (the prompt check), so a flood's last line
   * shows soon after it ends.
   */
  refreshTail(changed: () => void): void {
    if (this.tailTimer || this.closed) return;
    // Asked less than TAIL_REFRESH_FLOWING_MS ago: output has been flowing since; wait for that interval.
    const sinceMs = Date.now() - this.tailAskedMs;
    this.tailTimer = setTimeout(
      () => {
        this.tailTimer = undefined;
        this.tailAskedMs = Date.now();
        this.tail().then(changed, () => {});
      },
      Math.max(TAIL_REFRESH_MS, TAIL_REFRESH_FLOWING_MS - sinceMs),
    );
  }

  /** The session ended: resolves once its recording is on disk. */
  finish(): Promise<void> {
    this.finished ??= this.remote.finish().catch((err: unknown) => {
      this.opts.log.warn(`Recording ${this.opts.recordingPath} may be incomplete: ${(err as Error).message}`);
    });
    return this.finished;
  }

  /** Frees the screen (and writes out the recording if need be). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.tailTimer) clearTimeout(this.tailTimer);
    await this.finish();
    await this.remote.close().catch(() => {});
    for (const fn of this.snapshotWaiters.splice(0)) fn();
  }

  private askSnapshot(): void {
    if (this.snapshotAsked || this.closed) return;
    this.snapshotAsked = true;
    this.remote.snapshot().then(
      (snap) => {
        this.snap = snap;
        this.snapshotDone();
      },
      (err: unknown) => {
        this.opts.log.warn(`A snapshot of session ${this.opts.sessionId} failed: ${(err as Error).message}`);
        // Retried by the waiters (a lost worker was replaced by then); not after close.
        setTimeout(() => this.snapshotDone(), 100);
      },
    );
  }

  private snapshotDone(): void {
    this.snapshotAsked = false;
    for (const fn of this.snapshotWaiters.splice(0)) fn();
  }

  private open(created: RecordingStart | null, withRecording = true): RemoteScreen {
    const { limits, recordingPath, header } = this.opts;
    return screenHost().open(
      {
        cols: this.cols,
        rows: this.rows,
        scrollbackLines: limits.scrollbackLines,
        recording: withRecording
          ? {
              path: recordingPath,
              header,
              limits: {
                maxBytes: limits.recordingMaxBytes,
                keepFiles: limits.recordingKeepFiles,
                queueBytes: limits.recordingQueueBytes,
              },
              created,
            }
          : null,
      },
      {
        reply: (data) => this.opts.onReply(data),
        progress: () => this.opts.onProgress(),
        warn: (message) => this.opts.log.warn(message),
        lost: (message) => this.onLost(message),
      },
      // Batches well within the lag allowed, so a full batch never pauses the PTY by itself.
      Math.max(1, Math.min(SCREEN_BATCH_BYTES, Math.floor(this.backlogLimit / 2))),
    );
  }

  /**
   * The worker died. A new screen starts from the output still buffered (older output is missing from
   * its snapshots), and the recording goes on in the same file, unless the session has ended already.
   */
  private onLost(message: string): void {
    if (this.closed) return;
    const { log, sessionId, buffer, recordingPath } = this.opts;
    log.error(`The screen of session ${sessionId} stopped (${message}); it starts again from the buffered output.`);
    const size = statSync(recordingPath, { throwIfNoEntry: false })?.size;
    const created = this.recordingStart && size !== undefined ? { ...this.recordingStart, headerBytes: size } : null;
    this.snap = undefined;
    this.remote = this.open(created, this.finished === undefined);
    for (let seq = buffer.startSeq; seq < buffer.endSeq; ) {
      const bytes = buffer.read(seq, 64 * 1024);
      if (!bytes || bytes.length === 0) break;
      seq += bytes.length;
      this.remote.write(bytes, seq, false);
    }
    this.opts.onProgress();
  }
}
