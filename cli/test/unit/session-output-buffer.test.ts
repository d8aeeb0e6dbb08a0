// The recent output of a session (session/output-buffer.ts), addressed by byte offset: which offsets are
// still served after the oldest chunks are dropped, what a read returns at the edges, and that a read
// inside one chunk hands out the appended bytes themselves rather than a copy.
import { describe, expect, it } from 'vitest';
import { OutputBuffer } from '../../src/session/output-buffer.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : new TextDecoder().decode(b));

describe('OutputBuffer', () => {
  it('starts empty: offset 0 is served as no bytes, anything after it is not there yet', () => {
    const buffer = new OutputBuffer(100);
    expect([buffer.startSeq, buffer.endSeq, buffer.size]).toEqual([0, 0, 0]);
    expect(buffer.has(0)).toBe(true);
    expect(text(buffer.read(0, 10))).toBe('');
    expect(buffer.has(1)).toBe(false);
    expect(buffer.read(1, 10)).toBeUndefined();
  });

  it('counts offsets across appends and ignores empty output', () => {
    const buffer = new OutputBuffer(100);
    expect(buffer.append(bytes('hello '))).toBe(6);
    expect(buffer.append(new Uint8Array(0))).toBe(6);
    expect(buffer.append(bytes('world'))).toBe(11);
    expect([buffer.startSeq, buffer.endSeq, buffer.size]).toEqual([0, 11, 11]);
    expect(text(buffer.read(0, 100))).toBe('hello world');
    expect(text(buffer.read(4, 4))).toBe('o wo');
    expect(text(buffer.read(6, 100))).toBe('world');
    expect(text(buffer.read(11, 100))).toBe('');
    expect(text(buffer.read(3, 0))).toBe('');
    expect(text(buffer.read(3, -5))).toBe('');
    expect(buffer.read(12, 1)).toBeUndefined();
  });

  it('drops the oldest chunks while the rest still holds the capacity', () => {
    const buffer = new OutputBuffer(10);
    buffer.append(bytes('aaaaa'));
    buffer.append(bytes('bbbbb'));
    expect([buffer.startSeq, buffer.size]).toEqual([0, 10]);
    // The newer two chunks hold exactly the capacity: the oldest goes.
    buffer.append(bytes('ccccc'));
    expect([buffer.startSeq, buffer.size]).toEqual([5, 10]);
    expect(buffer.has(4)).toBe(false);
    expect(buffer.read(4, 10)).toBeUndefined();
    expect(text(buffer.read(5, 100))).toBe('bbbbbccccc');
    // Up to a chunk more than the capacity is kept rather than keeping less than the capacity.
    buffer.append(bytes('dddd'));
    expect([buffer.startSeq, buffer.size]).toEqual([5, 14]);
    buffer.append(bytes('eeeeeeeeeeee'));
    expect([buffer.startSeq, buffer.endSeq, buffer.size]).toEqual([19, 31, 12]);
    expect(text(buffer.read(19, 100))).toBe('eeeeeeeeeeee');
  });

  it('keeps the latest chunk even when it alone is more than the capacity', () => {
    const buffer = new OutputBuffer(0);
    buffer.append(bytes('first'));
    buffer.append(bytes('second'));
    expect([buffer.startSeq, buffer.endSeq, buffer.size]).toEqual([5, 11, 6]);
    expect(text(buffer.read(5, 100))).toBe('second');
    expect(text(buffer.read(8, 100))).toBe('ond');
  });

  it('hands out the appended bytes themselves for a read inside one chunk, and copies across chunks', () => {
    const buffer = new OutputBuffer(1000);
    const first = bytes('0123456789');
    const second = bytes('abcdefghij');
    buffer.append(first);
    buffer.append(second);
    const sharesMemory = (got: Uint8Array | undefined, chunk: Uint8Array) => got?.buffer === chunk.buffer;
    // Up to the end of the first chunk exactly, from a chunk's start, and the tail of the last chunk.
    expect(sharesMemory(buffer.read(4, 6), first)).toBe(true);
    expect(text(buffer.read(4, 6))).toBe('456789');
    expect(sharesMemory(buffer.read(10, 3), second)).toBe(true);
    expect(text(buffer.read(10, 3))).toBe('abc');
    expect(sharesMemory(buffer.read(15, 100), second)).toBe(true);
    expect(text(buffer.read(15, 100))).toBe('fghij');
    // Across the boundary: a copy of the bytes of both.
    const across = buffer.read(8, 5);
    expect(sharesMemory(across, first) || sharesMemory(across, second)).toBe(false);
    expect(text(across)).toBe('89abc');
  });

  it('finds every offset among thousands of chunks, long after the first ones were dropped', () => {
    const buffer = new OutputBuffer(40);
    const all: string[] = [];
    for (let i = 0; i < 5000; i++) {
      const chunk = `${i % 10}`.repeat((i % 4) + 1);
      all.push(chunk);
      buffer.append(bytes(chunk));
      // What it holds is exactly the span of offsets it serves.
      expect(buffer.endSeq - buffer.startSeq).toBe(buffer.size);
      if (i % 997 === 0 || i > 4990) {
        const joined = all.join('');
        expect(buffer.endSeq).toBe(joined.length);
        expect(buffer.size).toBeGreaterThanOrEqual(Math.min(40, joined.length));
        expect(buffer.size).toBeLessThan(40 + 4);
        for (let from = buffer.startSeq; from <= buffer.endSeq; from++) {
          expect(text(buffer.read(from, 7))).toBe(joined.slice(from, from + 7));
        }
        expect(buffer.read(buffer.startSeq - 1, 7)).toBeUndefined();
      }
    }
  });
});
