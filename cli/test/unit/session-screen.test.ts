// The pieces of the session core without a PTY: the output buffer, the coalescer, the prompt heuristic
// and the screen serializer (a snapshot replayed into a fresh terminal must give the same screen).

import xtermHeadless from '@xterm/headless';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Coalescer, utf8BoundaryBefore } from '../../src/session/coalescer.js';
import { OutputBuffer } from '../../src/session/output-buffer.js';
import { lastLineOf, looksLikeQuestion, pendingQuestion } from '../../src/session/prompt.js';
import { Screen } from '../../src/session/screen.js';
import { waitFor } from '../fixtures/session-harness.js';
import { cells, write } from '../fixtures/terminal-cells.js';

const { Terminal: HeadlessTerminal } = xtermHeadless;

describe('OutputBuffer', () => {
  it('serves exactly the bytes after any kept offset and forgets the oldest beyond its capacity', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 300 }), { maxLength: 60 }),
        fc.integer({ min: 1, max: 2000 }),
        (sizes, capacity) => {
          const buffer = new OutputBuffer(capacity);
          const all: number[] = [];
          for (const size of sizes) {
            const chunk = Uint8Array.from({ length: size }, (_, i) => (all.length + i) & 0xff);
            all.push(...chunk);
            buffer.append(chunk);
          }
          expect(buffer.endSeq).toBe(all.length);
          expect(buffer.size).toBeLessThanOrEqual(capacity + 300);
          expect(buffer.endSeq - buffer.startSeq).toBeGreaterThanOrEqual(Math.min(capacity, all.length));
          for (let from = 0; from <= all.length; from += 7) {
            const got = buffer.read(from, 150);
            if (from < buffer.startSeq) expect(got).toBeUndefined();
            else expect([...got!]).toEqual(all.slice(from, from + 150));
          }
          expect(buffer.read(all.length + 1, 10)).toBeUndefined();
        },
      ),
      { numRuns: 80 },
    );
  });
});

describe('Coalescer', () => {
  it('joins small reads, caps chunk size and never splits a UTF-8 character', async () => {
    const chunks: Uint8Array[] = [];
    const c = new Coalescer(5, 8, (chunk) => chunks.push(chunk));
    const text = 'ab€cd😀ef';
    const data = Buffer.from(text.repeat(3));
    for (let i = 0; i < data.length; i += 3) c.push(data.subarray(i, i + 3));
    await waitFor('all chunks', () => Buffer.concat(chunks).length === data.length);
    expect(Buffer.concat(chunks).toString()).toBe(text.repeat(3));
    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(8);
      expect(Buffer.from(chunk).toString()).not.toContain('\ufffd');
    }
    // A lone lead byte is held for one window at most, then sent anyway.
    chunks.length = 0;
    c.push(Buffer.from([0x41, 0xe2]));
    await waitFor('held byte', () => Buffer.concat(chunks).length === 2);
    expect(Buffer.concat(chunks)).toEqual(Buffer.from([0x41, 0xe2]));
    c.dispose();
  });

  it('joins reads that lie side by side as a view of their memory, and copies the others', () => {
    const chunks: Uint8Array[] = [];
    const c = new Coalescer(1000, 64, (chunk) => chunks.push(chunk));
    const slab = Buffer.from('0123456789abcdefghij');
    c.push(slab.subarray(0, 2)); // after a quiet spell: out at once
    c.push(slab.subarray(2, 4));
    c.push(slab.subarray(4, 10));
    c.flush(true);
    expect(chunks.map((x) => Buffer.from(x).toString())).toEqual(['01', '23456789']);
    expect(chunks[1]!.buffer).toBe(slab.buffer); // no copy
    expect(chunks[1]!.byteOffset).toBe(slab.byteOffset + 2);
    c.push(slab.subarray(12, 14));
    c.push(slab.subarray(10, 12)); // not after the one before: copied, in the order pushed
    c.flush(true);
    expect(Buffer.from(chunks[2]!).toString()).toBe('cdab');
    expect(chunks[2]!.buffer).not.toBe(slab.buffer);
    // A held-back partial character stays a view too, and the read after it joins it.
    const euro = Buffer.from('x€y'); // 78 e2 82 ac 79
    c.push(euro.subarray(0, 2));
    c.flush(false);
    expect(Buffer.from(chunks[3]!).toString()).toBe('x');
    c.push(euro.subarray(2, 5));
    c.flush(true);
    expect(Buffer.from(chunks[4]!).toString()).toBe('€y');
    expect(chunks[4]!.buffer).toBe(euro.buffer);
    c.dispose();
  });

  it('finds UTF-8 boundaries', () => {
    const euro = Buffer.from('a€'); // 61 e2 82 ac
    expect(utf8BoundaryBefore(euro, 4)).toBe(4);
    expect(utf8BoundaryBefore(euro, 3)).toBe(1);
    expect(utf8BoundaryBefore(euro, 2)).toBe(1);
    expect(utf8BoundaryBefore(euro, 1)).toBe(1);
    expect(utf8BoundaryBefore(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80]), 5)).toBe(5);
  });
});

