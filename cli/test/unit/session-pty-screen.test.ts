// A terminal session's screen and recording as its engine sees them (session/pty-screen.ts): how far the
// screen worker may lag, snapshots a viewer can start from, the bottom of the screen for lists, the
// recording, and a new screen from the buffered output when the worker is lost. Real screen worker.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_LIMITS, type SessionLimits } from '../../src/session/limits.js';
import { OutputBuffer } from '../../src/session/output-buffer.js';
import { PtyScreen, TAIL_REFRESH_FLOWING_MS, TAIL_REFRESH_MS } from '../../src/session/pty-screen.js';
import { RemoteScreen, SCREEN_BATCH_BYTES, screenHost } from '../../src/session/screen-host.js';
import { castOutputText } from '../fixtures/cast-output.js';
import { MemoryLog } from '../fixtures/session-harness.js';

const dirs: string[] = [];
const screens: PtyScreen[] = [];
afterEach(async () => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  for (const s of screens.splice(0)) await s.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A PtyScreen for session "s1" at 20×5, its buffer and recording, and what it told its session. */
function make(limits: Partial<SessionLimits> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'paseo-pty-screen-'));
  dirs.push(dir);
  const path = join(dir, 's1.cast');
  const log = new MemoryLog();
  const all = { ...DEFAULT_LIMITS, ...limits };
  const buffer = new OutputBuffer(all.outputBufferBytes);
  /** `progress`: how often the session was told; `lags`: the lag it saw each time. */
  const heard = { replies: [] as string[], progress: 0, lags: [] as number[] };
  const screen: PtyScreen = new PtyScreen({
    sessionId: 's1',
    cols: 20,
    rows: 5,
    recordingPath: path,
    header: { cols: 20, rows: 5, command: ['sh'], title: 'test' },
    limits: all,
    buffer,
    log,
    onReply: (r) => heard.replies.push(r),
    onProgress: () => {
      heard.progress++;
      heard.lags.push(screen.lagBytes);
    },
  });
  screens.push(screen);
  /** Output as the engine passes it on: into the buffer, then to the screen. */
  const output = (text: string): void => {
    const bytes = new TextEncoder().encode(text);
    screen.write(bytes, buffer.append(bytes));
  };
  const snapshot = (): Promise<NonNullable<ReturnType<PtyScreen['snapshot']>>> =>
    new Promise((resolve, reject) => {
      const snap = screen.snapshot();
      if (snap) resolve(snap);
      else
        screen.whenSnapshotReady(() => (screen.snapshot() ? resolve(screen.snapshot()!) : reject(new Error('none'))));
    });
  /** The recording's output events, as text. */
  const recorded = (): string => castOutputText(path);
  return { screen, path, log, buffer, heard, output, snapshot, recorded };
}

