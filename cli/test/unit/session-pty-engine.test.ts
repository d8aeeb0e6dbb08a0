// The PTY engine on its own (no manager, no Session): a real PTY running a small program that shows, in
// hex, every byte it reads in raw mode, so what `send` types and what the engine answers for the terminal
// are checked byte for byte; the errors of the requests a terminal session does not take; a snapshot that
// was asked for before the size changed.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { DaemonMessage } from '../../src/channel/messages.js';
import type { EngineHooks, SessionExit } from '../../src/session/engine.js';
import { SessionError } from '../../src/session/errors.js';
import { DEFAULT_LIMITS, type SessionLimits } from '../../src/session/limits.js';
import { PtyEngine } from '../../src/session/pty-engine.js';
import type { Viewer } from '../../src/session/viewer.js';
import { MemoryLog } from '../fixtures/session-harness.js';

const scratch = mkdtempSync(join(tmpdir(), 'paseo-pty-engine-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * Shows every read as <hex> (a NUL is read silently). On a "q" it asks the terminal where the cursor is (ESC [ 6 n), as full-screen
 * apps do at start; "?" asks a question, "L" a question longer than a list shows; "B" prints 300 kB at
 * once; "x" exits.
 */
const KEYS = `
process.stdin.setRawMode(true);
process.stdout.write('ready\\r\\n');
process.stdin.on('data', (d) => {
  if (d[0] === 0) return;
  process.stdout.write('<' + d.toString('hex') + '>');
  if (d.includes(0x71)) process.stdout.write('\\x1b[6n');
  if (d.includes(0x3f)) process.stdout.write('\\r\\nProceed? (y/n) ');
  if (d.includes(0x4c)) process.stdout.write('\\r\\n' + 'Q'.repeat(250) + '? ');
  if (d.includes(0x42)) process.stdout.write('b'.repeat(300000) + 'done\\r\\n');
  if (d.includes(0x78)) process.exit(3);
});`;

/** A viewer that keeps what it is sent. */
class Watcher implements Viewer {
  readonly got: DaemonMessage[] = [];
  constructor(
    readonly id: string,
    readonly name?: string,
  ) {}
  send(msg: DaemonMessage): void {
    this.got.push(msg);
  }
}

let n = 0;
let running: { engine: PtyEngine; exited: Promise<SessionExit> } | undefined;
afterEach(async () => {
  if (!running) return;
  running.engine.terminate('hard');
  await running.exited;
  await running.engine.dispose();
  running = undefined;
});

/** Starts KEYS in a PTY engine whose session has `viewers` attached (as far as the engine's hooks tell). */
function start(
  viewers: Viewer[] = [],
  opts: {
    limits?: Partial<SessionLimits>;
    cols?: number;
    env?: Record<string, string>;
    /** Runs when output was appended (inside the engine's handling of a chunk). */
    appended?: () => void;
  } = {},
) {
  const id = `engine-${n++}`;
  const calls: string[] = [];
  let ended: (exit: SessionExit) => void = () => {};
  const exited = new Promise<SessionExit>((resolve) => {
    ended = resolve;
  });
  /** What viewersHold answers (tests change it), and how often it was asked. */
  const hold: { now: { hold: boolean; recheckInMs: number | undefined }; asked: number } = {
    now: { hold: false, recheckInMs: undefined },
    asked: 0,
  };
  const hooks: EngineHooks = {
    appended: () => opts.appended?.(),
    changed: () => calls.push('changed'),
    setWaiting: (waiting) => calls.push(`waiting ${waiting}`),
    exited: (exit) => ended(exit),
    viewerCount: () => viewers.length,
    sendEach: (message) => {
      for (const v of viewers) v.send(message(v));
    },
    viewersHold: () => {
      hold.asked++;
      return hold.now;
    },
  };
  const engine = new PtyEngine(
    {
      id,
      name: 'keys',
      command: ['keys'],
      file: process.execPath,
      args: ['-e', KEYS],
      cwd: scratch,
      env: opts.env ?? { PATH: process.env.PATH ?? '', TERM: 'xterm-256color' },
      recordingPath: join(scratch, `${id}.cast`),
      cols: opts.cols ?? 80,
      rows: 24,
    },
    { ...DEFAULT_LIMITS, ...opts.limits },
    new MemoryLog(),
    hooks,
  );
  running = { engine, exited };
  /** Everything the program wrote so far. */
  const output = () => {
    const delivery = engine.feed.read(0, 1024 * 1024);
    return Buffer.from(delivery?.messages[0]?.body ?? []).toString('latin1');
  };
  /** The bytes the program read, as hex, in order. */
  const reads = () => [...output().matchAll(/<([0-9a-f]*)>/g)].map((m) => m[1]).join('');
  return { id, engine, calls, exited, output, reads, viewers, hold };
}

/** Resolves once the screen worker took in all output so far (and the engine heard what it said about it). */
function screenCaughtUp(engine: PtyEngine): Promise<void> {
  return new Promise((resolve) => {
    engine.feed.snapshot();
    engine.feed.whenSnapshotReady(resolve);
  });
}

const hex = (s: string) => Buffer.from(s, 'latin1').toString('hex');

describe('PtyEngine', () => {
  it('send types the text without its final line break, then Enter', async () => {
    const { engine, output, reads, calls } = start();
    await expect.poll(output).toContain('ready');
    engine.send('first\nsecond\r\n', 'Pixel 8');
    await expect.poll(reads).toBe(hex('first\nsecond\r'));
    engine.send('third\n', 'Pixel 8');
    await expect.poll(reads).toBe(hex('first\nsecond\rthird\r'));
    engine.send('fourth', 'Pixel 8');
    await expect.poll(reads).toBe(hex('first\nsecond\rthird\rfourth\r'));
    expect(calls).toContain('waiting false');
  });

  it('answers the terminal’s questions itself while no viewer is attached', async () => {
    const { engine, output, reads } = start();
    await expect.poll(output).toContain('ready');
    engine.input(new Watcher('w'), Buffer.from('q'));
    // The cursor is on row 2, column 5 (after "ready" and "<71>").
    await expect.poll(reads).toBe(hex('q\x1b[2;5R'));
  });

  it('leaves the terminal’s questions to the viewers while one is attached', async () => {
    const viewer = new Watcher('w');
    const { engine, output, reads } = start([viewer]);
    await expect.poll(output).toContain('ready');
    engine.input(viewer, Buffer.from('q'));
    await expect.poll(output).toContain('\x1b[6n');
    await screenCaughtUp(engine); // any answer of the engine's would be on its way to the program by now
    engine.input(viewer, Buffer.from('z'));
    await expect.poll(output).toContain('<7a>');
    expect(reads()).toBe(hex('qz'));
  });

  it('refuses what only a conversation takes, and send once the program ended', async () => {
    const { engine, output, exited } = start();
    const refused = (fn: () => void) => {
      try {
        fn();
      } catch (err) {
        expect(err).toBeInstanceOf(SessionError);
        return { code: (err as SessionError).code, message: (err as Error).message };
      }
      throw new Error('it did not refuse');
    };
    expect(refused(() => engine.permit())).toEqual({
      code: 'bad-request',
      message: 'This is a terminal session: it has no permission requests to answer.',
    });
    expect(refused(() => engine.cancel())).toEqual({
      code: 'bad-request',
      message: 'This is a terminal session: send it Ctrl-C instead.',
    });
    await expect.poll(output).toContain('ready');
    engine.input(new Watcher('w'), Buffer.from('x'));
    expect(await exited).toEqual({ exitCode: 3, signal: null });
    expect(refused(() => engine.send('too late', 'Pixel 8'))).toEqual({
      code: 'failed',
      message: 'The session has ended.',
    });
  });

  it('tells a viewer the size after a snapshot that was taken before the size changed', async () => {
    const { id, engine, output, viewers } = start();
    await expect.poll(output).toContain('ready');
    expect(engine.feed.snapshot()).toBeUndefined(); // asked for, at 80x24
    const viewer = new Watcher('w', 'iPad');
    viewers.push(viewer);
    const ready = new Promise<void>((resolve) => engine.feed.whenSnapshotReady(resolve));
    engine.attached(viewer, 100, 24); // alone: the session takes its width while the snapshot is under way
    expect(viewer.got).toEqual([{ t: 'session.resized', sessionId: id, cols: 100, rows: 24, by: 'iPad', yours: true }]);
    await ready;
    const wider = engine.feed.snapshot();
    expect(wider?.messages.map((m) => m.msg)).toEqual([
      { t: 'session.snapshot', sessionId: id, seq: wider?.seq, cols: 80, rows: 24 },
      { t: 'session.resized', sessionId: id, cols: 100, rows: 24 },
    ]);
    // The same with only the height changing while a snapshot (at 100x24) is under way.
    const again = new Promise<void>((resolve) => engine.feed.whenSnapshotReady(resolve));
    engine.resize(viewer, 100, 40, false);
    await again;
    const taller = engine.feed.snapshot();
    expect(taller?.messages.map((m) => m.msg)).toEqual([
      { t: 'session.snapshot', sessionId: id, seq: taller?.seq, cols: 100, rows: 24 },
      { t: 'session.resized', sessionId: id, cols: 100, rows: 40 },
    ]);
    // A snapshot asked for now is at the new size: nothing more to say.
    await screenCaughtUp(engine);
    expect(engine.feed.snapshot()?.messages.map((m) => m.msg.t)).toEqual(['session.snapshot']);
    expect(engine.infoFields()).toMatchObject({ cols: 100, rows: 40 });
  });
});

describe('PtyEngine: size, end and memory', () => {
  it('tells each viewer the size and who set it, and follows the viewer that typed last', async () => {
    const { id, engine, output, calls, viewers } = start();
    await expect.poll(output).toContain('ready');
    const laptop = new Watcher('a', 'laptop');
    const phone = new Watcher('b', 'Pixel 8');
    viewers.push(laptop);
    engine.attached(laptop, undefined, undefined); // no size of its own: nobody set the size yet
    expect(laptop.got).toEqual([{ t: 'session.resized', sessionId: id, cols: 80, rows: 24 }]);
    viewers.push(phone);
    engine.attached(phone, 40, 20); // not alone: it watches at the session's size
    expect(phone.got).toEqual([{ t: 'session.resized', sessionId: id, cols: 80, rows: 24 }]);
    expect(calls).not.toContain('changed');
    engine.input(phone, Buffer.from('p')); // typing takes the size
    const byPhone = { t: 'session.resized', sessionId: id, cols: 40, rows: 20, by: 'Pixel 8' };
    expect(laptop.got.at(-1)).toEqual({ ...byPhone, yours: false });
    expect(phone.got.at(-1)).toEqual({ ...byPhone, yours: true });
    expect(calls).toContain('changed');
    expect(engine.infoFields()).toMatchObject({ cols: 40, rows: 20 });
    engine.resize(phone, 50, 25, false); // its screen turned: the session follows
    expect(phone.got.at(-1)).toEqual({ ...byPhone, cols: 50, rows: 25, yours: true });
    engine.resize(laptop, 120, 40, true); // "use my screen size"
    expect(laptop.got.at(-1)).toEqual({
      t: 'session.resized',
      sessionId: id,
      cols: 120,
      rows: 40,
      by: 'laptop',
      yours: true,
    });
    engine.detached(laptop); // the size's owner left; the phone, alone now, takes it back
    viewers.splice(0, 1);
    expect(phone.got.at(-1)).toEqual({ ...byPhone, cols: 50, rows: 25, yours: true });
    expect(engine.infoFields()).toMatchObject({ cols: 50, rows: 25 });
  });

  it('after its program ended, takes no input and no size, and tells nobody about sizes', async () => {
    const { engine, output, exited, calls, reads, viewers } = start();
    await expect.poll(output).toContain('ready');
    const phone = new Watcher('b', 'Pixel 8');
    viewers.push(phone);
    engine.attached(phone, 40, 20);
    engine.input(phone, Buffer.from('x'));
    expect(await exited).toEqual({ exitCode: 3, signal: null });
    const sent = phone.got.length;
    const changes = calls.filter((c) => c === 'changed').length;
    const laptop = new Watcher('a', 'laptop');
    viewers.push(laptop);
    engine.attached(laptop, 100, 30);
    engine.input(laptop, Buffer.from('more'));
    engine.resize(phone, 60, 30, true);
    engine.detached(phone);
    engine.flowChanged();
    expect(laptop.got).toEqual([]);
    expect(phone.got).toHaveLength(sent);
    expect(calls.filter((c) => c === 'changed')).toHaveLength(changes);
    expect(reads()).toBe(hex('x'));
    expect(engine.stats().ptyPaused).toBe(false);
  });

  it('ends its program with SIGHUP when asked softly', async () => {
    const { engine, output, exited } = start();
    await expect.poll(output).toContain('ready');
    engine.terminate('soft');
    expect(await exited).toEqual({ exitCode: null, signal: 'SIGHUP' });
  });

  it('ends its program with SIGKILL when forced', async () => {
    const { engine, output, exited } = start();
    await expect.poll(output).toContain('ready');
    engine.terminate('hard');
    expect(await exited).toEqual({ exitCode: null, signal: 'SIGKILL' });
  });

  it('pauses its program while the viewers hold it back, and asks them again when they said it may change', async () => {
    const viewer = new Watcher('w');
    const { engine, output, hold } = start([viewer]);
    await expect.poll(output).toContain('ready');
    const asked = hold.asked;
    hold.now = { hold: true, recheckInMs: 20 };
    engine.flowChanged();
    expect(engine.stats().ptyPaused).toBe(true);
    expect(hold.asked).toBe(asked + 1);
    // Nothing else happens in the session: the engine asks again by itself, every 21 ms.
    await expect.poll(() => hold.asked).toBeGreaterThanOrEqual(asked + 10);
    expect(engine.stats().ptyPaused).toBe(true);
    hold.now = { hold: false, recheckInMs: undefined };
    await expect.poll(() => engine.stats().ptyPaused).toBe(false);
    const settled = hold.asked;
    engine.flowChanged(); // no longer held: no more asking by itself
    await screenCaughtUp(engine); // (a round trip to the screen worker: time for a timer to fire)
    expect(hold.asked).toBe(settled + 1);
  });

  it('counts the memory it holds: output kept for viewers, nothing waiting once the screen caught up', async () => {
    const { engine, output } = start();
    await expect.poll(output).toContain('ready');
    await expect.poll(() => engine.stats().screenBacklogBytes).toBe(0);
    expect(engine.stats()).toMatchObject({
      bufferedBytes: Buffer.byteLength(output(), 'latin1'),
      screenBacklogBytes: 0,
      coalescingBytes: 0,
      ptyPaused: false,
    });
    expect(engine.stats().bufferedBytes).toBeGreaterThan(0);
    expect(typeof engine.stats().recordingQueueBytes).toBe('number');
  });
});

describe('PtyEngine: what lists show, and the recording', () => {
  it('says the session waits once its program went quiet on a question, which becomes its last line', async () => {
    const viewer = new Watcher('w');
    const { engine, output, calls } = start([viewer], { limits: { promptIdleMs: 100 } });
    expect(engine.kind).toBe('pty');
    await expect.poll(output).toContain('ready');
    const from = calls.length;
    engine.input(viewer, Buffer.from('?'));
    await expect.poll(() => calls.slice(from)).toContain('waiting true');
    await expect.poll(() => engine.infoFields()).toEqual({ cols: 80, rows: 24, lastLine: 'Proceed? (y/n)' });
    expect(calls.slice(from)).toContain('changed'); // lists are told
    // A key the program does not answer: after the quiet spell the screen is looked at again, the same.
    const again = calls.length;
    engine.input(viewer, Buffer.from([0]));
    await expect.poll(() => calls.slice(again)).toContain('waiting true');
    expect(calls.slice(again)).not.toContain('changed'); // the last line did not change: lists are not told
    engine.input(viewer, Buffer.from('y'));
    expect(calls.at(-1)).toBe('waiting false');
  });

  it('shows at most 200 characters of the last line', async () => {
    const viewer = new Watcher('w');
    const { engine, output } = start([viewer], { limits: { promptIdleMs: 100 }, cols: 300 });
    await expect.poll(output).toContain('ready');
    engine.input(viewer, Buffer.from('L'));
    await expect.poll(() => engine.infoFields()).toEqual({ cols: 300, rows: 24, lastLine: 'Q'.repeat(200) });
  });

  it('shows no last line before the screen was looked at', () => {
    const { engine } = start();
    expect(engine.infoFields()).toEqual({ cols: 80, rows: 24 });
    expect(engine.flow).toEqual({
      chunkUnits: DEFAULT_LIMITS.outputChunkBytes,
      highWatermark: DEFAULT_LIMITS.highWatermarkBytes,
      lowWatermark: DEFAULT_LIMITS.lowWatermarkBytes,
      stalledViewerMs: DEFAULT_LIMITS.stalledViewerMs,
    });
  });

  it('lets output that outruns the screen through, resuming its program each time the screen caught up', async () => {
    const viewer = new Watcher('w');
    // The screen may lag by one byte: every chunk pauses the PTY until the screen took it in.
    const pausedAfterChunk: boolean[] = [];
    const { engine, output } = start([viewer], {
      limits: { screenBacklogBytes: 1 },
      // Right after the engine handled a chunk (before the screen worker can have answered).
      appended: () => queueMicrotask(() => pausedAfterChunk.push(engine.stats().ptyPaused)),
    });
    await expect.poll(output).toContain('ready');
    engine.input(viewer, Buffer.from('B'));
    await expect.poll(output, { timeout: 20_000 }).toContain('done');
    expect(output()).toContain(`<42>${'b'.repeat(300000)}done`);
    expect(pausedAfterChunk.length).toBeGreaterThan(1);
    expect(pausedAfterChunk.every((paused) => paused)).toBe(true);
  });

  it('records the command, title, size and only TERM and SHELL of the environment in the header', async () => {
    const { engine, output, exited } = start([], {
      env: { PATH: process.env.PATH ?? '', TERM: 'xterm-256color', SHELL: '/bin/zsh', API_TOKEN: 'secret' },
    });
    await expect.poll(output).toContain('ready');
    engine.input(new Watcher('w'), Buffer.from('x'));
    await exited;
    await engine.dispose();
    const [head, ...events] = readFileSync(engine.recordingPath, 'utf8').split('\n');
    expect(JSON.parse(head!)).toEqual({
      version: 2,
      width: 80,
      height: 24,
      timestamp: expect.any(Number),
      command: 'keys',
      title: 'keys',
      env: { TERM: 'xterm-256color', SHELL: '/bin/zsh' },
    });
    const recorded = events
      .filter((l) => l !== '')
      .map((l) => (JSON.parse(l) as [number, string, string])[2])
      .join('');
    expect(recorded).toBe(output());
  });
});
