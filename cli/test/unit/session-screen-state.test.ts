// The headless screen of a session (session/screen.ts) on its own: its size, what it holds and drops, the
// lines it gives the prompt heuristic, its replies to queries, and the xterm.js internals it relies on.

import type { Terminal } from '@xterm/headless';
import xtermHeadless from '@xterm/headless';
import { describe, expect, it } from 'vitest';
import { feedTarget, Screen } from '../../src/session/screen.js';

const { Terminal: HeadlessTerminal } = xtermHeadless;
const bytes = (text: string) => Buffer.from(text);

function screenWith(output: string, cols = 10, rows = 3): Screen {
  const screen = new Screen(cols, rows, 5, () => {});
  screen.write(bytes(output));
  return screen;
}

describe('Screen', () => {
  it('has the size it was made with, and each new size given', () => {
    const screen = new Screen(10, 3, 5, () => {});
    expect([screen.cols, screen.rows]).toEqual([10, 3]);
    screen.resize(12, 3);
    expect([screen.cols, screen.rows]).toEqual([12, 3]);
    screen.resize(12, 5);
    expect([screen.cols, screen.rows]).toEqual([12, 5]);
    screen.resize(12, 5);
    expect([screen.cols, screen.rows]).toEqual([12, 5]);
    const snap = screen.snapshot();
    expect([snap.cols, snap.rows]).toEqual([12, 5]);
    screen.dispose();
  });

  it('holds plain text until asked, and parses it before a flush, a resize, a snapshot or a tail', () => {
    const screen = screenWith('abc', 20);
    expect(screen.heldBytes).toBe(3);
    screen.flush();
    expect(screen.heldBytes).toBe(0);
    for (const ask of [
      () => screen.resize(20, 3),
      () => screen.resize(21, 3),
      () => screen.snapshot(),
      () => screen.tail(),
    ]) {
      screen.write(bytes('def'));
      expect(screen.heldBytes).toBe(3);
      ask();
      expect(screen.heldBytes).toBe(0);
    }
    expect(screen.tail().cursorLine).toBe('abcdefdefdefdef');
    screen.dispose();
  });

  it('lays out the output so far at the old size when resized', () => {
    // "x" (held) lands in column 8 of 10 and is cut off when the screen narrows to 5 columns (parsed after the
    // resize, it would have landed in column 5).
    const screen = screenWith('ab\x1b[1;8Hx');
    expect(screen.heldBytes).toBe(1);
    screen.resize(5, 3);
    expect(screen.tail()).toEqual({ cursorLine: 'ab  ', above: [] });
    screen.dispose();
  });

  it('drops text that scrolled out of reach unparsed, and its snapshot is the one a full parse gives', () => {
    const output = `abc${Array.from({ length: 20 }, (_, i) => `L${i}\r\n`).join('')}`;
    const lazy = new Screen(10, 3, 2, () => {}, 16);
    const full = new Screen(10, 3, 2, () => {});
    lazy.write(bytes(output));
    full.write(bytes(output));
    // Kept: the text after the CR that 10 line feeds follow (scrollback 2 + twice 3 rows + 2), from "\r\nL11".
    expect(lazy.droppedBytes).toBe(output.indexOf('\r\nL11'));
    expect(full.droppedBytes).toBe(0);
    expect(Buffer.from(lazy.snapshot().body).toString()).toBe(Buffer.from(full.snapshot().body).toString());
    lazy.dispose();
    full.dispose();
  });

  it('gives the cursor line up to the cursor, spaces included, and the visible lines above it, nearest first and trimmed', () => {
    const screen = screenWith('one\r\ntwo\r\nthree\r\n\r\nProceed?  ');
    expect(screen.tail()).toEqual({ cursorLine: 'Proceed?  ', above: ['', 'three'] });
    screen.write(bytes('\x1b[2;3H'));
    expect(screen.tail()).toEqual({ cursorLine: '  ', above: ['three'] });
    screen.write(bytes('\x1b[1;3H'));
    expect(screen.tail()).toEqual({ cursorLine: 'th', above: [] });
    screen.dispose();
  });

  it('answers queries in the output, e.g. the cursor position, until it is disposed', () => {
    const replies: string[] = [];
    const screen = new Screen(10, 3, 5, (data) => replies.push(data));
    screen.write(bytes('ab\r\ncde\x1b[6n'));
    expect(replies).toEqual(['\x1b[2;4R']);
    screen.dispose();
    screen.write(bytes('\x1b[6n'));
    expect(replies).toEqual(['\x1b[2;4R']);
  });
});

