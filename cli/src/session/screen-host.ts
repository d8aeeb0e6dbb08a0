// The main thread's side of the screen worker: one worker thread for every terminal session of the
// process (started with the first, ended after the last), and a RemoteScreen per session that sends it
// the session's output and asks it for snapshots and the prompt line. If no worker can be started the
// same service runs in this thread. If the worker dies, every session is told (`lost`) and a new worker
// starts with the next screen opened.
import { Worker } from 'node:worker_threads';
import { concat } from '../channel/encoding.js';
import type { ScreenTail } from './prompt.js';
import type { FromScreen, ScreenOpen, ToScreen } from './screen-protocol.js';
import { ScreenService } from './screen-service.js';
import { screenWorkerCode } from './screen-worker-code.js';

/** Output goes to the worker in messages of at most about this many bytes… */
export const SCREEN_BATCH_BYTES = 256 * 1024;
/** …or this long after its first bytes, whichever comes first. */
export const SCREEN_BATCH_MS = 4;
/**
 * Batches at least this large go as views of the shared memory they were read into (no copy); smaller ones
 * are copied. Each message makes the worker count a whole slab as its memory, which for a keystroke's echo
 * would be far more than the bytes.
 */
export const SHARED_BATCH_MIN_BYTES = 32 * 1024;

/** The screen after output byte `seq`. */
export interface RemoteSnapshot {
  seq: number;
  cols: number;
  rows: number;
  body: Uint8Array;
}

/** What a session hears from its screen. */
export interface ScreenEvents {
  /** The terminal answered a query in the output. */
  reply(data: string): void;
  /** The worker took in more output (acceptedSeq moved). */
  progress(): void;
  /** Something for the log. */
  warn(message: string): void;
  /** The worker died: this screen is gone (open a new one). */
  lost(message: string): void;
}

interface Pending {
  resolve(value: FromScreen): void;
  reject(err: Error): void;
}

/** Where the service runs: a worker thread, or (fallback) this thread. */
interface Channel {
  post(msg: ToScreen, transfer?: ArrayBuffer[]): void;
  /** Ends it (its screens are all closed). */
  end(): void;
  /** Ends it as a crash would (tests). */
  crash(): void;
}

/** One session's screen and recording, kept by the screen worker. */
export class RemoteScreen {
  /** Offset of the end of the output the worker has taken in. */
  acceptedSeq = 0;
  /** Output bytes waiting for the recording's disk, as last reported. */
  recordingQueueBytes = 0;
  /** Output bytes the screen holds unparsed (plain text, see lazy-feed.ts), as last reported. */
  heldBytes = 0;
  private readonly pending = new Map<number, Pending>();
  private nextReq = 1;
  private closed = false;
  /** Output gathered for the next `data` message. */
  private parts: Uint8Array[] = [];
  private ends: number[] = [];
  private times: number[] = [];
  private partsBytes = 0;
  private partsRecord = true;
  private batchTimer: ReturnType<typeof setTimeout> | undefined;

  /** `batchBytes`: output is sent to the worker in messages of about this size (or after SCREEN_BATCH_MS). */
  constructor(
    private readonly host: ScreenHost,
    readonly id: number,
    private readonly events: ScreenEvents,
    private readonly batchBytes: number,
  ) {}

  /**
   * Output ending at byte offset `endSeq` (kept until it is sent, within SCREEN_BATCH_MS: it must not
   * change). `record`: false for output the recording has already (replayed into a screen started again).
   */
  write(bytes: Uint8Array, endSeq: number, record = true): void {
    if (this.closed || bytes.length === 0) return;
    if (record !== this.partsRecord) this.sendData();
    this.partsRecord = record;
    this.parts.push(bytes);
    this.ends.push(endSeq);
    this.times.push(Date.now());
    this.partsBytes += bytes.length;
    if (this.partsBytes >= this.batchBytes) this.sendData();
    else this.batchTimer ??= setTimeout(() => this.sendData(), SCREEN_BATCH_MS);
  }

  /** The terminal's new size, after the output written so far. */
  resize(cols: number, rows: number): void {
    if (this.closed) return;
    this.sendData();
    this.host.post({ op: 'resize', id: this.id, cols, rows, atMs: Date.now() });
  }

  /** The screen after all output written so far. */
  async snapshot(): Promise<RemoteSnapshot> {
    const answer = await this.request('snapshot');
    if (answer.op !== 'snapshot') throw new Error(`screen worker answered ${answer.op} to a snapshot`);
    return { seq: answer.seq, cols: answer.cols, rows: answer.rows, body: answer.body };
  }

  /** The bottom of the screen (see Screen.tail), after all output written so far. */
  async tail(): Promise<ScreenTail> {
    const answer = await this.request('tail');
    if (answer.op !== 'tail') throw new Error(`screen worker answered ${answer.op} to a tail request`);
    return answer.tail;
  }

  /** Writes out the recording (the session ended); the screen stays for snapshots. */
  async finish(): Promise<void> {
    await this.request('finish');
  }

  /** Writes out the recording if need be and frees the screen. */
  async close(): Promise<void> {
    if (this.closed) return;
    const done = this.request('close');
    this.closed = true;
    try {
      await done;
    } finally {
      this.host.forget(this.id);
    }
  }

  /** Handles a message from the worker about this screen. */
  receive(msg: FromScreen): void {
    switch (msg.op) {
      case 'progress':
        this.acceptedSeq = Math.max(this.acceptedSeq, msg.seq);
        this.recordingQueueBytes = msg.recordingQueueBytes;
        this.heldBytes = msg.heldBytes;
        this.events.progress();
        break;
      case 'reply':
        this.events.reply(msg.data);
        break;
      case 'warn':
        this.events.warn(msg.message);
        break;
      case 'failed':
        this.settle(msg.req)?.reject(new Error(`The screen worker failed: ${msg.message}`));
        break;
      default:
        this.settle(msg.req)?.resolve(msg);
    }
  }

