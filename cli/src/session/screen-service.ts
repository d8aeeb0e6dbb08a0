// The screen worker's side: every terminal session's headless screen (screen.ts) and asciicast recording
// (recorder.ts), driven by messages from the main thread (screen-protocol.ts). Runs in a worker thread
// (screen-worker.ts), or in the main thread when no worker can be started (screen-host.ts).

import { CastRecorder } from './recorder.js';
import { Screen } from './screen.js';
import type { FromScreen, ScreenOpen, ToScreen } from './screen-protocol.js';

/** Held text is parsed once output has been quiet this long (so idle sessions hold nothing). */
export const SCREEN_IDLE_FLUSH_MS = 100;

interface Entry {
  screen: Screen;
  recorder: CastRecorder | undefined;
  /** Offset of the end of the output taken in. */
  seq: number;
  reported: number;
  idleTimer: ReturnType<typeof setTimeout> | undefined;
}

/** Handles ToScreen messages; answers through `post` (with the buffers it may transfer). */
export class ScreenService {
  private readonly entries = new Map<number, Entry>();
  private reportScheduled = false;

  constructor(private readonly post: (msg: FromScreen, transfer?: ArrayBuffer[]) => void) {}

  /** Handles one message; a failure is reported (to the request's waiter, or as a warning), never thrown. */
  handle(msg: ToScreen): void {
    try {
      this.dispatch(msg);
    } catch (err) {
      const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
      if ('req' in msg) this.post({ op: 'failed', id: msg.id, req: msg.req, message });
      else this.post({ op: 'warn', id: msg.id, message: `The screen of a session failed: ${message}` });
    }
  }

  private dispatch(msg: ToScreen): void {
    if (msg.op === 'open') {
      this.open(msg.id, msg.open);
      return;
    }
    const entry = this.entries.get(msg.id);
    if (!entry) return;
    switch (msg.op) {
      case 'data': {
        const { parts, ends, times } = msg;
        const perChunk = parts.length === ends.length;
        const bytes = parts[0] ?? new Uint8Array(0);
        const first = (ends[ends.length - 1] ?? entry.seq) - (perChunk ? 0 : bytes.length);
        for (let i = 0, at = 0; i < ends.length; i++) {
          const end = (ends[i] as number) - first;
          const chunk = perChunk ? (parts[i] as Uint8Array) : bytes.subarray(at, end);
          entry.screen.write(chunk);
          if (msg.record) entry.recorder?.output(chunk, times[i] as number);
          at = end;
        }
        entry.seq = ends[ends.length - 1] ?? entry.seq;
        this.armIdleFlush(entry);
        this.scheduleReport();
        break;
      }
      case 'resize':
        entry.screen.resize(msg.cols, msg.rows);
        entry.recorder?.resize(msg.cols, msg.rows, msg.atMs);
        break;
      case 'snapshot': {
        const snap = entry.screen.snapshot();
        const body = snap.body;
        this.post(
          { op: 'snapshot', id: msg.id, req: msg.req, seq: entry.seq, cols: snap.cols, rows: snap.rows, body },
          [body.buffer as ArrayBuffer],
        );
        break;
      }
      case 'tail':
        this.post({ op: 'tail', id: msg.id, req: msg.req, tail: entry.screen.tail() });
        break;
      case 'finish':
      case 'close': {
        const { req, id } = msg;
        const recorder = entry.recorder;
        if (msg.op === 'close') {
          this.entries.delete(id);
          clearTimeout(entry.idleTimer);
          entry.screen.dispose();
        }
        const answer = msg.op === 'close' ? 'closed' : 'finished';
        const done = (): void => this.post({ op: answer, id, req });
        if (recorder)
          recorder.close().then(done, (err: unknown) => this.post({ op: 'failed', id, req, message: String(err) }));
        else done();
        break;
      }
    }
  }

  private open(id: number, open: ScreenOpen): void {
    const log = { warn: (...args: unknown[]) => this.post({ op: 'warn', id, message: args.map(String).join(' ') }) };
    const screen = new Screen(open.cols, open.rows, open.scrollbackLines, (data) =>
      this.post({ op: 'reply', id, data }),
    );
    const rec = open.recording;
    const recorder = rec ? new CastRecorder(rec.path, rec.header, rec.limits, log, rec.created) : undefined;
    this.entries.set(id, { screen, recorder, seq: 0, reported: 0, idleTimer: undefined });
  }

  private armIdleFlush(entry: Entry): void {
    if (entry.idleTimer) entry.idleTimer.refresh();
    else
      entry.idleTimer = setTimeout(() => {
        entry.idleTimer = undefined;
        entry.screen.flush();
      }, SCREEN_IDLE_FLUSH_MS);
  }

  /** Reports progress once the messages waiting now are handled (one report per session and turn). */
  private scheduleReport(): void {
    if (this.reportScheduled) return;
    this.reportScheduled = true;
    setImmediate(() => {
      this.reportScheduled = false;
      for (const [id, entry] of this.entries) {
        if (entry.reported === entry.seq) continue;
        entry.reported = entry.seq;
        this.post({
          op: 'progress',
          id,
          seq: entry.seq,
          recordingQueueBytes: entry.recorder?.queuedBytes ?? 0,
          heldBytes: entry.screen.heldBytes,
        });
      }
    });
  }
}
