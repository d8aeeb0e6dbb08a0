// The terminal's font; an estimate of how many cells fit the screen, used before a terminal exists (to
// start a session at the phone's size; once it exists, the fit addon measures exactly); and how a
// terminal another device sized is shrunk to fit this screen.
import { MAX_TERMINAL_COLS, MAX_TERMINAL_ROWS } from '../../cli/src/channel/messages.js';

/** System monospace fonts only: the app is served offline, no web fonts. */
export const TERMINAL_FONT =
  'ui-monospace, "SF Mono", Menlo, "Cascadia Mono", Consolas, "DejaVu Sans Mono", "Liberation Mono", "Roboto Mono", "Droid Sans Mono", monospace';
/** Font size in CSS pixels: small screens get a smaller font to fit more columns. */
export function terminalFontSize(width: number = window.innerWidth): number {
  return width < 500 ? 12 : 14;
}
/** Height of the terminal screen's top bar, and of one row of the key bar, in CSS pixels (styles/terminal.css). */
const TOP_BAR_HEIGHT = 48;
const KEY_ROW_HEIGHT = 50;

/** True where the key bar fits in one row: a wide, short screen (a phone in landscape). */
export function keybarInOneRow(width: number, height: number): boolean {
  return width >= 600 && height < 500;
}

/** A terminal's size in character cells. */
export interface CellSize {
  cols: number;
  rows: number;
}

/** The terminal's drawn size and the space it has, in CSS pixels. */
export interface Box {
  width: number;
  height: number;
}

/**
 * How to show a terminal sized by another device: shrunk (never enlarged) to fit `space` whole, so no
 * one pans; `left` centres it across.
 */
export function shrinkToFit(natural: Box, space: Box): { scale: number; left: number } {
  if (natural.width <= 0 || natural.height <= 0) return { scale: 1, left: 0 };
  const scale = Math.min(1, space.width / natural.width, space.height / natural.height);
  return { scale, left: Math.max(0, Math.floor((space.width - natural.width * scale) / 2)) };
}

/** "120×40". */
export function cellsText(size: CellSize): string {
  return `${size.cols}×${size.rows}`;
}

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
  const screenWidth = vv?.width ?? window.innerWidth;
  const screenHeight = vv?.height ?? window.innerHeight;
  const width = screenWidth - 8;
  const keyRows = keybarInOneRow(screenWidth, screenHeight) ? 1 : 2;
  const height = screenHeight - TOP_BAR_HEIGHT - keyRows * KEY_ROW_HEIGHT;
  return {
    cols: clamp(Math.floor(width / charWidth), 20, MAX_TERMINAL_COLS),
    rows: clamp(Math.floor(height / lineHeight), 8, MAX_TERMINAL_ROWS),
  };
}

function clamp(n: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, Number.isFinite(n) ? n : min));
}
