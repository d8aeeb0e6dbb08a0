// The screen worker's side (session/screen-service.ts), driven in this thread: the messages it answers,
// the output it feeds each session's screen and recording, its progress reports and idle flushes, and how
// it reports its own failures.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type CastHeader, castHeaderLine } from '../../src/session/recorder.js';
import { Screen } from '../../src/session/screen.js';
import type { FromScreen, ScreenOpen, ToScreen } from '../../src/session/screen-protocol.js';
import { SCREEN_IDLE_FLUSH_MS, ScreenService } from '../../src/session/screen-service.js';
import { waitFor } from '../fixtures/session-harness.js';

const bytes = (text: string) => new Uint8Array(Buffer.from(text));
const text = (body: Uint8Array) => Buffer.from(body).toString();
const HEADER: CastHeader = { cols: 20, rows: 3, command: ['sh'], title: 'test' };
const START_MS = 1_000_000;

let dir: string | undefined;
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** A service whose answers are collected in `posts` (with the buffers each one transfers). */
function makeService() {
  const posts: { msg: FromScreen; transfer?: ArrayBuffer[] }[] = [];
  const service = new ScreenService((msg, transfer) => posts.push(transfer ? { msg, transfer } : { msg }));
  const sent = (op: FromScreen['op']) => posts.map((p) => p.msg).filter((m) => m.op === op);
  return { service, posts, sent };
}

/** A screen of 20×3 without a recording. */
const plain: ScreenOpen = { cols: 20, rows: 3, scrollbackLines: 10, recording: null };

function tempDir(): string {
  dir ??= mkdtempSync(join(tmpdir(), 'paseo-screen-service-'));
  return dir;
}

/** A screen of 20×3 recording to `path`, created as the main thread creates it (header written, started at START_MS). */
function recorded(path = join(tempDir(), 'rec.cast'), create = true): ScreenOpen {
  const header = castHeaderLine(HEADER, 20, 3, START_MS);
  if (create) writeFileSync(path, header);
  const limits = { maxBytes: 1 << 20, keepFiles: 1, queueBytes: 1 << 20 };
  return {
    ...plain,
    recording: { path, header: HEADER, limits, created: { startMs: START_MS, headerBytes: header.length } },
  };
}

/** The events of a recording file. */
function events(path: string): [number, string, string][] {
  const lines = readFileSync(path, 'utf8').trimEnd().split('\n').slice(1);
  return lines.map((line) => JSON.parse(line) as [number, string, string]);
}

const data = (id: number, parts: string[], ends: number[], times: number[] = ends.map(() => START_MS), record = true) =>
  ({ op: 'data', id, parts: parts.map(bytes), ends, times, record }) satisfies ToScreen;

