// The key bar under the terminal: what phone keyboards lack or hide. Row one: Esc, Tab, a sticky Ctrl,
// arrows and Enter; row two: `|` `~` `/` `-`, Home, End, PgUp, PgDn. Two rows of eight on a phone in
// portrait (each key at least 44 px wide on a 390 px screen), one row of sixteen in landscape (CSS).
// Taps never take the focus, so the on-screen keyboard stays where it is.
import { type Arrow, arrowSequence, ENTER, ESC, type NavKey, navSequence, TAB, withCtrl } from './keys.js';
import { h, keepFocus } from './ui.js';

export interface KeybarOptions {
  /** Sends bytes to the session as typed keys. */
  send(data: string): void;
  /** Whether the terminal asked for application cursor keys (DECCKM). */
  applicationCursor(): boolean;
}

export interface Keybar {
  el: HTMLElement;
  /** True while Ctrl is held for the next key. */
  readonly ctrl: boolean;
  /** Releases a held Ctrl (after it was applied). */
  releaseCtrl(): void;
}

const ARROWS: ReadonlyArray<[Arrow, string, string]> = [
  ['left', '←', 'Left'],
  ['down', '↓', 'Down'],
  ['up', '↑', 'Up'],
  ['right', '→', 'Right'],
];

const SYMBOLS: ReadonlyArray<[string, string, string]> = [
  ['pipe', '|', 'Vertical bar'],
  ['tilde', '~', 'Tilde'],
  ['slash', '/', 'Slash'],
  ['dash', '-', 'Dash'],
];

const NAV: ReadonlyArray<[NavKey, string, string]> = [
  ['home', 'Home', 'Home'],
  ['end', 'End', 'End'],
  ['pageup', 'PgUp', 'Page up'],
  ['pagedown', 'PgDn', 'Page down'],
];

export function keybar(opts: KeybarOptions): Keybar {
  let ctrl = false;
  const key = (testid: string, label: string, aria: string, onTap: () => void, extra = ''): HTMLButtonElement =>
    keepFocus(
      h('button', {
        class: `key ${extra}`,
        testid,
        text: label,
        attrs: { type: 'button', 'aria-label': aria },
        on: { click: onTap },
      }),
    );

  const ctrlKey = key('keybar-ctrl', 'Ctrl', 'Control (applies to the next key)', () => setCtrl(!ctrl), 'mod');
  const setCtrl = (on: boolean): void => {
    ctrl = on;
    ctrlKey.setAttribute('aria-pressed', String(on));
  };
  setCtrl(false);

  const typed = (data: string): void => {
    opts.send(data);
    setCtrl(false);
  };
  const el = h(
    'div',
    { class: 'keybar', testid: 'keybar', attrs: { role: 'toolbar', 'aria-label': 'Terminal keys' } },
    key('keybar-esc', 'Esc', 'Escape', () => typed(ESC)),
    key('keybar-tab', 'Tab', 'Tab', () => typed(TAB)),
    ctrlKey,
    ...ARROWS.map(([arrow, label, aria]) =>
      key(`keybar-${arrow}`, label, aria, () => typed(arrowSequence(arrow, opts.applicationCursor(), ctrl)), 'arrow'),
    ),
    key('keybar-enter', '⏎', 'Enter', () => typed(ENTER), 'enter'),
    ...SYMBOLS.map(([id, label, aria]) =>
      key(`keybar-${id}`, label, aria, () => typed(ctrl ? withCtrl(label) : label), 'symbol'),
    ),
    ...NAV.map(([nav, label, aria]) =>
      key(`keybar-${nav}`, label, aria, () => typed(navSequence(nav, opts.applicationCursor(), ctrl)), 'nav'),
    ),
  );
  return {
    el,
    get ctrl() {
      return ctrl;
    },
    releaseCtrl: () => setCtrl(false),
  };
}
