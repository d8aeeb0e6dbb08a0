// Serializes a headless xterm.js terminal (its buffers, through the public buffer API) into escape
// sequences that rebuild the same screen and scrollback in a terminal of the same size: cells with their
// SGR attributes, wrapped lines, the alternate screen, the cursor, and the input modes apps rely on.
import type { IBuffer, IBufferCell, IBufferLine, Terminal } from '@xterm/headless';

/** Terminal state the buffer API does not expose, tracked from the output (see screen.ts). */
export interface TrackedModes {
  cursorHidden: boolean;
  /** Mouse report encoding set with DECSET 1005/1006/1015. */
  mouseEncoding: 'default' | 'utf8' | 'sgr' | 'urxvt';
  title: string;
}

const ESC = '\x1b';
const CSI = '\x1b[';

/** Escape sequences that turn a fresh terminal of the same size into a copy of `term`. */
export function serializeTerminal(term: Terminal, modes: TrackedModes): string {
  const out: string[] = [`${ESC}c`]; // RIS: start from a clean terminal (clears screen, scrollback, modes)
  const normal = term.buffer.normal;
  const cell = normal.getNullCell();
  serializeLines(normal, term.cols, cell, out);
  if (term.buffer.active.type === 'alternate') {
    out.push(`${CSI}0m`, cursorTo(normal, term.cols));
    out.push(`${CSI}?1049h${CSI}H`); // saves the cursor above, switches to a cleared alternate screen
    serializeLines(term.buffer.alternate, term.cols, cell, out);
  }
  out.push(`${CSI}0m`);
  out.push(serializeModes(term, modes));
  out.push(cursorTo(term.buffer.active, term.cols));
  return out.join('');
}

function serializeLines(buffer: IBuffer, cols: number, cell: IBufferCell, out: string[]): void {
  let sgr = '';
  const length = buffer.length;
  for (let y = 0; y < length; y++) {
    const line = buffer.getLine(y);
    if (!line) continue;
    const wrapsIntoNext = buffer.getLine(y + 1)?.isWrapped ?? false;
    // A wrapped continuation line gets at least one cell, or the wrap (and its isWrapped flag) is lost.
    const end = wrapsIntoNext ? cols : Math.max(contentEnd(line, cols, cell), line.isWrapped ? 1 : 0);
    for (let x = 0; x < end; x++) {
      if (!line.getCell(x, cell)) break;
      const width = cell.getWidth();
      if (width === 0) continue; // second half of a wide character
      const next = sgrOf(cell);
      if (next !== sgr) {
        out.push(next);
        sgr = next;
      }
      out.push(cell.getChars() || ' ');
    }
    if (y < length - 1 && !wrapsIntoNext) {
      if (sgr !== '' && sgr !== DEFAULT_SGR) {
        out.push(DEFAULT_SGR); // new lines must not pick up a background colour
        sgr = DEFAULT_SGR;
      }
      out.push('\r\n');
    }
  }
}

/**
 * Index after the last cell that is not a default-looking blank (after a wide character's first half: its
 * second half is skipped anyway).
 */
function contentEnd(line: IBufferLine, cols: number, cell: IBufferCell): number {
  for (let x = Math.min(line.length, cols) - 1; x >= 0; x--) {
    if (!line.getCell(x, cell)) continue;
    const chars = cell.getChars();
    const blank =
      (chars === '' || chars === ' ') &&
      cell.isBgDefault() &&
      !cell.isInverse() &&
      !cell.isUnderline() &&
      !cell.isStrikethrough() &&
      !cell.isOverline();
    if (!blank) return x + 1;
  }
  return 0;
}

const DEFAULT_SGR = `${CSI}0m`;

/** The SGR sequence that sets exactly the attributes of `cell` (from a reset). */
function sgrOf(cell: IBufferCell): string {
  const params: string[] = ['0'];
  if (cell.isBold()) params.push('1');
  if (cell.isDim()) params.push('2');
  if (cell.isItalic()) params.push('3');
  if (cell.isUnderline()) params.push('4');
  if (cell.isBlink()) params.push('5');
  if (cell.isInverse()) params.push('7');
  if (cell.isInvisible()) params.push('8');
  if (cell.isStrikethrough()) params.push('9');
  if (cell.isOverline()) params.push('53');
  if (cell.isFgPalette()) params.push(paletteColor(cell.getFgColor(), 30, 90, 38));
  else if (cell.isFgRGB()) params.push(rgbColor(cell.getFgColor(), 38));
  if (cell.isBgPalette()) params.push(paletteColor(cell.getBgColor(), 40, 100, 48));
  else if (cell.isBgRGB()) params.push(rgbColor(cell.getBgColor(), 48));
  return `${CSI}${params.join(';')}m`;
}

function paletteColor(color: number, base: number, brightBase: number, extended: number): string {
  if (color < 8) return String(base + color);
  if (color < 16) return String(brightBase + color - 8);
  return `${extended};5;${color}`;
}

function rgbColor(color: number, extended: number): string {
  return `${extended};2;${(color >> 16) & 0xff};${(color >> 8) & 0xff};${color & 0xff}`;
}

function cursorTo(buffer: IBuffer, cols: number): string {
  if (buffer.cursorX < cols) return `${CSI}${buffer.cursorY + 1};${buffer.cursorX + 1}H`;
  // The cursor is past the last column (a wrap is pending): rewrite the last character so the next one wraps.
  const line = buffer.getLine(buffer.baseY + buffer.cursorY);
  const cell = buffer.getNullCell();
  let x = cols - 1;
  if (line?.getCell(x, cell) && cell.getWidth() === 0 && x > 0) x--;
  if (!line?.getCell(x, cell)) return `${CSI}${buffer.cursorY + 1};${cols}H`;
  return `${CSI}${buffer.cursorY + 1};${x + 1}H${sgrOf(cell)}${cell.getChars() || ' '}${DEFAULT_SGR}`;
}

function serializeModes(term: Terminal, tracked: TrackedModes): string {
  const m = term.modes;
  const out: string[] = [];
  if (m.applicationCursorKeysMode) out.push(`${CSI}?1h`);
  if (m.applicationKeypadMode) out.push(`${ESC}=`);
  if (m.bracketedPasteMode) out.push(`${CSI}?2004h`);
  if (m.insertMode) out.push(`${CSI}4h`);
  if (m.originMode) out.push(`${CSI}?6h`);
  if (m.reverseWraparoundMode) out.push(`${CSI}?45h`);
  if (m.sendFocusMode) out.push(`${CSI}?1004h`);
  if (!m.wraparoundMode) out.push(`${CSI}?7l`);
  const tracking = { none: '', x10: '9', vt200: '1000', drag: '1002', any: '1003' }[m.mouseTrackingMode];
  if (tracking) out.push(`${CSI}?${tracking}h`);
  const encoding = { default: '', utf8: '1005', sgr: '1006', urxvt: '1015' }[tracked.mouseEncoding];
  if (encoding) out.push(`${CSI}?${encoding}h`);
  if (tracked.cursorHidden) out.push(`${CSI}?25l`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: a title must not carry control characters
  if (tracked.title) out.push(`${ESC}]2;${tracked.title.replace(/[\x00-\x1f\x7f]/g, '')}\x07`);
  return out.join('');
}
