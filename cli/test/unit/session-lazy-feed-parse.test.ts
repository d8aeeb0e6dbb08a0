// What the lazy feed (session/lazy-feed.ts) hands its terminal, byte for byte and in order: which output is
// text it holds, which is parsed at once, where a held run is cut when it is dropped, which colour sequences
// are replayed for what was dropped, and when it checks. The terminal is a real headless xterm (its parser
// state decides whether dropping is exact); the test only records each parse call on its way there.
import xtermHeadless from '@xterm/headless';
import { describe, expect, it } from 'vitest';
import { LazyFeed, MAX_HELD_BYTES } from '../../src/session/lazy-feed.js';
import { feedTarget } from '../../src/session/screen.js';

const { Terminal } = xtermHeadless;

/** Line feeds a cut needs after it in the terminals below with 2 rows and no scrollback: 2 × 2 + 2. */
const KEEP_LINES = 6;

/**
 * A lazy feed of a terminal 20 columns wide without scrollback (2 rows unless told); `calls` are the parse
 * calls it made, as latin1 strings (one character a byte).
 */
function setup(
  checkBytes: number,
  rows = 2,
): { feed: LazyFeed; calls: string[]; w: (s: string) => void; dispose(): void } {
  const term = new Terminal({ cols: 20, rows, scrollback: 0, allowProposedApi: true, logLevel: 'off' });
  const real = feedTarget(term, 0);
  expect(real.keepLines()).toBe(2 * rows + 2);
  const calls: string[] = [];
  const target = {
    ...real,
    parse: (bytes: Uint8Array) => {
      calls.push(Buffer.from(bytes).toString('latin1'));
      real.parse(bytes);
    },
  };
  const feed = new LazyFeed(target, checkBytes);
  return {
    feed,
    calls,
    w: (s) => feed.write(new Uint8Array(Buffer.from(s, 'latin1'))),
    dispose: () => term.dispose(),
  };
}

/** The UTF-8 bytes of `s` as a latin1 string. */
const utf8 = (s: string): string => Buffer.from(s).toString('latin1');

const NO_CHECK = 1 << 30;

describe('lazy feed: what is text', () => {
  it.each([
    ['printable ASCII from space to tilde', ' Hello, world ~'],
    ['tabs, CR and LF', 'a\tb\r\nc\rd\ne'],
    ['DEL', 'a\x7fb'],
    ['UTF-8 characters of 2, 3 and 4 bytes', utf8('é漢😀')],
    ['a no-break space (C2 A0) and C2 before a byte that is not a C1 control', `${utf8('a\u00a0b')}\xc2\x7f`],
    ['colour sequences (SGR)', 'a\x1b[m\x1b[1;31mb\x1b[4:3mc\x1b[38;5;200md\x1b[0m'],
  ])('holds %s until a flush, then parses it as written', (_name, output) => {
    const { feed, calls, w, dispose } = setup(NO_CHECK);
    w(output);
    expect(calls).toEqual([]);
    expect(feed.heldBytes).toBe(output.length);
    feed.flush();
    expect(calls).toEqual([output]);
    expect(feed.heldBytes).toBe(0);
    dispose();
  });

  it('parses held writes in the order they came, an SGR split between them too', () => {
    const { feed, calls, w, dispose } = setup(NO_CHECK);
    w('ab\x1b');
    w('[3');
    w('1mcd');
    expect(calls).toEqual([]);
    expect(feed.heldBytes).toBe(9);
    feed.flush();
    expect(calls).toEqual(['ab\x1b', '[3', '1mcd']);
    dispose();
  });

  it('ignores an empty write', () => {
    const { feed, calls, w, dispose } = setup(NO_CHECK);
    w('');
    w('ab');
    w('');
    feed.flush();
    expect(calls).toEqual(['ab']);
    dispose();
  });
});

