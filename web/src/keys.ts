// The bytes that keys a phone keyboard lacks send to a terminal. Pure: no DOM.

export type Arrow = 'up' | 'down' | 'right' | 'left';

const ARROW_LETTER: Readonly<Record<Arrow, string>> = { up: 'A', down: 'B', right: 'C', left: 'D' };

export const ESC = '\x1b';
export const TAB = '\t';
export const ENTER = '\r';

/** An arrow key: `ESC [ A` normally, `ESC O A` in application cursor mode, `ESC [ 1 ; 5 A` with Ctrl. */
export function arrowSequence(arrow: Arrow, applicationCursor: boolean, ctrl: boolean): string {
  const letter = ARROW_LETTER[arrow];
  if (ctrl) return `\x1b[1;5${letter}`;
  return applicationCursor ? `\x1bO${letter}` : `\x1b[${letter}`;
}

/** Keys of the second key bar row that are escape sequences. */
export type NavKey = 'home' | 'end' | 'pageup' | 'pagedown';

/**
 * Home and End (`ESC [ H`, `ESC [ F`; `ESC O H`, `ESC O F` in application cursor mode), Page Up and Down
 * (`ESC [ 5 ~`, `ESC [ 6 ~`); with Ctrl the xterm modifier form (`ESC [ 1 ; 5 H`, `ESC [ 5 ; 5 ~`).
 */
export function navSequence(key: NavKey, applicationCursor: boolean, ctrl: boolean): string {
  if (key === 'pageup' || key === 'pagedown') {
    const n = key === 'pageup' ? 5 : 6;
    return ctrl ? `\x1b[${n};5~` : `\x1b[${n}~`;
  }
  const letter = key === 'home' ? 'H' : 'F';
  if (ctrl) return `\x1b[1;5${letter}`;
  return applicationCursor ? `\x1bO${letter}` : `\x1b[${letter}`;
}

const CTRL_SYMBOLS: Readonly<Record<string, string>> = {
  ' ': '\x00',
  '@': '\x00',
  '2': '\x00',
  '[': '\x1b',
  '3': '\x1b',
  '\\': '\x1c',
  '4': '\x1c',
  ']': '\x1d',
  '5': '\x1d',
  '^': '\x1e',
  '6': '\x1e',
  _: '\x1f',
  '-': '\x1f',
  '7': '\x1f',
  '?': '\x7f',
  '8': '\x7f',
};

/**
 * Applies a held Ctrl to what a key produced: letters become control characters (`c` → 0x03), the
 * usual symbols map as on a PC keyboard, Tab and Enter and escape sequences pass unchanged.
 */
export function withCtrl(data: string): string {
  if (data.length !== 1) return data;
  const code = data.charCodeAt(0);
  if ((code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a)) return String.fromCharCode(code & 0x1f);
  return CTRL_SYMBOLS[data] ?? data;
}

/** Turns xterm's `onBinary` string (one char per byte) into bytes. */
export function binaryStringToBytes(data: string): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data.charCodeAt(i) & 0xff;
  return out;
}
