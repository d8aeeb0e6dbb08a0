// A session's side of the screen worker (session/screen-host.ts, RemoteScreen): the output it sends in
// batches, the requests it numbers and the answers it matches to them, what it does when the worker is
// lost. The messages are watched on their way to the worker; in the first part they stop there and the
// test answers as the worker would, in the second the real worker answers.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ScreenTail } from '../../src/session/prompt.js';
import { type RemoteScreen, SCREEN_BATCH_MS, ScreenHost } from '../../src/session/screen-host.js';
import type { FromScreen, ScreenOpen, ToScreen } from '../../src/session/screen-protocol.js';

/** What a test sees of one message to the worker (output as text, copied before the buffer moves). */
interface Sent {
  msg: ToScreen;
  text?: string[];
  transfer?: ArrayBuffer[];
}

/** A screen host that keeps every message it sends; with `forward` false they never reach a worker. */
class WatchedHost extends ScreenHost {
  readonly sent: Sent[] = [];
  constructor(private readonly forward: boolean) {
    super();
  }
  override post(msg: ToScreen, transfer?: ArrayBuffer[]): void {
    const text = msg.op === 'data' ? msg.parts.map((p) => Buffer.from(p).toString('latin1')) : undefined;
    this.sent.push({ msg, text, transfer });
    if (this.forward) super.post(msg, transfer);
  }
  data(): Sent[] {
    return this.sent.filter((s) => s.msg.op === 'data');
  }
  ops(): string[] {
    return this.sent.map((s) => s.msg.op);
  }
}

/** What a screen told its session. */
class Heard {
  readonly replies: string[] = [];
  readonly warnings: string[] = [];
  readonly lost: string[] = [];
  progress = 0;
  readonly events = {
    reply: (data: string) => this.replies.push(data),
    progress: () => this.progress++,
    warn: (message: string) => this.warnings.push(message),
    lost: (message: string) => this.lost.push(message),
  };
}

/** A message from the worker, without the screen's id. */
type Answer = FromScreen extends infer M ? (M extends FromScreen ? Omit<M, 'id'> : never) : never;

const OPEN: ScreenOpen = { cols: 20, rows: 5, scrollbackLines: 100, recording: null };
const text = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));