describe('pty screen', () => {
  it('lets the worker lag a quarter of the output buffer at most, and sends it batches of half that', () => {
    const open = vi.spyOn(screenHost(), 'open');
    const cases: [Partial<SessionLimits>, number, number][] = [
      [{ screenBacklogBytes: 1_000, outputBufferBytes: 10_003 }, 1_000, 500],
      [{ screenBacklogBytes: 1_000_000, outputBufferBytes: 10_003 }, 2_500, 1_250],
      [{ screenBacklogBytes: 0, outputBufferBytes: 10_003 }, 1, 1],
      [{ screenBacklogBytes: 4_000_000, outputBufferBytes: 4_000_000 }, 1_000_000, SCREEN_BATCH_BYTES],
    ];
    for (const [limits, backlog, batch] of cases) {
      expect(make(limits).screen.backlogLimit).toBe(backlog);
      expect(open.mock.lastCall?.[2]).toBe(batch);
    }
  });

  it('creates the recording with its header at once, and opens the screen with the session’s size and limits', () => {
    const open = vi.spyOn(screenHost(), 'open');
    const limits = {
      scrollbackLines: 77,
      recordingMaxBytes: 1_000_000,
      recordingKeepFiles: 2,
      recordingQueueBytes: 5_000,
    };
    const { path } = make(limits);
    const header = readFileSync(path, 'utf8');
    expect(JSON.parse(header)).toMatchObject({ version: 2, width: 20, height: 5, command: 'sh', title: 'test' });
    expect(open.mock.lastCall?.[0]).toEqual({
      cols: 20,
      rows: 5,
      scrollbackLines: 77,
      recording: {
        path,
        header: { cols: 20, rows: 5, command: ['sh'], title: 'test' },
        limits: { maxBytes: 1_000_000, keepFiles: 2, queueBytes: 5_000 },
        created: { startMs: expect.any(Number), headerBytes: Buffer.byteLength(header) },
      },
    });
  });

  it('records the output, and has it on disk once finished (finishing twice is finishing once)', async () => {
    const { screen, output, recorded, path } = make();
    output('hello ');
    output('world');
    const finished = screen.finish();
    expect(screen.finish()).toBe(finished);
    await finished;
    expect(recorded()).toBe('hello world');
    expect(readFileSync(path, 'utf8').split('\n')[0]).toContain('"width":20');
  });

  it('counts the output the worker has not taken in yet', async () => {
    const { screen, output, heard } = make();
    expect(screen.lagBytes).toBe(0);
    output('12345');
    expect(screen.lagBytes).toBe(5);
    await vi.waitFor(() => expect(screen.lagBytes).toBe(0));
    expect(heard.progress).toBeGreaterThan(0);
    expect(screen.recordingQueueBytes).toBeGreaterThanOrEqual(0);
  });

  it('passes on the terminal’s answers to queries in the output', async () => {
    const { output, heard } = make();
    output('abc\x1b[6n');
    await vi.waitFor(() => expect(heard.replies).toEqual(['\x1b[1;4R']));
  });

  it('asks for one snapshot at a time, and tells every waiter when it came', async () => {
    const asked = vi.spyOn(RemoteScreen.prototype, 'snapshot');
    const { screen, output } = make();
    output('one');
    expect(screen.snapshot()).toBeUndefined();
    const ready: number[] = [];
    screen.whenSnapshotReady(() => ready.push(1));
    screen.whenSnapshotReady(() => ready.push(2));
    expect(screen.snapshot()).toBeUndefined();
    expect(asked).toHaveBeenCalledTimes(1);
    await vi.waitFor(() => expect(ready).toEqual([1, 2]));
    expect(screen.snapshot()).toMatchObject({ seq: 3, cols: 20, rows: 5 });
    expect(asked).toHaveBeenCalledTimes(1);
  });

  it('uses a snapshot while at most half the output buffer came after it', async () => {
    const asked = vi.spyOn(RemoteScreen.prototype, 'snapshot');
    const { screen, output, snapshot } = make({ outputBufferBytes: 100 });
    output('0123456789');
    const snap = await snapshot();
    expect(snap.seq).toBe(10);
    output('x'.repeat(50));
    expect(screen.snapshot()).toBe(snap);
    output('y');
    expect(screen.snapshot()).toBeUndefined();
    expect(asked).toHaveBeenCalledTimes(2);
    expect((await snapshot()).seq).toBe(61);
  });

  it('asks for a new snapshot after a resize, at the new size', async () => {
    const { screen, output, snapshot } = make();
    output('wide');
    await snapshot();
    screen.resize(40, 10);
    expect(screen.snapshot()).toBeUndefined();
    expect(await snapshot()).toMatchObject({ seq: 4, cols: 40, rows: 10 });
  });

  it('a failed snapshot is logged, and its waiters are told a moment later so that they ask again', async () => {
    const { screen, output, log } = make();
    output('text');
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    vi.spyOn(RemoteScreen.prototype, 'snapshot').mockRejectedValueOnce(new Error('The screen worker failed: oops'));
    let told = 0;
    screen.whenSnapshotReady(() => told++);
    while (log.lines.length === 0) await new Promise((resolve) => setImmediate(resolve));
    expect(log.lines).toEqual([
      { level: 'warn', text: 'A snapshot of session s1 failed: The screen worker failed: oops' },
    ]);
    vi.advanceTimersByTime(99);
    expect(told).toBe(0);
    vi.advanceTimersByTime(1);
    expect(told).toBe(1);
    const snap = await new Promise((resolve) => screen.whenSnapshotReady(() => resolve(screen.snapshot())));
    expect(snap).toMatchObject({ seq: 4 });
  });

  it('asks for the bottom of the screen TAIL_REFRESH_MS after output, and every TAIL_REFRESH_FLOWING_MS while it flows', async () => {
    const { screen, output } = make();
    output('$ ls\r\nfile\r\n$ ');
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    vi.setSystemTime(100_000);
    const asked = vi.spyOn(RemoteScreen.prototype, 'tail');
    let changed!: () => void;
    const came = new Promise<void>((resolve) => {
      changed = resolve;
    });
    screen.refreshTail(changed);
    screen.refreshTail(() => {}); // one at a time
    vi.advanceTimersByTime(TAIL_REFRESH_MS - 1);
    expect(asked).toHaveBeenCalledTimes(0);
    vi.advanceTimersByTime(1);
    expect(asked).toHaveBeenCalledTimes(1);
    await came;
    expect(screen.lastTail).toEqual({ cursorLine: '$ ', above: ['file', '$ ls'] });
    // Output keeps coming: the next ask waits for TAIL_REFRESH_FLOWING_MS after the last.
    vi.advanceTimersByTime(100);
    screen.refreshTail(() => {});
    vi.advanceTimersByTime(TAIL_REFRESH_FLOWING_MS - 101);
    expect(asked).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1);
    expect(asked).toHaveBeenCalledTimes(2);
    // Near the end of that interval: still TAIL_REFRESH_MS at least.
    vi.advanceTimersByTime(TAIL_REFRESH_FLOWING_MS - 200);
    screen.refreshTail(() => {});
    vi.advanceTimersByTime(TAIL_REFRESH_MS - 1);
    expect(asked).toHaveBeenCalledTimes(2);
    vi.advanceTimersByTime(1);
    expect(asked).toHaveBeenCalledTimes(3);
    // Once closed it asks no more, and an ask waiting is dropped.
    vi.advanceTimersByTime(TAIL_REFRESH_FLOWING_MS);
    screen.refreshTail(() => {});
    await screen.close();
    screen.refreshTail(() => {});
    vi.advanceTimersByTime(10 * TAIL_REFRESH_FLOWING_MS);
    expect(asked).toHaveBeenCalledTimes(3);
  });

  it('a recording that cannot be finished is logged as maybe incomplete', async () => {
    const { screen, log, path } = make();
    vi.spyOn(RemoteScreen.prototype, 'finish').mockRejectedValueOnce(new Error('The screen worker stopped: gone'));
    await screen.finish();
    expect(log.lines).toEqual([
      { level: 'warn', text: `Recording ${path} may be incomplete: The screen worker stopped: gone` },
    ]);
  });

  it("logs the worker's warnings about the recording", async () => {
    const { screen, output, log, path } = make();
    rmSync(join(path, '..'), { recursive: true });
    output('lost');
    await screen.finish();
    expect(log.lines).toEqual([{ level: 'warn', text: expect.stringMatching(`^Recording ${path} stopped: ENOENT`) }]);
  });

  it('closing tells the snapshot waiters at once, even if the worker never answered', async () => {
    const { screen, output } = make();
    output('x');
    vi.spyOn(RemoteScreen.prototype, 'snapshot').mockReturnValueOnce(new Promise(() => {}));
    let told = 0;
    screen.whenSnapshotReady(() => told++);
    await screen.close();
    expect(told).toBe(1);
    screen.whenSnapshotReady(() => told++); // closed: nothing is asked any more
    expect(screen.snapshot()).toBeUndefined();
  });
});

