// The coalescer between a PTY and the screen, recorder and viewers (session/coalescer.ts), on fake timers:
// when a read goes out at once and when it waits for the window, how chunks are cut at the size limit and at
// UTF-8 character boundaries, and what flush and dispose do with what is pending.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Coalescer, utf8BoundaryBefore } from '../../src/session/coalescer.js';

const WINDOW_MS = 10;

/** A coalescer whose chunks are kept as arrays of byte values (easy to compare). */
function coalescer(maxBytes = 64): { c: Coalescer; chunks: number[][] } {
  const chunks: number[][] = [];
  const c = new Coalescer(WINDOW_MS, maxBytes, (chunk) => chunks.push([...chunk]));
  return { c, chunks };
}

/** A fresh array (its own memory, never side by side with another read). */
const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);
const text = (s: string): number[] => [...new TextEncoder().encode(s)];
const read = (s: string): Uint8Array => new Uint8Array(text(s));

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(1_000_000);
});
afterEach(() => {
  vi.useRealTimers();
});

describe('Coalescer timing', () => {
  it('sends a read after a quiet spell at once and joins the reads that follow it into one chunk a window later', () => {
    const { c, chunks } = coalescer();
    c.push(read('a'));
    expect(chunks).toEqual([text('a')]);
    vi.advanceTimersByTime(2);
    c.push(read('b'));
    vi.advanceTimersByTime(3);
    c.push(read('c'));
    expect(c.pendingBytes).toBe(2);
    // The window counts from the first read that waits (b), not from the last one.
    vi.advanceTimersByTime(WINDOW_MS - 3 - 1);
    expect(chunks).toEqual([text('a')]);
    vi.advanceTimersByTime(1);
    expect(chunks).toEqual([text('a'), text('bc')]);
    expect(c.pendingBytes).toBe(0);
    c.dispose();
  });

  it('counts a read exactly one window after the last chunk as after a quiet spell', () => {
    const { c, chunks } = coalescer();
    c.push(read('a'));
    vi.advanceTimersByTime(WINDOW_MS);
    c.push(read('b'));
    expect(chunks).toEqual([text('a'), text('b')]);
    vi.advanceTimersByTime(WINDOW_MS - 1);
    c.push(read('c'));
    expect(chunks).toEqual([text('a'), text('b')]);
    vi.advanceTimersByTime(WINDOW_MS);
    expect(chunks).toEqual([text('a'), text('b'), text('c')]);
    c.dispose();
  });

  it('sends pending reads at once when they reach the size limit, exactly at it too', () => {
    const { c, chunks } = coalescer(4);
    c.push(read('a'));
    c.push(read('bc'));
    expect(chunks).toEqual([text('a')]);
    c.push(read('de'));
    expect(chunks).toEqual([text('a'), text('bcde')]);
    expect(c.pendingBytes).toBe(0);
    c.dispose();
  });

  it('keeps nothing of an empty read: it neither goes out nor keeps a held-back character waiting', () => {
    const { c, chunks } = coalescer();
    c.push(new Uint8Array(0));
    expect(chunks).toEqual([]);
    c.push(bytes(0x61, 0xe2, 0x82)); // "a" and the first two bytes of "€"
    expect(chunks).toEqual([[0x61]]);
    c.push(new Uint8Array(0));
    vi.advanceTimersByTime(WINDOW_MS);
    // The held bytes go out after one window, as they would without the empty read.
    expect(chunks).toEqual([[0x61], [0xe2, 0x82]]);
    c.dispose();
  });

  it('a flush cancels the waiting window: the next read waits a window of its own', () => {
    const { c, chunks } = coalescer();
    c.push(read('a'));
    vi.advanceTimersByTime(1);
    c.push(read('b'));
    vi.advanceTimersByTime(4);
    c.flush(true);
    expect(chunks).toEqual([text('a'), text('b')]);
    vi.advanceTimersByTime(2);
    c.push(read('c'));
    vi.advanceTimersByTime(WINDOW_MS - 1);
    expect(chunks).toEqual([text('a'), text('b')]);
    vi.advanceTimersByTime(1);
    expect(chunks).toEqual([text('a'), text('b'), text('c')]);
    c.dispose();
  });

  it('dispose drops what is pending and stops the window; reads after it start afresh', () => {
    const { c, chunks } = coalescer();
    c.push(read('a'));
    c.push(read('bc'));
    c.dispose();
    expect(c.pendingBytes).toBe(0);
    vi.advanceTimersByTime(5 * WINDOW_MS);
    expect(chunks).toEqual([text('a')]);
    c.push(read('d'));
    expect(chunks).toEqual([text('a'), text('d')]);
    c.dispose();
  });
});