describe('lazy feed: what is parsed at once', () => {
  it.each([
    ['a cursor move', 'ab\x1b[Hcd', ['ab\x1b[H'], 2],
    ['an escape sequence without [', 'ab\x1b7cd', ['ab\x1b7'], 2],
    ['a CSI sequence with a private marker', 'ab\x1b[?25lcd', ['ab\x1b[?', '25lcd'], 0],
    ['backspace', 'ab\x08cd', ['ab\x08'], 2],
    ['NUL', 'ab\x00cd', ['ab\x00'], 2],
    ['BEL', 'ab\x07cd', ['ab\x07'], 2],
    ['the C1 control U+0080 in UTF-8', 'ab\xc2\x80cd', ['ab\xc2\x80'], 2],
    ['a C1 CSI after printable text', 'ab\xc2\x9b2Jcd', ['ab\xc2\x9b', '2Jcd'], 0],
    ['a C1 CSI at the start', '\xc2\x9b2Jcd', ['\xc2\x9b', '2Jcd'], 0],
    ['the C1 control U+009F (APC) in UTF-8', 'ab\xc2\x9fcd', ['ab\xc2\x9f', 'cd'], 0],
    ['the last of several controls', 'a\x1b[Hb\x08c\r\nd', ['a\x1b[Hb\x08'], 4],
    ['a control at the end', 'ab\x1b[H', ['ab\x1b[H'], 0],
  ])('parses output up to %s at once and holds the text after it', (_name, output, parsed, held) => {
    const { feed, calls, w, dispose } = setup(NO_CHECK);
    w(output);
    expect(calls).toEqual(parsed);
    expect(feed.heldBytes).toBe(held);
    feed.flush();
    expect(calls).toEqual(held > 0 ? [...parsed, output.slice(-held)] : parsed);
    dispose();
  });

  it('parses what it held first, then the write with the control', () => {
    const { feed, calls, w, dispose } = setup(NO_CHECK);
    w('one\r\n');
    w('two\x1b[');
    w('3');
    w('Hthree');
    expect(calls).toEqual(['one\r\n', 'two\x1b[', '3', 'H']);
    expect(feed.heldBytes).toBe(5);
    feed.flush();
    expect(calls.at(-1)).toBe('three');
    dispose();
  });

  it('parses text at once while the terminal is inside a string, and holds again once it is out', () => {
    const { feed, calls, w, dispose } = setup(NO_CHECK);
    w('\x1b]0;title\r\n');
    w('more title');
    w('\x07text');
    expect(calls).toEqual(['\x1b]', '0;title\r\n', 'more title', '\x07']);
    expect(feed.heldBytes).toBe(4);
    dispose();
  });

  it('parses text at once while a scroll region is set', () => {
    const { feed, calls, w, dispose } = setup(1, 4);
    w('\x1b[1;3r');
    w('a\r\n'.repeat(20));
    expect(calls).toEqual(['\x1b[1;3r', 'a\r\n'.repeat(20)]);
    expect(feed.droppedBytes).toBe(0);
    dispose();
  });

  it('parses a run of text longer than MAX_HELD_BYTES without line ends', () => {
    const { feed, calls, w, dispose } = setup(NO_CHECK);
    w('a'.repeat(MAX_HELD_BYTES));
    expect(feed.heldBytes).toBe(MAX_HELD_BYTES);
    expect(calls).toEqual([]);
    w('b');
    expect(feed.heldBytes).toBe(0);
    expect(calls.map((c) => c.length)).toEqual([MAX_HELD_BYTES, 1]);
    dispose();
  });
});

/** `n` lines `L0\r\n`, `L1\r\n`, … (4 bytes each while n ≤ 10), one write each. */
const lines = (n: number): string[] => Array.from({ length: n }, (_, i) => `L${i}\r\n`);

