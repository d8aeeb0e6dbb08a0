// Home: the machine's agent sessions (tap one to open its terminal or conversation; the ones whose agent
// waits for an approval first, marked), under them the History of past sessions (history-list.ts), a New
// session button and the way to My devices. Times like "printed 5 s ago" tick without re-rendering.
import type { SessionInfo } from '../../../cli/src/channel/messages.js';
import { ago, commandLine, exitText, shortenPath } from '../format.js';
import { header } from '../header.js';
import type { AppContext, Screen } from '../model.js';
import { errorMessage, h, toast } from '../ui.js';
import { historySection } from './history-list.js';
import { namingCard } from './name-device.js';
import { openNewSession } from './new-session.js';

/** Permission requests an ACP agent waits on. */
const approvals = (s: SessionInfo): number => (s.state === 'running' ? (s.permissions?.length ?? 0) : 0);

function order(a: SessionInfo, b: SessionInfo): number {
  if (a.state !== b.state) return a.state === 'running' ? -1 : 1;
  if (approvals(a) > 0 !== approvals(b) > 0) return approvals(a) > 0 ? -1 : 1;
  if (a.waitingForInput !== b.waitingForInput) return a.waitingForInput ? -1 : 1;
  return Date.parse(b.lastOutputAt ?? b.startedAt) - Date.parse(a.lastOutputAt ?? a.startedAt);
}

function timeLabel(s: SessionInfo): { prefix: string; iso: string } {
  if (!s.lastOutputAt) return { prefix: 'started ', iso: s.startedAt };
  return { prefix: s.kind === 'acp' ? 'active ' : 'printed ', iso: s.lastOutputAt };
}

/** How a card reads while the computer is known to have stopped paseo: its sessions ended with it. */
type Staleness = 'fresh' | 'stale' | 'stopped';

function stateLabel(s: SessionInfo, staleness: Staleness): HTMLElement {
  if (s.state === 'running' && staleness === 'stopped')
    return h('span', { class: 'state exited', testid: 'session-state', text: 'ended when paseo stopped' });
  return s.state === 'running'
    ? h('span', { class: 'state running', testid: 'session-state', text: 'running' })
    : h('span', { class: 'state exited', testid: 'session-state', text: exitText(s.exitCode, s.signal) });
}

function sessionItem(ctx: AppContext, s: SessionInfo, staleness: Staleness, remove: () => void): HTMLElement {
  const t = timeLabel(s);
  const waiting = s.waitingForInput && s.state === 'running' && staleness === 'fresh';
  // What the person is asked, seen without opening it: the question on the screen, or the approval asked for.
  const asking = approvals(s) > 0 && staleness === 'fresh' ? s.permissions?.[0]?.title : undefined;
  const line = asking ?? s.lastLine;
  const button = h(
    'button',
    {
      class: 'session',
      testid: 'session-item',
      attrs: { 'data-session-id': s.id, 'data-state': s.state, 'data-kind': s.kind },
      on: { click: () => ctx.navigate({ name: 'session', sessionId: s.id }) },
    },
    h(
      'span',
      { class: 'session-top' },
      h('span', { class: 'session-name', text: s.name }),
      approvals(s) > 0 && staleness === 'fresh'
        ? h('span', { class: 'badge approval', testid: 'approval-badge', text: 'needs approval' })
        : waiting
          ? h('span', { class: 'badge waiting', testid: 'waiting-badge', text: 'waiting for input' })
          : null,
    ),
    line
      ? h('span', {
          class: `session-last mono${waiting || asking ? ' question' : ''}`,
          testid: 'session-last-line',
          text: line,
        })
      : null,
    h('span', { class: 'session-cmd mono', text: `${shortenPath(s.cwd || '~', 28)} · ${commandLine(s.command)}` }),
    h(
      'span',
      { class: 'session-meta' },
      s.kind === 'acp' ? h('span', { class: 'kind-tag', text: 'conversation' }) : null,
      s.kind === 'acp' ? h('span', { class: 'sep', text: '·' }) : null,
      stateLabel(s, staleness),
      h('span', { class: 'sep', text: '·' }),
      h('span', { attrs: { 'data-ago': t.iso, 'data-prefix': t.prefix }, text: t.prefix + ago(t.iso) }),
      s.viewers > 0 && staleness === 'fresh' ? h('span', { class: 'sep', text: '·' }) : null,
      s.viewers > 0 && staleness === 'fresh'
        ? h('span', { text: s.viewers === 1 ? '1 viewer' : `${s.viewers} viewers` })
        : null,
    ),
  );
  const removable = s.state === 'exited' && staleness === 'fresh';
  return h(
    'li',
    { class: 'session-row' },
    button,
    removable
      ? h('button', {
          class: 'remove-session link-button',
          testid: 'remove-session',
          text: 'Remove',
          attrs: { 'aria-label': `Remove ${s.name} from the list` },
          on: { click: remove },
        })
      : null,
  );
}