describe('ScreenService', () => {
  it('answers a snapshot with the screen after the output taken in, its size and offset, transferring the body', () => {
    const { service, posts } = makeService();
    service.handle({ op: 'open', id: 1, open: plain });
    service.handle(data(1, ['hello'], [5]));
    service.handle({ op: 'snapshot', id: 1, req: 7 });
    expect(posts).toHaveLength(1);
    const [{ msg, transfer }] = posts as [{ msg: FromScreen & { op: 'snapshot' }; transfer: ArrayBuffer[] }];
    expect({ ...msg, body: text(msg.body) }).toEqual({
      op: 'snapshot',
      id: 1,
      req: 7,
      seq: 5,
      cols: 20,
      rows: 3,
      body: '\x1bc\x1b[0mhello\r\n\r\n\x1b[0m\x1b[1;6H',
    });
    expect(transfer).toEqual([msg.body.buffer]);
  });

  it('keeps the screen for snapshots after finish, and frees it with its timer at close', () => {
    vi.useFakeTimers();
    const { service, sent } = makeService();
    service.handle({ op: 'open', id: 1, open: plain });
    service.handle({ op: 'finish', id: 1, req: 1 });
    expect(sent('finished')).toEqual([{ op: 'finished', id: 1, req: 1 }]);
    service.handle(data(1, ['late'], [4]));
    service.handle({ op: 'snapshot', id: 1, req: 2 });
    expect(text((sent('snapshot')[0] as FromScreen & { op: 'snapshot' }).body)).toContain('late');
    const dispose = vi.spyOn(Screen.prototype, 'dispose');
    service.handle({ op: 'close', id: 1, req: 3 });
    expect(dispose).toHaveBeenCalledTimes(1);
    expect(sent('closed')).toEqual([{ op: 'closed', id: 1, req: 3 }]);
    expect(vi.getTimerCount()).toBe(1); // the progress report only: no idle flush of a freed screen
    service.handle({ op: 'snapshot', id: 1, req: 4 });
    expect(sent('snapshot')).toHaveLength(1);
  });

  it('takes chunks as one array each or back to back in one array, and records each at its own time', async () => {
    const a = makeService();
    const b = makeService();
    const openA = recorded(join(tempDir(), 'a.cast'));
    const openB = recorded(join(tempDir(), 'b.cast'));
    a.service.handle({ op: 'open', id: 1, open: openA });
    b.service.handle({ op: 'open', id: 1, open: openB });
    const times = [START_MS + 1000, START_MS + 2000, START_MS + 3500];
    a.service.handle(data(1, ['ab'], [2], times.slice(0, 1)));
    a.service.handle(data(1, ['cd', 'ef'], [4, 6], times.slice(1)));
    b.service.handle(data(1, ['ab'], [2], times.slice(0, 1)));
    b.service.handle(data(1, ['cdef'], [4, 6], times.slice(1)));
    // Chunks the recording already has feed the screen only.
    for (const { service } of [a, b]) service.handle(data(1, ['!'], [7], [START_MS + 4000], false));
    for (const { service } of [a, b]) {
      service.handle({ op: 'snapshot', id: 1, req: 1 });
      service.handle({ op: 'finish', id: 1, req: 2 });
    }
    for (const { sent } of [a, b]) {
      const [snap] = sent('snapshot') as (FromScreen & { op: 'snapshot' })[];
      expect(snap!.seq).toBe(7);
      expect(text(snap!.body)).toBe('\x1bc\x1b[0mabcdef!\r\n\r\n\x1b[0m\x1b[1;8H');
      await waitFor('finished', () => sent('finished').length === 1);
      expect(sent('finished')).toEqual([{ op: 'finished', id: 1, req: 2 }]);
    }
    for (const open of [openA, openB]) {
      expect(events(open.recording!.path)).toEqual([
        [1, 'o', 'ab'],
        [2, 'o', 'cd'],
        [3.5, 'o', 'ef'],
      ]);
    }
  });

  it('keeps its offset when a data message brings no chunk', () => {
    const { service, sent } = makeService();
    service.handle({ op: 'open', id: 1, open: plain });
    service.handle(data(1, ['abc'], [3]));
    service.handle(data(1, [], []));
    service.handle({ op: 'snapshot', id: 1, req: 1 });
    expect((sent('snapshot')[0] as FromScreen & { op: 'snapshot' }).seq).toBe(3);
  });

  it('resizes the screen and records the new size', async () => {
    const { service, sent } = makeService();
    const open = recorded();
    service.handle({ op: 'open', id: 1, open });
    service.handle({ op: 'resize', id: 1, cols: 30, rows: 4, atMs: START_MS + 500 });
    service.handle({ op: 'snapshot', id: 1, req: 1 });
    expect(sent('snapshot')[0]).toMatchObject({ cols: 30, rows: 4 });
    service.handle({ op: 'close', id: 1, req: 2 });
    await waitFor('closed', () => sent('closed').length === 1);
    expect(sent('closed')).toEqual([{ op: 'closed', id: 1, req: 2 }]);
    expect(events(open.recording!.path)).toEqual([[0.5, 'r', '30x4']]);
  });

  it('resizes a screen without a recording', () => {
    const { service, posts } = makeService();
    service.handle({ op: 'open', id: 1, open: plain });
    service.handle({ op: 'resize', id: 1, cols: 8, rows: 2, atMs: START_MS });
    service.handle({ op: 'snapshot', id: 1, req: 1 });
    expect(posts.map((p) => p.msg)).toEqual([expect.objectContaining({ op: 'snapshot', cols: 8, rows: 2 })]);
  });

  it('answers a tail request with the cursor line and the lines above it', () => {
    const { service, posts } = makeService();
    service.handle({ op: 'open', id: 3, open: plain });
    service.handle(data(3, ['Continue?\r\n(y/n) '], [17]));
    service.handle({ op: 'tail', id: 3, req: 9 });
    expect(posts.map((p) => p.msg)).toEqual([
      { op: 'tail', id: 3, req: 9, tail: { cursorLine: '(y/n) ', above: ['Continue?'] } },
    ]);
  });

  it("passes on the terminal's replies to queries in the output", () => {
    const { service, posts } = makeService();
    service.handle({ op: 'open', id: 4, open: plain });
    service.handle(data(4, ['ab\x1b[6n'], [6]));
    expect(posts.map((p) => p.msg)).toEqual([{ op: 'reply', id: 4, data: '\x1b[1;3R' }]);
  });

  it('ignores messages for a session it does not have', () => {
    const { service, posts } = makeService();
    for (const msg of [
      data(5, ['x'], [1]),
      { op: 'snapshot', id: 5, req: 1 },
      { op: 'tail', id: 5, req: 2 },
      { op: 'resize', id: 5, cols: 9, rows: 9, atMs: 0 },
      { op: 'finish', id: 5, req: 3 },
      { op: 'close', id: 5, req: 4 },
    ] satisfies ToScreen[]) {
      service.handle(msg);
    }
    expect(posts).toEqual([]);
  });
});

