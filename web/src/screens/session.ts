// A session's screen, by kind: a terminal for a PTY session, a conversation for an ACP agent. Each view
// is a separate chunk of the bundle (the terminal's holds xterm.js, most of the code), loaded the first
// time such a session is opened or, for the terminal, soon after the first screen (preloadSessionViews):
// the first screen does not wait for them. Until the session list says which kind a session is (a fresh
// page at #/s/<id>), and while its view loads, it shows "Opening…".
import type { SessionKind } from '../../../cli/src/channel/messages.js';
import type { AppContext, Screen } from '../model.js';
import { h } from '../ui.js';

/** Each kind's view, loaded on demand. */
const VIEWS: Record<SessionKind, { load(): Promise<(ctx: AppContext, id: string) => Screen>; name: string }> = {
  pty: { load: () => import('./terminal.js').then((m) => m.terminalScreen), name: 'terminal' },
  acp: { load: () => import('./conversation.js').then((m) => m.conversationScreen), name: 'conversation view' },
};

/** Starts loading the terminal view (most sessions are terminals) without waiting for it. */
export function preloadSessionViews(): void {
  VIEWS.pty.load().catch(() => {}); // a failure shows when a session is opened
}

export function sessionScreen(ctx: AppContext, sessionId: string): Screen {
  const status = h('p', { class: 'muted', text: 'Opening…' });
  const retry = h('button', {
    class: 'secondary',
    text: 'Try again',
    attrs: { hidden: true },
    on: { click: () => load() },
  });
  const back = h('button', {
    class: 'primary',
    text: 'Back to sessions',
    attrs: { hidden: true },
    on: { click: () => ctx.back() },
  });
  const waiting = h(
    'div',
    { class: 'empty', testid: 'session-opening' },
    status,
    h('div', { class: 'row-buttons' }, retry, back),
  );
  const el = h('div', { class: 'screen session-host' }, waiting);
  let inner: Screen | undefined;
  let kind: SessionKind | undefined;
  let disposed = false;

  const mount = (screen: Screen): void => {
    if (disposed) {
      screen.dispose();
      return;
    }
    inner = screen;
    el.replaceChildren(screen.el);
  };

  function load(): void {
    if (!kind) return;
    const view = VIEWS[kind];
    status.textContent = 'Opening…';
    retry.hidden = true;
    view.load().then(
      (screen) => mount(screen(ctx, sessionId)),
      (err: unknown) => {
        console.debug(`paseo: the ${view.name} did not load`, err);
        status.textContent = `The ${view.name} could not be loaded.`;
        retry.hidden = false;
        back.hidden = false;
      },
    );
  }

  const decide = (): void => {
    if (kind || disposed) return;
    const info = ctx.model.session(sessionId);
    if (info) {
      kind = info.kind;
      offModel();
      load();
    } else if (ctx.model.sessions) {
      status.textContent = 'This session no longer exists.';
      back.hidden = false;
    }
  };
  const offModel = ctx.model.onChange(decide);
  decide();

  return {
    el,
    dispose: () => {
      disposed = true;
      offModel();
      inner?.dispose();
    },
  };
}
