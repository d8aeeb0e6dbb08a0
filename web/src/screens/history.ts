// A past session, read-only: asks the computer for its recording (`history.read`) and shows it under a
// note that says it is history — a conversation with the same items as a live one (messages, plan, tool
// calls with diffs, the permission asked and its answer, how the turn and the agent ended), or a terminal
// session's output replayed into a terminal. No prompt box, no keys: nothing can be sent to it. The
// conversation and the terminal are chunks of their own, loaded when first needed.
import type { HistoryEntry, HistoryRecording } from '../../../cli/src/channel/messages.js';
import { historyExitSentence, historySentence } from '../history-text.js';
import type { AppContext, HistoryView, Screen } from '../model.js';
import { connectionParts, sessionChrome } from '../session-chrome.js';
import { confirmDialog, errorMessage, h, toast } from '../ui.js';

/** Each kind's view of a recording, loaded on demand. */
const VIEWS = {
  acp: () => import('./history-conversation.js').then((m) => m.historyConversation),
  pty: () => import('./history-terminal.js').then((m) => m.historyTerminal),
};

export function historyScreen(ctx: AppContext, sessionId: string): Screen {
  const known = ctx.model.history?.entries.find((e) => e.id === sessionId);
  const chrome = sessionChrome(known?.name ?? 'Past session', { back: () => ctx.back(), end: () => {} });
  const conn = connectionParts(ctx.link, chrome.dot, () => ctx.link.welcome?.hostname ?? ctx.device.hostname);
  const status = h('p', { class: 'muted', text: 'Opening…' });
  const retry = h('button', {
    class: 'secondary',
    text: 'Try again',
    attrs: { hidden: true },
    on: { click: () => void load() },
  });
  const body = h('div', { class: 'history-body' }, h('div', { class: 'empty' }, status, retry));
  const sentence = h('span', { testid: 'history-when' });
  const how = h('p', { class: 'history-how', testid: 'history-how' });
  const note = h('p', { class: 'history-cut muted', testid: 'history-cut', attrs: { hidden: true } });
  const deleteButton = h('button', {
    class: 'danger-outline small',
    testid: 'delete-history',
    text: 'Delete',
    attrs: { 'aria-label': 'Delete this past session', hidden: true },
    on: { click: () => void remove() },
  });
  const banner = h(
    'div',
    { class: 'history-note', testid: 'history-note', attrs: { role: 'note', hidden: true } },
    h('p', { class: 'history-when' }, h('span', { class: 'history-tag', text: 'History' }), sentence),
    how,
    note,
  );
  const el = h(
    'div',
    { class: 'screen history-screen', testid: 'history-screen', attrs: { 'data-session-id': sessionId } },
    h(
      'header',
      { class: 'bar term-bar' },
      chrome.back,
      h('div', { class: 'bar-title' }, chrome.title, h('span', { class: 'conv-status' }, chrome.dot)),
      deleteButton,
    ),
    conn.banner,
    banner,
    body,
  );
  let view: HistoryView | undefined;
  let entry: HistoryEntry | undefined;
  let disposed = false;

  function show(read: HistoryRecording & { body: Uint8Array }, mount: (r: typeof read) => HistoryView): void {
    entry = read.entry;
    chrome.title.textContent = entry.name;
    const tick = (): void => {
      if (entry) sentence.textContent = historySentence(entry);
    };
    tick();
    timer = setInterval(tick, 30_000);
    how.textContent = historyExitSentence(entry);
    how.hidden = how.textContent === '';
    view = mount(read);
    note.textContent = view.note;
    note.hidden = note.textContent === '';
    banner.hidden = false;
    deleteButton.hidden = false;
    body.replaceChildren(view.el);
  }
  let timer: ReturnType<typeof setInterval> | undefined;

  async function load(): Promise<void> {
    status.textContent = 'Opening…';
    retry.hidden = true;
    try {
      const read = await ctx.link.request({ t: 'history.read', sessionId });
      const mount = await VIEWS[read.entry.kind]();
      if (disposed) return;
      show(read, (r) => mount(r, { selfName: ctx.device.deviceName }));
    } catch (err) {
      if (disposed) return;
      status.textContent = errorMessage(err, 'This past session could not be read.');
      retry.hidden = false;
    }
  }

  async function remove(): Promise<void> {
    if (!entry) return;
    const ok = await confirmDialog({
      title: 'Delete this past session?',
      message: `Its ${entry.kind === 'acp' ? 'conversation' : 'recorded output'} is deleted from the computer for good.`,
      confirm: 'Delete',
      danger: true,
    });
    if (!ok) return;
    try {
      await ctx.link.request({ t: 'history.remove', sessionId });
      ctx.model.dropHistory(sessionId);
      toast(`Deleted “${entry.name}”.`);
      ctx.back();
    } catch (err) {
      toast(errorMessage(err, 'It could not be deleted.'), 'error');
    }
  }

  void load();
  return {
    el,
    dispose: () => {
      disposed = true;
      if (timer) clearInterval(timer);
      view?.dispose();
      conn.dispose();
    },
  };
}
