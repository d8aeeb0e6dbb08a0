// The terminal's font and an estimate of how many cells fit the screen, used before a terminal exists
// (to start a session at the phone's size); once it exists, the fit addon measures exactly.
import { MAX_TERMINAL_COLS, MAX_TERMINAL_ROWS } from '../../cli/src/channel/messages.js';

/** System monospace fonts only: the app is served offline, no web fonts. */
export const TERMINAL_FONT =
  'ui-monospace, "SF Mono", Menlo, "Cascadia Mono", Consolas, "DejaVu Sans Mono", "Liberation Mono", "Roboto Mono", "Droid Sans Mono", monospace';
/** Font size in CSS pixels: small screens get a smaller font to fit more columns. */
export function terminalFontSize(width: number = window.innerWidth): number {
  return width < 500 ? 12 : 14;
}
/** Height of the terminal screen's top bar and key bar together, in CSS pixels (see styles/terminal.css). */
const CHROME_HEIGHT = 48 + 48;

/** Cells that fit the current viewport at the terminal font (an estimate). */
export function estimateTerminalSize(): { cols: number; rows: number } {
  const fontSize = terminalFontSize();
  let charWidth = fontSize * 0.6;
  try {
    const ctx = document.createElement('canvas').getContext('2d');
    if (ctx) {
      ctx.font = `${fontSize}px ${TERMINAL_FONT}`;
      charWidth = ctx.measureText('W'.repeat(20)).width / 20 || charWidth;
    }
  } catch {
    /* keep the estimate */
  }
  const lineHeight = Math.ceil(fontSize * 1.2);
  const vv = window.visualViewport;
  const width = (vv?.width ?? window.innerWidth) - 8;
  const height = (vv?.height ?? window.innerHeight) - CHROME_HEIGHT;
  return {
    cols: clamp(Math.floor(width / charWidth), 20, MAX_TERMINAL_COLS),
    rows: clamp(Math.floor(height / lineHeight), 8, MAX_TERMINAL_ROWS),
  };
}

function clamp(n: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, Number.isFinite(n) ? n : min));
}
