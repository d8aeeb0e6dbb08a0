// The asciicast recorder on its own (no PTY, no screen worker): the exact lines it writes, how output is
// gathered into events (by time and by size), what a chunk cut inside a character becomes, and what it
// does after it was closed. Time is fake, so every event's time is known to the microsecond.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type CastHeader, CastRecorder, castHeaderLine, RECORDING_BATCH_MS } from '../../src/session/recorder.js';
import { MemoryLog } from '../fixtures/session-harness.js';

const scratch = mkdtempSync(join(tmpdir(), 'paseo-recorder-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let n = 0;
const file = () => join(scratch, `c${n++}.cast`);
const roomy = { maxBytes: 1024 * 1024, keepFiles: 3, queueBytes: 1024 * 1024 };
/** When every recording here starts (fake time). */
const T = 1_700_000_000_500;
const header: CastHeader = { cols: 80, rows: 24, command: ['sh'], title: 't' };
const HEADER_LINE = '{"version":2,"width":80,"height":24,"timestamp":1700000000,"command":"sh","title":"t"}';

const text = (s: string) => Buffer.from(s, 'utf8');
const lines = (path: string) => readFileSync(path, 'utf8').split('\n').slice(0, -1);
/** The output events of a recording as [seconds, text]. */
const outputs = (path: string) =>
  lines(path)
    .slice(1)
    .map((l) => JSON.parse(l) as [number, string, string])
    .filter((e) => e[1] === 'o')
    .map((e) => [e[0], e[2]] as const);

beforeEach(() => {
  // Date and the batch timer only: the disk's callbacks and vitest's polling keep real time.
  vi.useFakeTimers({ now: T, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('CastRecorder', () => {
  it('writes the header, then one line per event with its time in seconds since the file started', async () => {
    const path = file();
    const rec = new CastRecorder(path, header, roomy, new MemoryLog());
    rec.output(text('early'), T - 5000); // stamped before the file started: at 0, never negative
    rec.output(text('ab'), T);
    rec.output(text('cd'), T + RECORDING_BATCH_MS - 1); // within the batch: the same event
    rec.output(text('ef'), T + RECORDING_BATCH_MS); // a batch later: a new event
    rec.resize(100, 30, T + 1500);
    rec.output(text('"quoted" \\ \n'), T + 2_000_123);
    await rec.close();
    expect(lines(path)).toEqual([
      HEADER_LINE,
      '[0.000000, "o", "early"]',
      '[0.000000, "o", "abcd"]',
      '[0.010000, "o", "ef"]',
      '[1.500000, "r", "100x30"]',
      '[2000.123000, "o", "\\"quoted\\" \\\\ \\n"]',
    ]);
  });

  it('sends an event to the disk once its batch time is over, without waiting for more output', async () => {
    const path = file();
    const rec = new CastRecorder(path, header, roomy, new MemoryLog());
    vi.advanceTimersByTime(250);
    rec.output(text('hello')); // now
    expect(rec.queuedBytes).toBe(5);
    vi.advanceTimersByTime(RECORDING_BATCH_MS);
    await expect.poll(() => lines(path)).toEqual([HEADER_LINE, '[0.250000, "o", "hello"]']);
    expect(rec.queuedBytes).toBe(0);
    await rec.close();
  });

  it('ends an event at a quarter of the size cap: a large chunk becomes several events, small ones join up to it', async () => {
    const path = file();
    // Cap 400 bytes: events of at most 100 bytes.
    const rec = new CastRecorder(path, header, { ...roomy, maxBytes: 400, keepFiles: 9 }, new MemoryLog());
    rec.output(text('a'.repeat(250)), T);
    rec.output(text('b'.repeat(60)), T + 20);
    rec.output(text('c'.repeat(40)), T + 21); // 60 + 40 = 100: still one event
    rec.output(text('d'), T + 22); // one byte more: a new one
    expect(rec.queuedBytes).toBe(251 + 100 + 0); // the d is gathered; a and the b+c event are queued
    await rec.close();
    const all = [path, ...[1, 2, 3, 4, 5, 6, 7, 8].map((i) => `${path}.${i}`)]
      .reverse()
      .filter((f) => {
        try {
          return readFileSync(f).length > 0;
        } catch {
          return false;
        }
      })
      .flatMap((f) => outputs(f).map((e) => e[1]));
    expect(all).toEqual(['a'.repeat(100), 'a'.repeat(100), 'a'.repeat(50), `${'b'.repeat(60)}${'c'.repeat(40)}`, 'd']);
  });

  it('gathers at most 256 KiB in one event, however large its file may grow', async () => {
    const path = file();
    const rec = new CastRecorder(path, header, { ...roomy, maxBytes: 64 * 1024 * 1024 }, new MemoryLog());
    rec.output(Buffer.alloc(600 * 1024, 'z'), T);
    await rec.close();
    expect(outputs(path).map((e) => e[1].length)).toEqual([256 * 1024, 256 * 1024, 88 * 1024]);
  });

  it('records byte by byte when the size cap is tiny', async () => {
    const path = file();
    const rec = new CastRecorder(path, header, { ...roomy, maxBytes: 2, keepFiles: 1 }, new MemoryLog());
    rec.output(text('xyz'), T);
    await rec.close();
    // Each byte became its own event (and file); the last two files are kept.
    expect(outputs(`${path}.1`)).toEqual([[0, 'y']]);
    expect(outputs(path)).toEqual([[0, 'z']]);
  });

  it('keeps every character of a chunk split inside a UTF-8 character, and of one cut across events', async () => {
    const path = file();
    // Events of at most 4 bytes: "€" is 3, so the 9 bytes of "€€€" are split inside characters.
    const rec = new CastRecorder(path, header, { ...roomy, maxBytes: 16 }, new MemoryLog());
    rec.output(text('€€€'), T);
    const euro = text('€');
    rec.output(euro.subarray(0, 1), T + 100); // half a character: no event of its own
    rec.output(euro.subarray(1), T + 200);
    await rec.close();
    const files = [`${path}.3`, `${path}.2`, `${path}.1`, path];
    const events = files.flatMap((f) => {
      try {
        return outputs(f);
      } catch {
        return [];
      }
    });
    expect(events.map((e) => e[1]).join('')).toBe('€€€€');
    expect(events.every((e) => e[1].length > 0)).toBe(true);
    expect(events.map((e) => e[1])).toEqual(['€', '€', '€', '€']);
  });

  it('writes a character cut off at the very end as a replacement character when it closes', async () => {
    const path = file();
    const rec = new CastRecorder(path, header, roomy, new MemoryLog());
    rec.output(text('ok '), T);
    rec.output(text('€').subarray(0, 2), T + 100);
    vi.advanceTimersByTime(3000);
    await rec.close();
    expect(lines(path)).toEqual([HEADER_LINE, '[0.000000, "o", "ok "]', '[3.000000, "o", "\ufffd"]']);
  });

  it('gathers output for the batch time from an event’s first bytes, even after a resize ended the one before', async () => {
    const path = file();
    const rec = new CastRecorder(path, header, roomy, new MemoryLog());
    rec.output(text('a')); // at 0: its event would end at 10 ms
    vi.advanceTimersByTime(5);
    rec.resize(90, 30); // ends it at 5 ms
    vi.advanceTimersByTime(1);
    rec.output(text('b')); // at 6 ms: a new event, gathered until 16 ms
    vi.advanceTimersByTime(6);
    rec.output(text('c')); // at 12 ms: the same event
    vi.advanceTimersByTime(RECORDING_BATCH_MS);
    await rec.close();
    expect(lines(path).slice(1)).toEqual(['[0.000000, "o", "a"]', '[0.005000, "r", "90x30"]', '[0.006000, "o", "bc"]']);
  });

  it('records nothing after close, and a second close changes nothing', async () => {
    const path = file();
    const rec = new CastRecorder(path, header, roomy, new MemoryLog());
    rec.output(text('before'), T);
    await rec.close();
    rec.output(text('after'), T + 50);
    expect(rec.queuedBytes).toBe(0);
    rec.resize(10, 10, T + 60);
    expect(rec.queuedBytes).toBe(0);
    await rec.close();
    expect(lines(path)).toEqual([HEADER_LINE, '[0.000000, "o", "before"]']);
  });
});

describe('castHeaderLine', () => {
  it('quotes each argument of the command for a POSIX shell only when it needs it', () => {
    const line = castHeaderLine(
      { cols: 1, rows: 2, command: ['ab', 'a b', "it's", '', 'x@%+=:,./-_9'], title: 'x', env: { TERM: 'vt100' } },
      132,
      43,
      T,
    );
    expect(line).toBe(
      `{"version":2,"width":132,"height":43,"timestamp":1700000000,"command":"ab 'a b' 'it'\\\\''s' '' x@%+=:,./-_9","title":"x","env":{"TERM":"vt100"}}\n`,
    );
  });
});