describe('lazy feed: where held text is dropped', () => {
  it('drops up to the CR of the last CR LF with enough line feeds after it, and parses the rest', () => {
    const { feed, calls, w, dispose } = setup(1);
    const dropped: number[] = [];
    for (const line of lines(10)) {
      w(line);
      dropped.push(feed.droppedBytes);
    }
    // After line m (1-based) the cut is the CR of line m - 6: 4 bytes a line, the CR 2 into it.
    expect(dropped).toEqual([0, 0, 0, 0, 0, 2, 6, 10, 14, 18]);
    expect(calls).toEqual([]);
    expect(feed.heldBytes).toBe(40 - 18);
    feed.flush();
    expect(calls).toEqual(['\r\n', 'L5\r\n', 'L6\r\n', 'L7\r\n', 'L8\r\n', 'L9\r\n']);
    dispose();
  });

  it('drops whole writes when the cut falls between them', () => {
    const { feed, calls, w, dispose } = setup(1);
    w('L0');
    for (let i = 1; i <= 9; i++) w(`\r\nL${i}`);
    // The cut is the CR that starts the write of L4: 6 line feeds follow it.
    expect(feed.droppedBytes).toBe(14);
    expect(feed.heldBytes).toBe(38 - 14);
    feed.flush();
    expect(calls).toEqual(['\r\nL4', '\r\nL5', '\r\nL6', '\r\nL7', '\r\nL8', '\r\nL9']);
    dispose();
  });

  it('drops in the middle of one write, keeping enough lines after the cut', () => {
    const { feed, calls, w, dispose } = setup(1);
    w(lines(10).join(''));
    expect(feed.droppedBytes).toBe(18);
    feed.flush();
    expect(calls).toEqual(['\r\nL5\r\nL6\r\nL7\r\nL8\r\nL9\r\n']);
    dispose();
  });

  it('looks for a part to drop each time checkBytes more were held, exactly then', () => {
    const { feed, w, dispose } = setup(12);
    const dropped: number[] = [];
    for (const line of lines(10).concat(['La\r\n', 'Lb\r\n'])) {
      w(line);
      dropped.push(feed.droppedBytes);
    }
    // Checks after 12, 24 (drops to the CR of line 0), then 12 more after each drop.
    expect(dropped).toEqual([0, 0, 0, 0, 0, 2, 2, 2, 14, 14, 14, 26]);
    dispose();
  });

  it('never cuts at a bare LF or a bare CR', () => {
    for (const eol of ['\n', '\r']) {
      const { feed, w, dispose } = setup(1);
      for (let i = 0; i < 20; i++) w(`x${eol}`);
      expect(feed.droppedBytes).toBe(0);
      expect(feed.heldBytes).toBe(40);
      dispose();
    }
  });

  it('counts only the lines of the current run: a control starts the count afresh', () => {
    const { feed, w, dispose } = setup(1);
    w('a\r\n'.repeat(5));
    w('\x1b[H');
    w('b\r\n'.repeat(5));
    expect(feed.droppedBytes).toBe(0);
    w('c\r\n');
    // The first cut of the new run (the CR of its first line) has 6 line feeds after it now.
    expect(feed.droppedBytes).toBe(1);
    dispose();
  });

  it('does not count the LF after a flush as a cut: its CR was parsed', () => {
    const { feed, calls, w, dispose } = setup(1);
    w('A\r');
    feed.flush();
    w('\nB\r\n');
    const dropped: number[] = [];
    for (let i = 0; i < 6; i++) {
      w('C\r\n');
      dropped.push(feed.droppedBytes);
    }
    // The first cut is the CR of "B" (offset 4, the run starts at 2), then those of the C lines.
    expect(dropped).toEqual([0, 0, 0, 0, 2, 5]);
    feed.flush();
    expect(calls).toEqual(['A\r', '\r\n', 'C\r\n', 'C\r\n', 'C\r\n', 'C\r\n', 'C\r\n']);
    dispose();
  });
});