describe('ScreenService progress and idle flush', () => {
  it('reports progress once per session and turn, only when output came in', () => {
    vi.useFakeTimers();
    const { service, sent } = makeService();
    service.handle({ op: 'open', id: 1, open: recorded() });
    service.handle({ op: 'open', id: 2, open: plain });
    service.handle(data(1, ['ab'], [2]));
    service.handle(data(1, ['cde'], [5]));
    service.handle(data(2, ['x\r\n'], [3]));
    expect(sent('progress')).toEqual([]);
    vi.advanceTimersByTime(0);
    expect(sent('progress')).toEqual([
      { op: 'progress', id: 1, seq: 5, recordingQueueBytes: 5, heldBytes: 5 },
      { op: 'progress', id: 2, seq: 3, recordingQueueBytes: 0, heldBytes: 3 },
    ]);
    vi.advanceTimersByTime(0);
    expect(sent('progress')).toHaveLength(2);
    service.handle(data(2, ['y'], [4]));
    vi.advanceTimersByTime(0);
    expect(sent('progress').slice(2)).toEqual([
      { op: 'progress', id: 2, seq: 4, recordingQueueBytes: 0, heldBytes: 4 },
    ]);
  });

  it('parses what it holds once the output has been quiet for SCREEN_IDLE_FLUSH_MS', () => {
    vi.useFakeTimers();
    const { service, sent } = makeService();
    service.handle({ op: 'open', id: 1, open: plain });
    const held = () => (sent('progress').at(-1) as FromScreen & { op: 'progress' }).heldBytes;
    service.handle(data(1, ['abc'], [3]));
    vi.advanceTimersByTime(SCREEN_IDLE_FLUSH_MS - 1);
    expect(held()).toBe(3);
    service.handle(data(1, ['d'], [4])); // output again: the quiet spell starts over
    vi.advanceTimersByTime(SCREEN_IDLE_FLUSH_MS - 1);
    service.handle(data(1, ['e'], [5]));
    vi.advanceTimersByTime(0);
    expect(held()).toBe(5);
    vi.advanceTimersByTime(SCREEN_IDLE_FLUSH_MS);
    service.handle(data(1, ['f'], [6]));
    vi.advanceTimersByTime(0);
    expect(held()).toBe(1);
    vi.advanceTimersByTime(SCREEN_IDLE_FLUSH_MS); // and again after the next quiet spell
    service.handle(data(1, ['g'], [7]));
    vi.advanceTimersByTime(0);
    expect(held()).toBe(1);
  });
});

describe('ScreenService failures', () => {
  it("reports a failed request to its waiter with the error's stack, and goes on", () => {
    const { service, posts } = makeService();
    service.handle({ op: 'open', id: 1, open: plain });
    const spy = vi.spyOn(Screen.prototype, 'snapshot').mockImplementation(() => {
      throw new Error('boom');
    });
    service.handle({ op: 'snapshot', id: 1, req: 6 });
    spy.mockRestore();
    expect(posts).toHaveLength(1);
    const failed = posts[0]!.msg as FromScreen & { op: 'failed' };
    expect(failed).toMatchObject({ op: 'failed', id: 1, req: 6 });
    expect(failed.message).toMatch(/^Error: boom\n\s+at /);
    service.handle({ op: 'snapshot', id: 1, req: 7 });
    expect(posts[1]!.msg).toMatchObject({ op: 'snapshot', id: 1, req: 7 });
  });

  it('reports a failure without a waiter as a warning for the log', () => {
    const { service, posts } = makeService();
    service.handle({ op: 'open', id: 2, open: plain });
    vi.spyOn(Screen.prototype, 'write').mockImplementation(() => {
      throw 'not an Error';
    });
    service.handle(data(2, ['x'], [1]));
    expect(posts.map((p) => p.msg)).toEqual([
      { op: 'warn', id: 2, message: 'The screen of a session failed: not an Error' },
    ]);
  });

  it('passes on a recording that stops, as a warning for the log', async () => {
    const { service, sent } = makeService();
    const path = join(tempDir(), 'gone', 'rec.cast');
    service.handle({ op: 'open', id: 3, open: recorded(path, false) });
    service.handle(data(3, ['x'], [1]));
    service.handle({ op: 'finish', id: 3, req: 1 });
    await waitFor('finished', () => sent('finished').length === 1);
    expect(sent('warn')).toHaveLength(1);
    expect((sent('warn')[0] as FromScreen & { op: 'warn' }).message).toMatch(
      new RegExp(`^Recording ${path} stopped: ENOENT`),
    );
  });
});
