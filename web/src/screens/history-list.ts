// The History section of the home screen: past sessions (ended, removed from the list, or from before
// the computer restarted paseo), newest first, read from their recordings. Tap one to read it; Delete
// (asks first) removes its recording from the computer.
import type { HistoryEntry } from '../../../cli/src/channel/messages.js';
import { ago, shortenPath } from '../format.js';
import { historyHow } from '../history-text.js';
import type { AppContext } from '../model.js';
import { confirmDialog, errorMessage, h, toast } from '../ui.js';

/** The section's elements; `render` fills them from the model. */
export function historySection(ctx: AppContext): { el: HTMLElement; render(): void } {
  const list = h('ul', { class: 'sessions history', testid: 'history-list' });
  const more = h('p', { class: 'muted history-more', testid: 'history-more', attrs: { hidden: true } });
  const el = h(
    'section',
    { class: 'history-section', testid: 'history', attrs: { hidden: true } },
    h('h2', { class: 'section-title', text: 'History' }),
    list,
    more,
  );

  const remove = async (entry: HistoryEntry): Promise<void> => {
    const ok = await confirmDialog({
      title: `Delete “${entry.name}”?`,
      message: `Its ${entry.kind === 'acp' ? 'conversation' : 'recorded output'} is deleted from the computer for good.`,
      confirm: 'Delete',
      danger: true,
    });
    if (!ok) return;
    try {
      await ctx.link.request({ t: 'history.remove', sessionId: entry.id });
      ctx.model.dropHistory(entry.id);
      toast(`Deleted “${entry.name}”.`);
    } catch (err) {
      toast(errorMessage(err, `${entry.name} could not be deleted.`), 'error');
    }
  };

  const item = (entry: HistoryEntry): HTMLElement =>
    h(
      'li',
      { class: 'session-row' },
      h(
        'button',
        {
          class: 'session past',
          testid: 'history-item',
          attrs: { 'data-session-id': entry.id, 'data-kind': entry.kind },
          on: { click: () => ctx.navigate({ name: 'history', sessionId: entry.id }) },
        },
        h('span', { class: 'session-top' }, h('span', { class: 'session-name', text: entry.name })),
        h('span', {
          class: 'session-cmd mono',
          text: entry.cwd ? `${shortenPath(entry.cwd, 28)} · ${entry.command}` : entry.command,
        }),
        h(
          'span',
          { class: 'session-meta' },
          h('span', { class: 'kind-tag', text: entry.kind === 'acp' ? 'conversation' : 'terminal' }),
          h('span', { class: 'sep', text: '·' }),
          h('span', { class: 'state exited', text: historyHow(entry) }),
          h('span', { class: 'sep', text: '·' }),
          h('span', { attrs: { 'data-ago': entry.endedAt, 'data-prefix': '' }, text: ago(entry.endedAt) }),
        ),
      ),
      h('button', {
        class: 'remove-session link-button',
        testid: 'delete-history',
        text: 'Delete',
        attrs: { 'aria-label': `Delete ${entry.name} from the history` },
        on: { click: () => void remove(entry) },
      }),
    );

  const render = (): void => {
    const history = ctx.model.history;
    el.hidden = !history || (history.entries.length === 0 && history.omitted === 0);
    if (!history) return;
    list.replaceChildren(...history.entries.map(item));
    more.hidden = history.omitted === 0;
    more.textContent = `${history.omitted} older past session${history.omitted === 1 ? ' is' : 's are'} not shown. \`paseo logs <id>\` on the computer reads them.`;
  };
  return { el, render };
}
