// What both session screens (terminal and conversation) have around their content: the back button, the
// title, the connection dot and banner, End (asks first, then ends the session), the "no longer exists"
// overlay and the bar shown once the session has ended.
import type { Link } from './connection.js';
import { connectionBanner, followLinkState } from './header.js';
import { confirmDialog, errorMessage, h, keepFocus, toast } from './ui.js';

/** The shared elements; each screen places them in its layout. */
export interface SessionChrome {
  back: HTMLElement;
  title: HTMLElement;
  /** Connection state: `data-state` and a label (see connectionParts). */
  dot: HTMLElement;
  endButton: HTMLElement;
  missing: HTMLElement;
  exitBar: HTMLElement;
  exitText: HTMLElement;
}

/** Builds the shared elements; `back` and `end` run when tapped. */
export function sessionChrome(title: string, actions: { back(): void; end(): void }): SessionChrome {
  const back = keepFocus(
    h('button', {
      class: 'icon-button',
      testid: 'back',
      text: '←',
      attrs: { 'aria-label': 'Back to sessions' },
      on: { click: () => actions.back() },
    }),
  );
  const titleEl = h('span', { class: 'term-title', testid: 'session-title', text: title });
  const dot = h(
    'span',
    { class: 'conn compact', testid: 'conn-state' },
    h('span', { class: 'dot' }),
    h('span', { class: 'conn-label' }),
  );
  const endButton = keepFocus(
    h('button', {
      class: 'danger-outline small',
      testid: 'end-session',
      text: 'End',
      attrs: { 'aria-label': 'End session' },
      on: { click: () => actions.end() },
    }),
  );
  const exitText = h('span', { testid: 'exit-text' });
  const exitBar = h(
    'div',
    { class: 'exit-bar', testid: 'exit-bar', attrs: { hidden: true, role: 'status' } },
    exitText,
    h('button', {
      class: 'primary small',
      testid: 'exit-back',
      text: 'Back to sessions',
      on: { click: () => actions.back() },
    }),
  );
  const missing = h(
    'div',
    { class: 'overlay', testid: 'session-missing', attrs: { hidden: true } },
    h('p', { text: 'This session no longer exists.' }),
    h('button', { class: 'primary', text: 'Back to sessions', on: { click: () => actions.back() } }),
  );
  return { back, title: titleEl, dot, endButton, missing, exitBar, exitText };
}

/**
 * Keeps the dot (hidden while connected) and a banner (what is known about a lost connection: see
 * link-status.ts) in step with the link. Place `banner` under the top bar; `dispose` stops it.
 */
export function connectionParts(
  link: Link,
  dot: HTMLElement,
  hostname: () => string,
): { banner: HTMLElement; dispose(): void } {
  const banner = connectionBanner(link, hostname);
  const off = followLinkState(link, dot, hostname);
  return {
    banner: banner.el,
    dispose: () => {
      off();
      banner.dispose();
    },
  };
}

/** Asks, then ends the session; `afterwards` says what stays visible. */
export async function endSession(link: Link, sessionId: string, afterwards: string): Promise<void> {
  const ok = await confirmDialog({
    title: 'End this session?',
    message: `This stops the agent. ${afterwards}`,
    confirm: 'End session',
    danger: true,
  });
  if (!ok) return;
  try {
    await link.request({ t: 'session.kill', sessionId });
  } catch (err) {
    toast(errorMessage(err, 'The session could not be ended.'), 'error');
  }
}
