// A past conversation, read-only: the snapshot the computer folded from its recording, rendered with the
// same items as a live conversation (conversation-items.ts). A chunk of its own, loaded when first needed.
import type { HistoryRecording } from '../../../cli/src/channel/messages.js';
import { parseSnapshotBody } from '../../../cli/src/conversation/events.js';
import { type ItemContext, renderItem } from '../conversation-items.js';
import { historyCutSentence } from '../history-text.js';
import type { HistoryView } from '../model.js';
import { h } from '../ui.js';

export function historyConversation(read: HistoryRecording & { body: Uint8Array }, ctx: ItemContext): HistoryView {
  const snapshot = parseSnapshotBody(read.body);
  const list = h(
    'div',
    { class: 'conv-items', testid: 'conversation', attrs: { role: 'log' } },
    ...snapshot.items.map((item) => renderItem(item, ctx)),
  );
  const empty = snapshot.items.length === 0 ? h('p', { class: 'conv-empty muted', text: 'Nothing was said.' }) : null;
  return {
    el: h('main', { class: 'conv-scroll' }, empty, list),
    note: historyCutSentence(read.entry, read.cut, snapshot.omitted, read.skipped),
    dispose: () => {},
  };
}
