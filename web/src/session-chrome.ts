// What both session screens (terminal and conversation) have around their content: the back button, the
// title, the connection dot, End (asks first, then ends the session), the "no longer exists" overlay and
// the bar shown once the session has ended.
import type { Link, LinkState } from './connection.js';
import { confirmDialog, errorMessage, h, keepFocus, toast } from './ui.js';

/** The shared elements; each screen places them in its layout. */
export interface SessionChrome {
  back: HTMLElement;
  title: HTMLElement;
  /** Connection state: `data-state` and a label (see showConnection). */
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

/** Shows the link's state on the dot (nothing while connected). */
export function showConnection(dot: HTMLElement, state: LinkState): void {
  dot.dataset.state = state;
  (dot.lastElementChild as HTMLElement).textContent =
    state === 'connected' ? '' : state === 'stopped' ? 'Disconnected' : 'Reconnecting…';
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
