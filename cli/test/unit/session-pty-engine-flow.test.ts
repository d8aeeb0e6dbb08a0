// The PTY engine's flow control, memory, what lists show and its recording header (see
// pty-engine-harness.ts): paused while viewers or the screen hold it back, resumed when they let go.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../src/session/limits.js';
import { start, stopEngine, Watcher } from '../fixtures/pty-engine-harness.js';
import { sleep } from '../fixtures/session-harness.js';

afterEach(stopEngine);

describe('PtyEngine: flow and memory', () => {
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
    // Held with no word on when that may change: the engine waits to be told (flowChanged), it does not poll.
    hold.now = { hold: true, recheckInMs: undefined };
    engine.flowChanged();
    const heldAsked = hold.asked;
    await sleep(50); // ample time for a poll (had there been one) to show
    expect(hold.asked).toBe(heldAsked);
    hold.now = { hold: false, recheckInMs: undefined };
    engine.flowChanged();
    expect(engine.stats().ptyPaused).toBe(false);
    const settled = hold.asked;
    engine.flowChanged(); // no longer held: no more asking by itself
    await sleep(50);
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

  it('updates the last line soon after output, without waiting for the program to go quiet', async () => {
    const viewer = new Watcher('w');
    const { engine, output, calls } = start([viewer], { limits: { promptIdleMs: 60_000 } });
    await expect.poll(output).toContain('ready');
    engine.input(viewer, Buffer.from('?'));
    await expect.poll(() => engine.infoFields().lastLine).toBe('Proceed? (y/n)');
    expect(calls).toContain('changed');
    expect(calls).not.toContain('waiting true'); // that needs the quiet spell
  });

  it('shows no last line when the screen is blank', async () => {
    const viewer = new Watcher('w');
    const { engine, output, calls } = start([viewer], { limits: { promptIdleMs: 100 } });
    await expect.poll(output).toContain('ready');
    await expect.poll(() => engine.infoFields().lastLine).toBe('ready');
    engine.input(viewer, Buffer.from('c'));
    await expect.poll(() => engine.infoFields()).toEqual({ cols: 80, rows: 24 });
    expect(calls.at(-1)).toBe('changed');
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
