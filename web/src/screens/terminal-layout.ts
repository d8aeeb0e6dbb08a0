// The terminal screen's elements: top bar (back, title, connection dot, Fit, Paste, End), the host xterm.js
// opens in, the "session no longer exists" overlay, the exit bar and the key bar. Behaviour lives in
// terminal.ts; this file only builds the elements and calls back.
import { type Keybar, keybar } from '../keybar.js';
import { sessionChrome } from '../session-chrome.js';
import { h, keepFocus } from '../ui.js';

/** What the screen's controls do. */
export interface TerminalActions {
  /** Back to the sessions. */
  back(): void;
  /** Fit the session to this screen (shown while another device's size is shown). */
  fit(): void;
  /** Ask, then end the session. */
  end(): void;
  /** Ask for text to paste (Ctrl is released first). */
  paste(): void;
  /** Keys from the key bar. */
  type(data: string): void;
  /** Whether the terminal asked for application cursor keys (DECCKM). */
  applicationCursor(): boolean;
}

/** The elements terminal.ts updates. */
export interface TerminalLayout {
  el: HTMLElement;
  title: HTMLElement;
  /** Connection state: `data-state` and a label. */
  dot: HTMLElement;
  fitButton: HTMLElement;
  pasteButton: HTMLElement;
  endButton: HTMLElement;
  /** Where xterm.js opens; carries the size in cells as data-cols and data-rows. */
  host: HTMLElement;
  /** Around the host; `pannable` while the session is shown at another device's size. */
  wrap: HTMLElement;
  missing: HTMLElement;
  exitBar: HTMLElement;
  exitText: HTMLElement;
  keys: Keybar;
}

export function terminalLayout(sessionId: string, title: string, actions: TerminalActions): TerminalLayout {
  const { back, title: titleEl, dot, endButton, missing, exitBar, exitText } = sessionChrome(title, actions);
  const fitButton = keepFocus(
    h('button', {
      class: 'chip',
      testid: 'fit-button',
      text: 'Fit',
      attrs: { hidden: true, 'aria-label': 'Fit the session to this screen' },
      on: { click: () => actions.fit() },
    }),
  );
  const host = h('div', { class: 'term-host', testid: 'terminal' });
  const wrap = h('div', { class: 'term-wrap' }, host);
  const keys = keybar({ send: (data) => actions.type(data), applicationCursor: () => actions.applicationCursor() });
  const pasteButton = keepFocus(
    h('button', {
      class: 'secondary small',
      testid: 'keybar-paste',
      text: 'Paste',
      on: {
        click: () => {
          keys.releaseCtrl();
          actions.paste();
        },
      },
    }),
  );
  const el = h(
    'div',
    { class: 'screen terminal-screen', testid: 'terminal-screen', attrs: { 'data-session-id': sessionId } },
    h(
      'header',
      { class: 'bar term-bar' },
      back,
      h('div', { class: 'bar-title' }, titleEl, dot),
      fitButton,
      pasteButton,
      endButton,
    ),
    wrap,
    missing,
    exitBar,
    keys.el,
  );
  return {
    el,
    title: titleEl,
    dot,
    fitButton,
    pasteButton,
    endButton,
    host,
    wrap,
    missing,
    exitBar,
    exitText,
    keys,
  };
}
