// Colours of the terminal: a dark theme that matches the app (styles/base.css).
import type { ITheme } from '@xterm/xterm';

export const TERMINAL_THEME: ITheme = {
  background: '#0b0d12',
  foreground: '#e4e7ee',
  cursor: '#e4e7ee',
  cursorAccent: '#0b0d12',
  selectionBackground: '#34466b',
  black: '#1b1f29',
  red: '#f47067',
  green: '#6bc46d',
  yellow: '#e0b45a',
  blue: '#6ca4f8',
  magenta: '#c98ef5',
  cyan: '#56c8d8',
  white: '#c5cad6',
  brightBlack: '#5f6779',
  brightRed: '#ff938a',
  brightGreen: '#8ddb8c',
  brightYellow: '#f2cc6b',
  brightBlue: '#96c1ff',
  brightMagenta: '#dcb0ff',
  brightCyan: '#86e1ec',
  brightWhite: '#f5f7fb',
  scrollbarSliderBackground: 'rgba(140, 150, 170, 0.25)',
  scrollbarSliderHoverBackground: 'rgba(140, 150, 170, 0.4)',
  scrollbarSliderActiveBackground: 'rgba(140, 150, 170, 0.55)',
};
