// The server-side screen of a session: a headless xterm.js terminal fed with the session's output. It
// runs in the screen worker (screen-service.ts), parses synchronously, and is fed lazily (lazy-feed.ts):
// plain text is held and the part that scrolls out of reach is never parsed. Whatever it is asked (a
// snapshot, its last lines, a resize) it first parses what it holds, so its answer is exact.

import type { Terminal } from '@xterm/headless';
import xtermHeadless from '@xterm/headless';
import { type FeedTarget, LazyFeed } from './lazy-feed.js';
import type { ScreenTail } from './prompt.js';
import { serializeTerminal, type TrackedModes } from './serialize.js';

const { Terminal: HeadlessTerminal } = xtermHeadless;
const utf8 = new TextEncoder();

/** A snapshot of the screen: escape sequences that rebuild it in a terminal of that size. */
export interface ScreenSnapshot {
  body: Uint8Array;
  cols: number;
  rows: number;
}

/**
 * The parts of xterm.js's internals the screen relies on (version pinned in package.json): synchronous
 * parsing, the parser's state and the scroll region. (While an asynchronous handler holds the parser in the
 * middle of a sequence, the state is that sequence's, never the ground state.) Checked when a screen is made,
 * so that an upgrade that moves them fails loudly in the tests rather than quietly.
 */
interface XtermInternals {
  _core: {
    _writeBuffer: { writeSync(data: Uint8Array): void };
    _inputHandler: { _parser: { currentState: number } };
    _bufferService: { buffer: { scrollTop: number; scrollBottom: number } };
  };
}

function internals(term: Terminal): XtermInternals['_core'] {
  const core = (term as unknown as Partial<XtermInternals>)._core;
  const parser = core?._inputHandler?._parser;
  const buffer = core?._bufferService?.buffer;
  if (
    typeof core?._writeBuffer?.writeSync !== 'function' ||
    typeof parser?.currentState !== 'number' ||
    typeof buffer?.scrollTop !== 'number'
  ) {
    throw new Error('@xterm/headless changed its internals: update cli/src/session/screen.ts');
  }
  return core as XtermInternals['_core'];
}

/** How a LazyFeed feeds `term` (through the internals above). */
export function feedTarget(term: Terminal, scrollbackLines: number): FeedTarget {
  const core = internals(term);
  return {
    parse: (bytes) => core._writeBuffer.writeSync(bytes),
    canDrop: () => {
      const parser = core._inputHandler._parser;
      const buffer = core._bufferService.buffer;
      return parser.currentState === 0 && buffer.scrollTop === 0 && buffer.scrollBottom === term.rows - 1;
    },
    keepLines: () => scrollbackLines + 2 * term.rows + 2,
  };
}

/** A headless terminal that follows a session's output. */
export class Screen {
  private readonly term: Terminal;
  private readonly feed: LazyFeed;
  private readonly modes: TrackedModes = { cursorHidden: false, mouseEncoding: 'default', title: '' };

  /**
   * `onReply` receives the terminal's answers to queries (e.g. cursor position reports); `dropCheckBytes`
   * is the LazyFeed's (tests make it small).
   */
  constructor(
    cols: number,
    rows: number,
    scrollbackLines: number,
    onReply: (data: string) => void,
    dropCheckBytes?: number,
  ) {
    this.term = new HeadlessTerminal({
      cols,
      rows,
      scrollback: scrollbackLines,
      allowProposedApi: true,
      logLevel: 'off',
    });
    this.term.onData(onReply);
    this.term.onTitleChange((title) => {
      this.modes.title = title;
    });
    this.trackPrivateModes();
    this.feed = new LazyFeed(feedTarget(this.term, scrollbackLines), dropCheckBytes);
  }

  /** Current size in cells. */
  get cols(): number {
    return this.term.cols;
  }

  /** Current size in cells. */
  get rows(): number {
    return this.term.rows;
  }

  /** Output bytes held, not parsed yet. */
  get heldBytes(): number {
    return this.feed.heldBytes;
  }

  /** Output bytes never parsed because they scrolled out of reach. */
  get droppedBytes(): number {
    return this.feed.droppedBytes;
  }

  /** Takes output bytes (kept by reference until parsed: do not reuse the array). */
  write(bytes: Uint8Array): void {
    this.feed.write(bytes);
  }

  /** Parses everything held. */
  flush(): void {
    this.feed.flush();
  }

  /** Resizes after the output so far, which is laid out at the old size. */
  resize(cols: number, rows: number): void {
    this.feed.flush();
    if (cols !== this.term.cols || rows !== this.term.rows) this.term.resize(cols, rows);
  }

  /** The screen and scrollback as escape sequences, after all output written so far. */
  snapshot(): ScreenSnapshot {
    this.feed.flush();
    const text = serializeTerminal(this.term, this.modes);
    // TextEncoder: an array of its own (a small Buffer may share a pool), so it can be transferred.
    return { body: utf8.encode(text), cols: this.term.cols, rows: this.term.rows };
  }

  /** The cursor line left of the cursor and the visible lines above it, nearest first (for prompt.ts). */
  tail(): ScreenTail {
    this.feed.flush();
    const buffer = this.term.buffer.active;
    const y = buffer.baseY + buffer.cursorY;
    const cursorLine = buffer.getLine(y)?.translateToString(false, 0, buffer.cursorX) ?? '';
    const above: string[] = [];
    for (let i = y - 1; i >= buffer.baseY; i--) above.push(buffer.getLine(i)?.translateToString(true) ?? '');
    return { cursorLine, above };
  }

  /** Frees the terminal. */
  dispose(): void {
    this.term.dispose();
  }

  /** Tracks DECSET/DECRST modes the public API does not report (the default handlers still run). */
  private trackPrivateModes(): void {
    const track = (set: boolean) => (params: (number | number[])[]) => {
      for (const p of params) {
        if (p === 25) this.modes.cursorHidden = !set;
        else if (p === 1005 || p === 1006 || p === 1015) {
          const encoding = p === 1005 ? 'utf8' : p === 1006 ? 'sgr' : 'urxvt';
          if (set) this.modes.mouseEncoding = encoding;
          else if (this.modes.mouseEncoding === encoding) this.modes.mouseEncoding = 'default';
        }
      }
      return false;
    };
    this.term.parser.registerCsiHandler({ prefix: '?', final: 'h' }, track(true));
    this.term.parser.registerCsiHandler({ prefix: '?', final: 'l' }, track(false));
    const reset = (): boolean => {
      this.modes.cursorHidden = false;
      this.modes.mouseEncoding = 'default';
      return false;
    };
    this.term.parser.registerEscHandler({ final: 'c' }, reset); // RIS
    this.term.parser.registerCsiHandler({ intermediates: '!', final: 'p' }, reset); // DECSTR
  }
}