describe('feedTarget: the xterm.js internals the screen relies on', () => {
  it('parses into the terminal at once and keeps the scrollback, twice the rows and two more lines', () => {
    const term = new HeadlessTerminal({ cols: 10, rows: 3, scrollback: 7, allowProposedApi: true });
    const target = feedTarget(term, 7);
    target.parse(bytes('hi'));
    expect(term.buffer.active.getLine(0)?.translateToString(true)).toBe('hi');
    expect(target.keepLines()).toBe(7 + 2 * 3 + 2);
    term.resize(10, 8);
    expect(target.keepLines()).toBe(7 + 2 * 8 + 2);
    term.dispose();
  });

  it('lets text be dropped only in the ground state with the whole screen as scroll region', () => {
    const term = new HeadlessTerminal({ cols: 10, rows: 3, allowProposedApi: true });
    const target = feedTarget(term, 0);
    expect(target.canDrop()).toBe(true);
    target.parse(bytes('\x1b[3')); // in the middle of a CSI sequence
    expect(target.canDrop()).toBe(false);
    target.parse(bytes('1m'));
    expect(target.canDrop()).toBe(true);
    target.parse(bytes('\x1b[2;3r')); // scroll region below the top line
    expect(target.canDrop()).toBe(false);
    target.parse(bytes('\x1b[1;2r')); // scroll region above the bottom line
    expect(target.canDrop()).toBe(false);
    target.parse(bytes('\x1b[r'));
    expect(target.canDrop()).toBe(true);
    term.resize(10, 5); // the region follows the new size
    expect(target.canDrop()).toBe(true);
    // An asynchronous handler (e.g. an image addon's) holds the parser in the middle of its sequence. The
    // parser takes a handler that returns a promise, although the headless build's typings do not say so.
    let release = (_handled: boolean) => {};
    const pending = () => new Promise<boolean>((resolve) => (release = resolve));
    term.parser.registerCsiHandler({ final: 'z' }, pending as unknown as () => boolean);
    target.parse(bytes('\x1b[z'));
    expect(target.canDrop()).toBe(false);
    release(true);
    term.dispose();
  });

  /** Internals shaped like those of the pinned xterm.js, with `change` applied to them. */
  function internals(change: (core: Record<string, Record<string, unknown>>) => void): Terminal {
    const core = {
      _writeBuffer: { writeSync: () => {} },
      _inputHandler: { _parser: { currentState: 0 } },
      _bufferService: { buffer: { scrollTop: 0, scrollBottom: 2 } },
    };
    change(core as unknown as Record<string, Record<string, unknown>>);
    return { _core: core, rows: 3 } as unknown as Terminal;
  }

  it.each([
    ['no internals at all', () => ({}) as Terminal],
    ['no write buffer', () => internals((c) => delete c._writeBuffer)],
    ['no synchronous write', () => internals((c) => delete c._writeBuffer!.writeSync)],
    ['no input handler', () => internals((c) => delete c._inputHandler)],
    [
      'no parser state',
      () => internals((c) => delete (c._inputHandler!._parser as { currentState?: number }).currentState),
    ],
    ['no buffer service', () => internals((c) => delete c._bufferService)],
    ['no scroll region', () => internals((c) => delete (c._bufferService!.buffer as { scrollTop?: number }).scrollTop)],
  ])('refuses a terminal with %s, naming the file to update', (_name, make) => {
    expect(() => feedTarget(make(), 0)).toThrow(
      '@xterm/headless changed its internals: update cli/src/session/screen.ts',
    );
  });

  it('takes internals shaped like those of the pinned version', () => {
    expect(
      feedTarget(
        internals(() => {}),
        0,
      ).canDrop(),
    ).toBe(true);
  });
});