describe('pty screen when the screen worker is lost', () => {
  it('starts a new screen from the buffered output and goes on recording in the same file', async () => {
    const { screen, output, log, heard, snapshot, recorded, path } = make();
    output('before\r\n');
    await vi.waitFor(() => expect(recorded()).toBe('before\r\n'));
    await snapshot();
    screen.resize(30, 8);
    await snapshot();
    const progress = heard.progress;
    screenHost().terminateWorker();
    await vi.waitFor(() => expect(log.lines.length).toBe(1));
    expect(log.lines[0]).toEqual({
      level: 'error',
      text: 'The screen of session s1 stopped (the worker exited (code 1)); it starts again from the buffered output.',
    });
    // The session hears at once that the new screen has all the buffered output still to take in.
    expect(heard.lags[progress]).toBe(8);
    // The old screen's snapshot is not used: the new screen is asked, at the size the terminal has now.
    expect(screen.snapshot()).toBeUndefined();
    const replayed = await snapshot();
    expect(replayed).toMatchObject({ seq: 8, cols: 30, rows: 8 });
    expect(Buffer.from(replayed.body).toString()).toContain('before');
    output('after');
    expect(await screen.tail()).toEqual({ cursorLine: 'after', above: ['before'] });
    await screen.finish();
    expect(recorded()).toBe('before\r\nafter');
    const [header, ...events] = readFileSync(path, 'utf8').trimEnd().split('\n');
    expect(JSON.parse(header!)).toMatchObject({ version: 2 });
    // Every event, before and after the loss, is timed from the start of the file, in order.
    const times = events.map((line) => (JSON.parse(line) as [number])[0]);
    expect(times.every((t, i) => Number.isFinite(t) && t >= 0 && t <= (times[i + 1] ?? t))).toBe(true);
  });

  it('replays all of a buffer larger than one read', async () => {
    const { output, snapshot, log } = make({ screenBacklogBytes: 1024 * 1024 });
    const line = `${'z'.repeat(18)}\r\n`;
    for (let i = 0; i < 4000; i++) output(line); // 80,000 bytes: more than one 64 KiB read
    output('end');
    await snapshot();
    screenHost().terminateWorker();
    await vi.waitFor(() => expect(log.lines.length).toBe(1));
    const snap = await snapshot();
    expect(snap.seq).toBe(80_003);
    expect(Buffer.from(snap.body).toString()).toContain('end');
  });

  it('after the session ended, the new screen keeps the finished recording as it is', async () => {
    const { screen, output, log, path } = make();
    output('done');
    await screen.finish();
    const finished = readFileSync(path, 'utf8');
    screenHost().terminateWorker();
    await vi.waitFor(() => expect(log.lines.length).toBe(1));
    screen.resize(30, 10);
    await screen.close();
    expect(readFileSync(path, 'utf8')).toBe(finished);
  });

  it('a recording whose file was removed is not written again', async () => {
    const { screen, output, log, path } = make();
    output('first');
    await vi.waitFor(() => expect(readFileSync(path, 'utf8')).toContain('first'));
    rmSync(path);
    screenHost().terminateWorker();
    await vi.waitFor(() => expect(log.lines.length).toBe(1));
    output('second');
    await screen.finish();
    expect(existsSync(path)).toBe(false);
  });

  it('a screen being closed is not started again', async () => {
    const { screen, log } = make();
    let finish!: () => void;
    vi.spyOn(RemoteScreen.prototype, 'finish').mockReturnValueOnce(
      new Promise<void>((resolve) => {
        finish = resolve;
      }),
    );
    const closed = screen.close();
    screenHost().terminateWorker();
    await vi.waitUntil(() => screenHost().mode === 'none');
    finish();
    await closed;
    expect(log.lines).toEqual([]);
    expect(screenHost().mode).toBe('none');
  });
});
