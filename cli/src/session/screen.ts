// The server-side screen of a session: a headless xterm.js terminal fed with the same output bytes the
// viewers get. It parses asynchronously; we track how far it got (parsedSeq) and how much is still
// queued (backlogBytes), so a snapshot is always "the screen after byte parsedSeq".

import type { Terminal } from '@xterm/headless';
import xtermHeadless from '@xterm/headless';
import type { ScreenTail } from './prompt.js';
import { serializeTerminal, type TrackedModes } from './serialize.js';

const { Terminal: HeadlessTerminal } = xtermHeadless;
const EMPTY = new Uint8Array(0);

/** A snapshot of the screen: escape sequences (body) valid after output byte `seq`. */
export interface ScreenSnapshot {
  body: Uint8Array;
  seq: number;
  cols: number;
  rows: number;
}

/** A headless terminal that follows a session's output. */
export class Screen {
  private readonly term: Terminal;
  private backlog = 0;
  private parsed = 0;
  private readonly modes: TrackedModes = { cursorHidden: false, mouseEncoding: 'default', title: '' };

  /** `onReply` receives the terminal's answers to queries (e.g. cursor position reports). */
  constructor(cols: number, rows: number, scrollbackLines: number, onReply: (data: string) => void) {
    this.term = new HeadlessTerminal({ cols, rows, scrollback: scrollbackLines, allowProposedApi: true });
    this.term.onData(onReply);
    this.term.onTitleChange((title) => {
      this.modes.title = title;
    });
    this.trackPrivateModes();
  }

  /** Bytes written but not parsed yet. */
  get backlogBytes(): number {
    return this.backlog;
  }

  /** Output offset the screen reflects. */
  get parsedSeq(): number {
    return this.parsed;
  }

  /** Current size in cells (can lag a resize that waits behind unparsed output). */
  get cols(): number {
    return this.term.cols;
  }

  /** Current size in cells. */
  get rows(): number {
    return this.term.rows;
  }

  /** Queues output bytes that end at offset `endSeq`; `onParsed` runs once they are parsed. */
  write(bytes: Uint8Array, endSeq: number, onParsed?: () => void): void {
    this.backlog += bytes.length;
    this.term.write(bytes, () => {
      this.backlog -= bytes.length;
      this.parsed = endSeq;
      onParsed?.();
    });
  }

  /** Resizes after the output queued so far, so earlier output is laid out at the old size. */
  resize(cols: number, rows: number): void {
    this.whenParsed(() => {
      if (cols !== this.term.cols || rows !== this.term.rows) this.term.resize(cols, rows);
    });
  }

  /** Runs `fn` once everything queued so far is parsed. */
  whenParsed(fn: () => void): void {
    this.term.write(EMPTY, fn);
  }

  /** The screen and scrollback as escape sequences, valid after output byte `seq`. */
  snapshot(): ScreenSnapshot {
    const text = serializeTerminal(this.term, this.modes);
    return { body: Buffer.from(text, 'utf8'), seq: this.parsed, cols: this.term.cols, rows: this.term.rows };
  }

  /** The cursor line left of the cursor and the visible lines above it, nearest first (for prompt.ts). */
  tail(): ScreenTail {
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