describe('a screen whose worker the test plays', () => {
  let host: WatchedHost;
  let heard: Heard;
  let screen: RemoteScreen;
  const open = (batchBytes?: number): void => {
    host = new WatchedHost(false);
    heard = new Heard();
    screen = host.open(OPEN, heard.events, batchBytes);
  };
  /** Answers as the worker would. */
  const answer = (msg: Answer): void => screen.receive({ ...msg, id: screen.id } as FromScreen);

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    vi.setSystemTime(1_000);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('opens the screen in the worker first, numbering screens from 1', () => {
    open();
    expect(host.sent).toEqual([{ msg: { op: 'open', id: 1, open: OPEN }, text: undefined, transfer: undefined }]);
    expect(host.open(OPEN, heard.events).id).toBe(2);
  });

  it('gathers the output of SCREEN_BATCH_MS into one message, copied into one buffer that moves to the worker', () => {
    open();
    screen.write(text('ab'), 2);
    vi.advanceTimersByTime(1);
    screen.write(text('cde'), 5);
    vi.advanceTimersByTime(SCREEN_BATCH_MS - 2);
    expect(host.data()).toEqual([]);
    vi.advanceTimersByTime(1);
    const [sent, ...more] = host.data();
    expect(more).toEqual([]);
    expect(sent?.text).toEqual(['abcde']);
    const msg = sent?.msg as Extract<ToScreen, { op: 'data' }>;
    expect(msg).toMatchObject({ id: 1, ends: [2, 5], times: [1_000, 1_001], record: true });
    expect(sent?.transfer).toEqual([msg.parts[0]?.buffer]);
    vi.advanceTimersByTime(100);
    expect(host.data()).toHaveLength(1);
  });

  it('sends a batch as soon as it holds batchBytes, and the next output waits its own SCREEN_BATCH_MS', () => {
    open(10);
    screen.write(text('12'), 2);
    vi.advanceTimersByTime(1);
    screen.write(text('34'), 4);
    vi.advanceTimersByTime(1);
    screen.write(text('567890'), 10);
    expect(host.data().map((s) => s.text)).toEqual([['1234567890']]);
    vi.advanceTimersByTime(1);
    screen.write(text('x'), 11);
    vi.advanceTimersByTime(SCREEN_BATCH_MS - 1);
    expect(host.data()).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(host.data().map((s) => s.text)).toEqual([['1234567890'], ['x']]);
    expect(host.data()[1]?.msg).toMatchObject({ ends: [11], times: [1_003] });
  });

  it('sends nothing for empty output', () => {
    open();
    screen.write(new Uint8Array(0), 0);
    vi.advanceTimersByTime(100);
    expect(host.ops()).toEqual(['open']);
    screen.write(text('x'), 1);
    vi.advanceTimersByTime(SCREEN_BATCH_MS);
    expect(host.data().map((s) => s.msg)).toMatchObject([{ ends: [1], times: [1_100] }]);
  });

  it('sends output the recording has already apart from new output, marked not to be recorded', () => {
    open();
    screen.write(text('old'), 3, false);
    screen.write(text('er'), 5, false);
    expect(host.data()).toEqual([]);
    screen.write(text('new'), 8);
    expect(host.data().map((s) => [s.text, (s.msg as { record: boolean }).record])).toEqual([[['older'], false]]);
    vi.advanceTimersByTime(SCREEN_BATCH_MS);
    expect(host.data().map((s) => [s.text, (s.msg as { record: boolean }).record])).toEqual([
      [['older'], false],
      [['new'], true],
    ]);
    expect(host.data()[1]?.msg).toMatchObject({ ends: [8] });
  });

  it('sends a resize after the output written before it, at once', () => {
    open();
    screen.write(text('ab'), 2);
    vi.advanceTimersByTime(1);
    screen.resize(100, 30);
    expect(host.ops()).toEqual(['open', 'data', 'resize']);
    expect(host.sent[2]?.msg).toEqual({ op: 'resize', id: 1, cols: 100, rows: 30, atMs: 1_001 });
    vi.advanceTimersByTime(100);
    expect(host.ops()).toEqual(['open', 'data', 'resize']);
  });

  it('numbers requests, sends them after the output before them and matches each answer to its request', async () => {
    open();
    screen.write(text('x'), 1);
    const snapshot = screen.snapshot();
    const tail = screen.tail();
    const finish = screen.finish();
    expect(host.sent.slice(1).map((s) => s.msg)).toMatchObject([
      { op: 'data', ends: [1] },
      { op: 'snapshot', id: 1, req: 1 },
      { op: 'tail', id: 1, req: 2 },
      { op: 'finish', id: 1, req: 3 },
    ]);
    const bottom: ScreenTail = { cursorLine: '$ ', above: ['x'] };
    answer({ op: 'tail', req: 2, tail: bottom });
    answer({ op: 'finished', req: 3 });
    answer({ op: 'snapshot', req: 1, seq: 1, cols: 20, rows: 5, body: text('x') });
    expect(await tail).toEqual(bottom);
    await expect(finish).resolves.toBeUndefined();
    expect(await snapshot).toEqual({ seq: 1, cols: 20, rows: 5, body: text('x') });
    // Answers to nothing asked (or answered already) are ignored.
    answer({ op: 'finished', req: 3 });
    answer({ op: 'failed', req: 7, message: 'late' });
  });

  it('fails a request the worker failed, or answered with something else, with a sentence saying so', async () => {
    open();
    const snapshot = screen.snapshot();
    const tail = screen.tail();
    const finish = screen.finish();
    answer({ op: 'tail', req: 1, tail: { cursorLine: '', above: [] } });
    answer({ op: 'snapshot', req: 2, seq: 0, cols: 20, rows: 5, body: text('') });
    answer({ op: 'failed', req: 3, message: 'the disk is full' });
    await expect(snapshot).rejects.toThrow(/^screen worker answered tail to a snapshot$/);
    await expect(tail).rejects.toThrow(/^screen worker answered snapshot to a tail request$/);
    await expect(finish).rejects.toThrow(/^The screen worker failed: the disk is full$/);
  });

  it('tells the session what the worker reports: progress, terminal replies, warnings', () => {
    open();
    answer({ op: 'progress', seq: 10, recordingQueueBytes: 5, heldBytes: 7 });
    expect([screen.acceptedSeq, screen.recordingQueueBytes, screen.heldBytes, heard.progress]).toEqual([10, 5, 7, 1]);
    // A late report of less output never moves acceptedSeq back.
    answer({ op: 'progress', seq: 4, recordingQueueBytes: 0, heldBytes: 2 });
    expect([screen.acceptedSeq, screen.recordingQueueBytes, screen.heldBytes, heard.progress]).toEqual([10, 0, 2, 2]);
    answer({ op: 'reply', data: '\x1b[1;1R' });
    answer({ op: 'warn', message: 'Recording x could not be written' });
    expect(heard.replies).toEqual(['\x1b[1;1R']);
    expect(heard.warnings).toEqual(['Recording x could not be written']);
    expect(heard.lost).toEqual([]);
  });

  it('closes once, after the output written before; a closed screen takes nothing more', async () => {
    open();
    screen.write(text('bye'), 3);
    const closed = screen.close();
    expect(host.sent.slice(1).map((s) => s.msg)).toMatchObject([{ op: 'data' }, { op: 'close', req: 1 }]);
    await screen.close(); // closing again asks nothing
    answer({ op: 'closed', req: 1 });
    await closed;
    screen.write(text('more'), 7);
    screen.resize(10, 10);
    vi.advanceTimersByTime(100);
    expect(host.ops()).toEqual(['open', 'data', 'close']);
    await expect(screen.snapshot()).rejects.toThrow(/^This screen is closed\.$/);
    await expect(screen.tail()).rejects.toThrow(/^This screen is closed\.$/);
    expect(heard.lost).toEqual([]);
  });

  it('when the worker is lost, fails what waits, drops unsent output and tells the session once', async () => {
    open();
    const snapshot = screen.snapshot();
    const tail = screen.tail();
    screen.write(text('unsent'), 6);
    screen.lose('it crashed');
    await expect(snapshot).rejects.toThrow(/^The screen worker stopped: it crashed$/);
    await expect(tail).rejects.toThrow(/^The screen worker stopped: it crashed$/);
    expect(heard.lost).toEqual(['it crashed']);
    vi.advanceTimersByTime(100);
    screen.write(text('later'), 11);
    vi.advanceTimersByTime(100);
    expect(host.ops()).toEqual(['open', 'snapshot', 'tail']);
    screen.lose('again');
    expect(heard.lost).toEqual(['it crashed']);
    await screen.close();
    expect(host.ops()).toEqual(['open', 'snapshot', 'tail']);
  });

  it('a screen being closed when the worker is lost fails its close but is not reported lost', async () => {
    open();
    const closing = screen.close();
    screen.lose('it crashed');
    await expect(closing).rejects.toThrow(/^The screen worker stopped: it crashed$/);
    expect(heard.lost).toEqual([]);
  });
});

