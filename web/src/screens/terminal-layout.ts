// The terminal screen's elements: top bar (back, title, connection dot and the session's size, Paste,
// End), the connection banner's place, the strip offered while another device has the size ("Size for
// this screen"), the host xterm.js opens in, the "session no longer exists" overlay, the exit bar and
// the key bar. Behaviour lives in terminal.ts; this file only builds the elements and calls back.
import { type Keybar, keybar } from '../keybar.js';
import { sessionChrome } from '../session-chrome.js';
import { h, keepFocus } from '../ui.js';

/** What the screen's controls do. */
export interface TerminalActions {
  /** Back to the sessions. */
  back(): void;
  /** This screen takes the session's size (offered while another device has it). */
  takeSize(): void;
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
  /** The session's size and who set it, e.g. "120×40 · sized by Laptop". */
  sizeLabel: HTMLElement;
  /** Shown while another device has the size: that it is shown smaller, and the button to take the size. */
  sizeStrip: HTMLElement;
  /** Where the connection banner goes. */
  bannerSlot: HTMLElement;
  pasteButton: HTMLElement;
  endButton: HTMLElement;
  /** Where xterm.js opens; carries the size in cells as data-cols and data-rows. */
  host: HTMLElement;
  /** Around the host. */
  wrap: HTMLElement;
  missing: HTMLElement;
  exitBar: HTMLElement;
  exitText: HTMLElement;
  keys: Keybar;
}

export function terminalLayout(sessionId: string, title: string, actions: TerminalActions): TerminalLayout {
  const { back, title: titleEl, dot, endButton, missing, exitBar, exitText } = sessionChrome(title, actions);
  const sizeLabel = h('span', { class: 'size-label', testid: 'size-label' });
  const sizeStrip = h(
    'div',
    { class: 'size-strip', testid: 'size-strip', attrs: { hidden: true, role: 'status' } },
    h('span', { class: 'size-strip-text', testid: 'size-strip-text', text: 'Shown smaller to fit.' }),
    keepFocus(
      h('button', {
        class: 'chip',
        testid: 'take-size',
        text: 'Size for this screen',
        attrs: { 'aria-label': 'Resize the session to fit this screen (for every device)' },
        on: { click: () => actions.takeSize() },
      }),
    ),
  );
  const bannerSlot = h('div', { class: 'banner-slot' });
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
      h('div', { class: 'bar-title' }, titleEl, h('span', { class: 'term-sub' }, dot, sizeLabel)),
      pasteButton,
      endButton,
    ),
    bannerSlot,
    sizeStrip,
    wrap,
    missing,
    exitBar,
    keys.el,
  );
  return {
    el,
    title: titleEl,
    dot,
    sizeLabel,
    sizeStrip,
    bannerSlot,
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
