// A session's screen, by kind: a terminal for a PTY session, a conversation for an ACP agent. The
// conversation view is a separate chunk of the bundle, loaded the first time such a session is opened.
// Until the session list says which kind a session is (a fresh page at #/s/<id>), it shows "Opening…".
import type { SessionKind } from '../../../cli/src/channel/messages.js';
import type { AppContext, Screen } from '../model.js';
import { h } from '../ui.js';
import { terminalScreen } from './terminal.js';

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
    if (kind === 'pty') {
      mount(terminalScreen(ctx, sessionId));
      return;
    }
    status.textContent = 'Opening…';
    retry.hidden = true;
    import('./conversation.js').then(
      (m) => mount(m.conversationScreen(ctx, sessionId)),
      (err: unknown) => {
        console.debug('paseo: the conversation view did not load', err);
        status.textContent = 'The conversation view could not be loaded.';
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