describe('waitingForInput heuristic: a likely question, not any prompt', () => {
  it.each([
    ['Do you want to continue? ', true],
    ['Overwrite file.txt (y/n) ', true],
    ['Apply changes? [Y/n]: ', true],
    ['Proceed [yes/no]', true],
    ['[sudo] password for ana: ', true],
    ['Enter passphrase for key: ', true],
    ['user@host:~/code$ ', false],
    ['│ > ', false],
    ['>>> ', false],
    ['❯ ', false],
    ['Compiling 3 files', false],
    ['', false],
    ['Done.', false],
    ['a->b', false],
  ])('%j → %s', (text, expected) => {
    expect(looksLikeQuestion(text)).toBe(expected);
  });

  const tail = (cursorLine: string, ...above: string[]) => ({ cursorLine, above });

  it('finds the question above an empty input box, but not above a shell prompt', () => {
    // An agent asked, then waits in its input box (the cursor sits in "│ > ").
    expect(
      pendingQuestion(tail('│ > ', '╭──────────────╮', '', 'Shall I also update the tests?', 'I fixed the bug.')),
    ).toBe('Shall I also update the tests?');
    // An idle shell after output that happened to end in "?": not a question to anyone.
    expect(pendingQuestion(tail('user@host:~$ ', 'really?'))).toBeUndefined();
    expect(pendingQuestion(tail('> ', 'Compiling…'))).toBeUndefined();
  });

  it('finds the question of a numbered choice with a pointer', () => {
    expect(
      pendingQuestion(
        tail('', '│   2. No              │', '│ ❯ 1. Yes             │', '│ Do you want to edit app.ts? │'),
      ),
    ).toBe('Do you want to edit app.ts?');
  });

  it('shows the question, else the last line of text, on the card', () => {
    expect(lastLineOf(tail('Proceed? (y/n) ', 'Deleting 3 files'))).toBe('Proceed? (y/n)');
    expect(lastLineOf(tail('user@host:~$ ', 'done'))).toBe('user@host:~$');
    expect(lastLineOf(tail('', '', '│ Tests passed: 12 │', ''))).toBe('Tests passed: 12');
    expect(lastLineOf(tail('', ''))).toBeUndefined();
  });
});

async function roundTrip(
  input: string,
  cols = 20,
  rows = 6,
): Promise<{ original: string[]; copy: string[]; body: string }> {
  const screen = new Screen(cols, rows, 50, () => {});
  screen.write(Buffer.from(input));
  const snap = screen.snapshot();
  const original = new HeadlessTerminal({ cols, rows, scrollback: 50, allowProposedApi: true });
  await write(original, input);
  const copy = new HeadlessTerminal({ cols: snap.cols, rows: snap.rows, scrollback: 50, allowProposedApi: true });
  await write(copy, 'some junk that the snapshot must clear\r\n\x1b[31mred');
  await write(copy, Buffer.from(snap.body).toString());
  // Output that follows the snapshot lands in the same place (e.g. wraps when a wrap was pending).
  for (const term of [original, copy]) await write(term, '\x1b[0mZ');
  const result = { original: cells(original), copy: cells(copy), body: Buffer.from(snap.body).toString() };
  original.dispose();
  copy.dispose();
  screen.dispose();
  return result;
}

describe('screen snapshots', () => {
  it.each([
    ['plain lines and scrollback', Array.from({ length: 15 }, (_, i) => `line ${i}`).join('\r\n')],
    [
      'colours and attributes',
      '\x1b[1;31mbold red\x1b[0m \x1b[3;4;38;5;200mital\x1b[0m\r\n\x1b[48;2;1;2;3m rgb bg \x1b[7minv\x1b[0m',
    ],
    ['wrapped long lines', `${'abcdefghij'.repeat(5)}\r\nshort\r\n${'x'.repeat(20)}y`],
    ['wide characters', '漢字テキスト😀 wide\r\n1234567890123456789漢next'],
    ['erase with background colour', '\x1b[44m\x1b[2K\x1b[0mtext\r\n\x1b[42mgreen line\x1b[K\x1b[0m'],
    ['alternate screen', 'shell output\r\nmore\r\n\x1b[?1049h\x1b[H\x1b[33mfull screen app\x1b[5;3Hthere'],
    ['cursor in the middle', 'hello\r\nworld\x1b[1;3H'],
    ['a wrap pending at the right edge', `${'r'.repeat(19)}\x1b[32ms`],
    ['a wide character at the right edge', `${'r'.repeat(18)}漢`],
  ])('reproduces %s', async (_name, input) => {
    const { original, copy } = await roundTrip(input);
    expect(copy).toEqual(original);
  });

  it('restores input modes, hidden cursor and title', async () => {
    const { body } = await roundTrip('\x1b[?1h\x1b[?2004h\x1b[?1002h\x1b[?1006h\x1b[?25l\x1b]2;my title\x07text');
    for (const seq of ['\x1b[?1h', '\x1b[?2004h', '\x1b[?1002h', '\x1b[?1006h', '\x1b[?25l', '\x1b]2;my title\x07']) {
      expect(body).toContain(seq);
    }
  });

  it('reproduces random screens', async () => {
    const piece = fc.oneof(
      fc.constantFrom('a', 'bc', 'hello ', '漢', '😀', 'é', ' '),
      fc.constantFrom('\r\n', '\r', '\n', '\x1b[31m', '\x1b[0m', '\x1b[1;44m', '\x1b[38;2;9;8;7m', '\x1b[K', '\x1b[2J'),
      fc.constantFrom('\x1b[H', '\x1b[3;5H', '\x1b[2A', '\x1b[4C', '\x1b[7m', '\x1b[?1049h', '\x1b[?1049l', '\t'),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { maxLength: 80 }), async (pieces) => {
        const { original, copy } = await roundTrip(pieces.join(''), 12, 5);
        expect(copy).toEqual(original);
      }),
      { numRuns: Number(process.env.SNAPSHOT_RUNS ?? 150) },
    );
  });
});