describe('Coalescer chunks and UTF-8', () => {
  it('joins reads from separate memory by copying them in order', () => {
    const { c, chunks } = coalescer();
    c.push(read('x'));
    c.push(read('hello '));
    c.push(read('world'));
    vi.advanceTimersByTime(WINDOW_MS);
    expect(chunks).toEqual([text('x'), text('hello world')]);
    c.dispose();
  });

  it('holds an incomplete character back from a window chunk and sends it with the read that completes it', () => {
    const { c, chunks } = coalescer();
    c.push(read('x'));
    c.push(bytes(0x61, 0x62, 0xe2, 0x82)); // "ab" and 2 of the 3 bytes of "€"
    vi.advanceTimersByTime(WINDOW_MS);
    expect(chunks).toEqual([text('x'), text('ab')]);
    expect(c.pendingBytes).toBe(2);
    // The rest of "€" and the first 2 of the 4 bytes of "😀" arrive while the held bytes wait.
    c.push(bytes(0xac, 0xf0, 0x9f));
    vi.advanceTimersByTime(WINDOW_MS);
    // "€" is whole now; the new incomplete character is held back again.
    expect(chunks).toEqual([text('x'), text('ab'), text('€')]);
    expect(c.pendingBytes).toBe(2);
    // Nothing more arrives: after one more window the held bytes go out as they are.
    vi.advanceTimersByTime(WINDOW_MS);
    expect(chunks).toEqual([text('x'), text('ab'), text('€'), [0xf0, 0x9f]]);
    expect(c.pendingBytes).toBe(0);
    c.dispose();
  });

  it('flush(true) sends an incomplete character at the end in the same chunk as what precedes it', () => {
    const { c, chunks } = coalescer();
    c.push(read('x'));
    c.push(bytes(0x61, 0x62, 0xe2, 0x82));
    c.flush(true);
    expect(chunks).toEqual([text('x'), [0x61, 0x62, 0xe2, 0x82]]);
    expect(c.pendingBytes).toBe(0);
    vi.advanceTimersByTime(5 * WINDOW_MS);
    expect(chunks).toHaveLength(2);
    c.dispose();
  });

  it('cuts chunks at the size limit before a character that would not fit', () => {
    const { c, chunks } = coalescer(4);
    c.push(read('x'));
    c.push(read('ab€'));
    expect(chunks).toEqual([text('x'), text('ab'), text('€')]);
    c.dispose();
  });

  it('splits a character longer than the size limit rather than stalling', () => {
    const { c, chunks } = coalescer(2);
    c.push(read('€'));
    expect(chunks).toEqual([[0xe2], [0x82, 0xac]]);
    c.dispose();
  });
});

describe('utf8BoundaryBefore', () => {
  it.each([
    ['a complete 2-byte character', [0x61, 0xc3, 0xa9], 3, 3],
    ['the lead of a 2-byte character alone', [0x61, 0xc3], 2, 1],
    ['the lowest 2-byte lead alone', [0xc0], 1, 0],
    ['a 3-byte character missing its last byte', [0xe2, 0x82], 2, 0],
    ['the lowest 3-byte lead and one more byte', [0xe0, 0xa0], 2, 0],
    ['a 4-byte character missing its last byte', [0xf0, 0x9f, 0x98], 3, 0],
    ['the highest 4-byte lead and two more bytes', [0xf7, 0x80, 0x80], 3, 0],
    ['a complete 4-byte character', [0xf0, 0x9f, 0x98, 0x80], 4, 4],
    ['a byte that never starts a character (F8)', [0x61, 0xf8], 2, 2],
    ['a byte that never starts a character (FF)', [0xff], 1, 1],
    ['continuation bytes without a lead', [0x80, 0x80], 2, 2],
  ])('%s', (_name, data, end, boundary) => {
    expect(utf8BoundaryBefore(new Uint8Array(data), end)).toBe(boundary);
  });
});

describe('Coalescer memory', () => {
  it('joins reads as one view only when they lie side by side in the same memory', () => {
    const { c, chunks } = coalescer();
    const first = read('ABCD');
    const second = read('abcd');
    c.push(read('x'));
    // Offsets that would line up, in different memory: copied, each with its own bytes.
    c.push(first.subarray(0, 2));
    c.push(second.subarray(2, 4));
    vi.advanceTimersByTime(WINDOW_MS);
    expect(chunks).toEqual([text('x'), text('ABcd')]);
    c.dispose();
  });

  it('dispose cancels the window it stopped: a read after it waits a window of its own', () => {
    const { c, chunks } = coalescer();
    c.push(read('a'));
    vi.advanceTimersByTime(1);
    c.push(read('b'));
    vi.advanceTimersByTime(1);
    c.dispose();
    vi.advanceTimersByTime(1);
    c.push(read('c'));
    // The disposed window would have ended now.
    vi.advanceTimersByTime(WINDOW_MS - 2);
    expect(chunks).toEqual([text('a')]);
    vi.advanceTimersByTime(2);
    expect(chunks).toEqual([text('a'), text('c')]);
    c.dispose();
  });
});