describe('a screen in the real worker', () => {
  let host: ScreenHost;
  afterEach(() => {
    host?.terminateWorker();
  });

  it('answers with the screen after all output written, and ends the worker with its last screen', async () => {
    host = new ScreenHost();
    const heard = new Heard();
    const screen = host.open(OPEN, heard.events);
    expect(host.mode).toBe('worker');
    screen.write(text('hello\r\n'), 7);
    screen.write(text('world'), 12);
    const snap = await screen.snapshot();
    expect({ ...snap, body: undefined }).toEqual({ seq: 12, cols: 20, rows: 5, body: undefined });
    expect(Buffer.from(snap.body).toString()).toMatch(/hello[\s\S]*world/);
    expect(await screen.tail()).toEqual({ cursorLine: 'world', above: ['hello'] });
    await vi.waitFor(() => expect(screen.acceptedSeq).toBe(12));
    expect(heard.progress).toBeGreaterThan(0);
    await screen.finish();
    await screen.close();
    expect(host.mode).toBe('none');
  });

  it("passes on the terminal's answer to a query in the output", async () => {
    host = new ScreenHost();
    const heard = new Heard();
    const screen = host.open(OPEN, heard.events);
    screen.write(text('ab\x1b[6n'), 6);
    await vi.waitFor(() => expect(heard.replies).toEqual(['\x1b[1;3R']));
    await screen.close();
  });

  it('sends large output read into shared memory as it is, without copying it', async () => {
    host = new WatchedHost(true);
    const watched = host as WatchedHost;
    const screen = host.open({ ...OPEN, cols: 80 }, new Heard().events, 1024 * 1024);
    const chunk = (fill: string, bytes: number): Uint8Array => {
      const view = new Uint8Array(new SharedArrayBuffer(bytes));
      view.set(text(fill.repeat(bytes / fill.length)));
      return view;
    };
    const a = chunk(`${'a'.repeat(62)}\r\n`, 16 * 1024);
    const b = chunk(`${'b'.repeat(62)}\r\n`, 16 * 1024);
    screen.write(a, a.length);
    screen.write(b, a.length + b.length);
    const snap = await screen.snapshot();
    const [sent] = watched.data();
    const msg = sent?.msg as Extract<ToScreen, { op: 'data' }>;
    expect(msg.parts[0]).toBe(a);
    expect(msg.parts[1]).toBe(b);
    expect(msg.ends).toEqual([16 * 1024, 32 * 1024]);
    expect(sent?.transfer).toEqual([]);
    expect(snap.seq).toBe(32 * 1024);
    const bottom = await screen.tail();
    expect([bottom.cursorLine, bottom.above[0]]).toEqual(['', 'b'.repeat(62)]);
    await screen.close();
  });

  it('copies shared output below SHARED_BATCH_MIN_BYTES, or mixed with other memory, into one buffer', async () => {
    host = new WatchedHost(true);
    const watched = host as WatchedHost;
    const screen = host.open(OPEN, new Heard().events, 1024 * 1024);
    const small = new Uint8Array(new SharedArrayBuffer(1024)).fill(0x61);
    screen.write(small, 1024);
    await screen.snapshot();
    const big = new Uint8Array(new SharedArrayBuffer(40 * 1024)).fill(0x62);
    screen.write(big, 41 * 1024);
    screen.write(new Uint8Array(10).fill(0x63), 41 * 1024 + 10);
    const snap = await screen.snapshot();
    expect(snap.seq).toBe(41 * 1024 + 10);
    const sent = watched.data();
    expect(sent.map((s) => [s.text?.length, s.transfer?.length])).toEqual([
      [1, 1],
      [1, 1],
    ]);
    expect(sent[1]?.text?.[0]).toBe('b'.repeat(40 * 1024) + 'c'.repeat(10));
    // The copy moved to the worker: it is no longer readable here.
    expect((sent[1]!.msg as Extract<ToScreen, { op: 'data' }>).parts[0]?.byteLength).toBe(0);
    await screen.close();
  });
});