export function homeScreen(ctx: AppContext): Screen {
  const devicesButton = h('button', {
    class: 'icon-button labelled',
    testid: 'open-devices',
    text: 'Devices',
    attrs: { 'aria-label': 'My devices' },
    on: { click: () => ctx.navigate({ name: 'devices' }) },
  });
  const head = header(ctx.link, ctx.link.welcome?.hostname || ctx.device.hostname || 'Paseo', null, devicesButton);
  const list = h('ul', { class: 'sessions', testid: 'session-list' });
  const naming = ctx.offerNaming
    ? namingCard(ctx, () => {
        ctx.offerNaming = false;
        naming?.remove();
      })
    : null;
  const empty = h('div', { class: 'empty', testid: 'sessions-empty' });
  const past = historySection(ctx);
  const newButton = h('button', {
    class: 'primary wide',
    testid: 'new-session',
    text: 'New session',
    on: { click: () => openNewSession(ctx) },
  });
  const el = h(
    'div',
    { class: 'screen home', testid: 'home' },
    head.el,
    head.banner,
    h(
      'main',
      { class: 'scroll' },
      naming,
      h('h2', { class: 'section-title', text: 'Agent sessions' }),
      list,
      empty,
      past.el,
    ),
    h('footer', { class: 'actions' }, newButton),
  );

  const remove = (s: SessionInfo): void => {
    ctx.link.request({ t: 'session.remove', sessionId: s.id }).then(
      () => {
        ctx.model.dropSession(s.id);
        toast(`Removed “${s.name}” from the list.`);
      },
      (err: unknown) => toast(errorMessage(err, `${s.name} could not be removed.`), 'error'),
    );
  };
  const render = (): void => {
    const sessions = ctx.model.sessions;
    // While disconnected the list may be out of date: show it, dimmed; after `paseo down` its sessions ended.
    const staleness: Staleness =
      ctx.link.state === 'connected' ? 'fresh' : ctx.link.facts('').stoppedAt !== undefined ? 'stopped' : 'stale';
    list.classList.toggle('stale', staleness !== 'fresh');
    past.render();
    if (ctx.link.welcome?.hostname) head.setTitle(ctx.link.welcome.hostname);
    if (!sessions) {
      list.replaceChildren();
      empty.hidden = false;
      empty.replaceChildren(
        ctx.model.sessionsError
          ? h('p', { text: ctx.model.sessionsError })
          : h('p', { class: 'muted', text: 'Loading sessions…' }),
      );
      return;
    }
    list.replaceChildren(...[...sessions].sort(order).map((s) => sessionItem(ctx, s, staleness, () => remove(s))));
    empty.hidden = sessions.length > 0;
    if (sessions.length === 0) {
      empty.replaceChildren(
        h('p', { class: 'empty-title', text: 'No agent sessions yet' }),
        h('p', {
          class: 'muted',
          text: 'Start one with New session, or run a command with paseo run on your computer.',
        }),
      );
    }
  };
  const tick = setInterval(() => {
    for (const span of el.querySelectorAll<HTMLElement>('[data-ago]')) {
      span.textContent = (span.dataset.prefix ?? '') + ago(span.dataset.ago ?? '');
    }
  }, 1000);
  const offModel = ctx.model.onChange(render);
  const offState = ctx.link.onState(render);
  render();
  return {
    el,
    dispose: () => {
      clearInterval(tick);
      offModel();
      offState();
      head.dispose();
    },
  };
}