  /** The worker died: fail what waits, and tell the session. */
  lose(message: string): void {
    const wasClosed = this.closed;
    this.closed = true;
    if (this.batchTimer) clearTimeout(this.batchTimer);
    this.batchTimer = undefined;
    this.parts = [];
    this.partsBytes = 0;
    for (const p of this.pending.values()) p.reject(new Error(`The screen worker stopped: ${message}`));
    this.pending.clear();
    if (!wasClosed) this.events.lost(message);
  }

  /**
   * Sends the gathered output: as views of the shared memory it was read into (pty/spawn.ts), or else in
   * one copy, into a buffer that is transferred, not cloned.
   */
  private sendData(): void {
    if (this.batchTimer) clearTimeout(this.batchTimer);
    this.batchTimer = undefined;
    if (this.partsBytes === 0) return;
    const shared = this.partsBytes >= SHARED_BATCH_MIN_BYTES && this.parts.every(isShared);
    const parts = shared ? this.parts : [concat(...this.parts)];
    const msg: ToScreen = {
      op: 'data',
      id: this.id,
      parts,
      ends: this.ends,
      times: this.times,
      record: this.partsRecord,
    };
    this.parts = [];
    this.ends = [];
    this.times = [];
    this.partsBytes = 0;
    this.host.post(msg, shared ? [] : [(parts[0] as Uint8Array).buffer as ArrayBuffer]);
  }

  private request(op: 'snapshot' | 'tail' | 'finish' | 'close'): Promise<FromScreen> {
    if (this.closed) return Promise.reject(new Error('This screen is closed.'));
    this.sendData();
    const req = this.nextReq++;
    return new Promise((resolve, reject) => {
      this.pending.set(req, { resolve, reject });
      this.host.post({ op, id: this.id, req });
    });
  }

  private settle(req: number): Pending | undefined {
    const p = this.pending.get(req);
    this.pending.delete(req);
    return p;
  }
}

/** The screen worker of this process and the screens it keeps. */
export class ScreenHost {
  private channel: Channel | undefined;
  private readonly screens = new Map<number, RemoteScreen>();
  private nextId = 1;
  /** Where the service runs (for logs and tests). */
  mode: 'worker' | 'main thread' | 'none' = 'none';

  /** Starts a session's screen and recording (and the worker, if it is not running); see RemoteScreen for `batchBytes`. */
  open(open: ScreenOpen, events: ScreenEvents, batchBytes = SCREEN_BATCH_BYTES): RemoteScreen {
    const screen = new RemoteScreen(this, this.nextId++, events, batchBytes);
    this.screens.set(screen.id, screen);
    this.post({ op: 'open', id: screen.id, open });
    return screen;
  }

  /** Sends a message to the service (starting it if needed). */
  post(msg: ToScreen, transfer?: ArrayBuffer[]): void {
    this.channel ??= this.start();
    this.channel.post(msg, transfer);
  }

  /** A screen was closed: the worker ends with the last one. */
  forget(id: number): void {
    this.screens.delete(id);
    if (this.screens.size === 0 && this.channel) {
      const channel = this.channel;
      this.channel = undefined;
      this.mode = 'none';
      channel.end();
    }
  }

  /** Ends the worker as if it had crashed (tests check that sessions recover). */
  terminateWorker(): void {
    this.channel?.crash();
  }

  private start(): Channel {
    try {
      return this.startWorker();
    } catch (err) {
      // E.g. a runtime without worker threads: the same service, in this thread.
      this.mode = 'main thread';
      const service = new ScreenService((msg) => setImmediate(() => this.receive(msg)));
      process.emitWarning(`paseo: screens run in the main thread (${(err as Error).message})`);
      return { post: (msg) => setImmediate(() => service.handle(msg)), end: () => {}, crash: () => {} };
    }
  }

  private startWorker(): Channel {
    const worker = new Worker(screenWorkerCode(), { eval: true, name: 'paseo-screens' });
    this.mode = 'worker';
    let ended = false;
    const channel: Channel = {
      post: (msg, transfer) => worker.postMessage(msg, transfer ?? []),
      end: () => {
        ended = true;
        void worker.terminate();
      },
      crash: () => void worker.terminate(),
    };
    worker.on('message', (msg: FromScreen) => this.receive(msg));
    const died = (why: string): void => {
      ended = true;
      if (this.channel === channel) {
        this.channel = undefined;
        this.mode = 'none';
      }
      for (const screen of [...this.screens.values()]) {
        this.screens.delete(screen.id);
        screen.lose(why);
      }
    };
    // An exit we asked for comes once its screens are closed (later screens are another worker's); any other is a crash.
    worker.on('error', (err) => {
      if (!ended) died(err.stack ?? err.message);
    });
    worker.on('exit', (code) => {
      if (!ended) died(`the worker exited (code ${code})`);
    });
    return channel;
  }

  private receive(msg: FromScreen): void {
    this.screens.get(msg.id)?.receive(msg);
  }
}

/** True for a view of shared memory (posted to the worker without copying the bytes). */
function isShared(bytes: Uint8Array): boolean {
  return typeof SharedArrayBuffer === 'function' && bytes.buffer instanceof SharedArrayBuffer;
}

let host: ScreenHost | undefined;

/** The screen host of this process. */
export function screenHost(): ScreenHost {
  host ??= new ScreenHost();
  return host;
}