describe('lazy feed: the colours of what was dropped', () => {
  it.each([
    ['from the last reset (ESC [ m)', ['\x1b[1m', '\x1b[m', '\x1b[4m'], '\x1b[m\x1b[4m'],
    ['from the last reset (ESC [ 0 m)', ['\x1b[1m', '\x1b[0m', '\x1b[4m'], '\x1b[0m\x1b[4m'],
    ['from a reset followed by more attributes', ['\x1b[1m', '\x1b[0;4m'], '\x1b[0;4m'],
    ['from a reset with an empty first parameter', ['\x1b[1m', '\x1b[;4m'], '\x1b[;4m'],
    ['from the last of several resets', ['\x1b[0m', '\x1b[1m', '\x1b[0m', '\x1b[32m'], '\x1b[0m\x1b[32m'],
    ['all of them when none resets', ['\x1b[38;5;1m', '\x1b[4:3m'], '\x1b[38;5;1m\x1b[4:3m'],
    ['all of them when only the first resets', ['\x1b[m', '\x1b[1m', '\x1b[2m'], '\x1b[m\x1b[1m\x1b[2m'],
    ['a single one', ['\x1b[4m'], '\x1b[4m'],
    ['all of them after bold written as 01', ['\x1b[1m', '\x1b[01m'], '\x1b[1m\x1b[01m'],
    ['all of them after parameter 10 (not a reset)', ['\x1b[1m', '\x1b[10m'], '\x1b[1m\x1b[10m'],
    // Two zeros do reset, but the check looks at 4 bytes only: replaying more is exact all the same.
    ['all of them after a reset with two zeros', ['\x1b[1m', '\x1b[00m', '\x1b[4m'], '\x1b[1m\x1b[00m\x1b[4m'],
  ])('replays the SGR sequences of the dropped text %s', (_name, sgrs, replay) => {
    const { feed, calls, w, dispose } = setup(1);
    // The last SGR ends right at the cut (the CR), so it is dropped too and must be replayed.
    w(`A${sgrs.join('B')}\r\n${'x\r\n'.repeat(5)}`);
    const cut = 1 + sgrs.join('B').length;
    expect(feed.droppedBytes).toBe(cut);
    expect(calls).toEqual([replay]);
    feed.flush();
    expect(calls).toEqual([replay, `\r\n${'x\r\n'.repeat(5)}`]);
    dispose();
  });

  it('replays nothing for dropped text without colours, and not the colours after the cut', () => {
    const { feed, calls, w, dispose } = setup(1);
    w(`A\r\n\x1b[31mx\r\n${'x\r\n'.repeat(4)}`);
    expect(feed.droppedBytes).toBe(1);
    expect(calls).toEqual([]);
    feed.flush();
    expect(calls).toEqual([`\r\n\x1b[31mx\r\n${'x\r\n'.repeat(4)}`]);
    dispose();
  });

  it.each([
    ['a cursor move', ['\x1b[1mA\x1b[H']],
    ['a C1 control', ['\x1b[1mA\xc2\x80']],
    ['a backspace', ['\x1b[1mA\x08']],
    ['a flush', ['\x1b[1mA', 'flush']],
    ['text parsed inside a string', ['\x1b]0;t', '\x1b[1mA']],
  ])('does not replay colours that were parsed before %s', (_name, before) => {
    const { feed, calls, w, dispose } = setup(1);
    for (const step of before) {
      if (step === 'flush') feed.flush();
      else w(step);
    }
    const parsed = calls.length;
    w(`B\r\n${'x\r\n'.repeat(5)}`);
    expect(feed.droppedBytes).toBe(1);
    expect(calls.length).toBe(parsed);
    dispose();
  });

  it('does not replay a reset that comes after the cut', () => {
    const { calls, w, dispose } = setup(1);
    w(`A\x1b[1m\r\n\x1b[0mx\r\n${'x\r\n'.repeat(4)}`);
    expect(calls).toEqual(['\x1b[1m']);
    dispose();
  });

  it('replays at each drop only the colours since the one before, from any held write', () => {
    const { feed, calls, w, dispose } = setup(1);
    for (const line of ['\x1b[1mA\r\n', '\x1b[32mB\r\n', 'x\r\n', 'x\r\n', 'x\r\n', 'x\r\n']) w(line);
    expect(calls).toEqual(['\x1b[1m']);
    w('y\r\n');
    expect(calls).toEqual(['\x1b[1m', '\x1b[32m']);
    expect(feed.droppedBytes).toBe(7 + 6);
    dispose();
  });

  it('replays colour sequences split between writes whole', () => {
    const { calls, w, dispose } = setup(1);
    for (const part of ['A\x1b[1mB\x1b', '[', '0', 'm', 'C\x1b[4', 'mD\r\n']) w(part);
    for (let i = 0; i < 5; i++) w('x\r\n');
    expect(calls).toEqual(['\x1b[0m\x1b[4m']);
    dispose();
  });

  it('drops and replays exactly through a long flood (70,000 lines: its records are compacted on the way)', () => {
    const { feed, calls, w, dispose } = setup(1);
    const line = '\x1b[1mx\r\n';
    const block = line.repeat(1000);
    for (let n = 1; n <= 70; n++) {
      w(block);
      const lines = 1000 * n;
      // The cut is the CR of line `lines - 6`; every line up to it had its SGR dropped.
      expect(feed.droppedBytes).toBe(line.length * (lines - KEEP_LINES) + 5);
      expect(calls).toHaveLength(n);
      expect(calls.at(-1)).toBe('\x1b[1m'.repeat(n === 1 ? 1000 - KEEP_LINES + 1 : 1000));
    }
    dispose();
  });
});

describe('lazy feed: sequences that only look like colours', () => {
  it.each([
    ['an intermediate byte (cursor style, ESC [ 2 SP q)', 'ab\x1b[2 qcd', ['ab\x1b[2 ', 'qcd']],
    ['an intermediate byte before m', 'ab\x1b[1$mcd', ['ab\x1b[1$', 'mcd']],
  ])('parses a CSI sequence with %s at once', (_name, output, parsed) => {
    const { feed, calls, w, dispose } = setup(NO_CHECK);
    w(output);
    expect(calls).toEqual(parsed);
    expect(feed.heldBytes).toBe(0);
    dispose();
  });
});
