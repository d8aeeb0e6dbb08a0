// A conversation as shown: events folded into items (chunks joined into messages, tool call updates
// applied to their call, answers applied to their permission request). The daemon folds to send a
// snapshot to a late device and `paseo logs` folds the stored events; the web UI folds what it
// receives, so everyone sees the same thing. Isomorphic.
import {
  type ConversationEvent,
  type ConversationItem,
  type ConversationSnapshot,
  clip,
  type EventOf,
  MAX_EVENT_TEXT_CHARS,
  MAX_ITEMS,
  type PermissionItem,
  type ToolItem,
} from './events.js';

/** Largest text of one merged message, in characters (the rest of a longer one is dropped). */
export const MAX_MESSAGE_CHARS = 4 * MAX_EVENT_TEXT_CHARS;

/** What one event changed: items added or updated, and items dropped from the start. */
export interface FoldChange {
  changed: ConversationItem[];
  dropped: ConversationItem[];
}

/** A conversation being folded, event by event. Items are updated in place. */
export class Conversation {
  readonly items: ConversationItem[];
  /** Items dropped at the start (over MAX_ITEMS, or left out of the snapshot this started from). */
  omitted: number;

  constructor(snapshot?: ConversationSnapshot) {
    this.items = snapshot ? [...snapshot.items] : [];
    this.omitted = snapshot?.omitted ?? 0;
  }

  /** Folds a list of events from the start. */
  static of(events: Iterable<ConversationEvent>): Conversation {
    const c = new Conversation();
    for (const e of events) c.apply(e);
    return c;
  }

  /** True while a prompt is being answered (a prompt came after the last end of a turn). */
  get working(): boolean {
    for (let i = this.items.length - 1; i >= 0; i--) {
      const t = (this.items[i] as ConversationItem).t;
      if (t === 'turn') return false;
      if (t === 'user') return true;
    }
    return false;
  }

  /** Permission requests still waiting for an answer, oldest first. */
  pendingPermissions(): PermissionItem[] {
    return this.items.filter((i): i is PermissionItem => i.t === 'permission' && i.state === 'pending');
  }

  /** Applies one event. */
  apply(event: ConversationEvent): FoldChange {
    const changed = this.fold(event);
    const dropped = this.items.length > MAX_ITEMS ? this.items.splice(0, this.items.length - MAX_ITEMS) : [];
    this.omitted += dropped.length;
    return { changed, dropped };
  }

  /** The newest items whose JSON fits in `maxBytes` (about: characters count as bytes), as a snapshot. */
  snapshot(maxBytes: number): ConversationSnapshot {
    let size = 0;
    let first = this.items.length;
    while (first > 0) {
      size += JSON.stringify(this.items[first - 1]).length + 1;
      if (size > maxBytes) break;
      first--;
    }
    return { items: this.items.slice(first), omitted: this.omitted + first };
  }

  private fold(e: ConversationEvent): ConversationItem[] {
    switch (e.t) {
      case 'agent':
      case 'thought': {
        const last = this.items[this.items.length - 1];
        const sameMessage =
          last?.t === e.t &&
          (e.t !== 'agent' || last.t !== 'agent' || !e.messageId || !last.messageId || e.messageId === last.messageId);
        if (last && sameMessage && (last.t === 'agent' || last.t === 'thought')) {
          last.text = clip(last.text + e.text, MAX_MESSAGE_CHARS);
          return [last];
        }
        return [this.push({ ...e })];
      }
      case 'tool':
        return [this.foldTool(e)];
      case 'plan': {
        const current = this.sinceLastPrompt().find((i) => i.t === 'plan');
        if (current?.t === 'plan') {
          current.entries = e.entries;
          current.at = e.at;
          return [current];
        }
        return [this.push({ ...e })];
      }
      case 'permission':
        return [this.push({ ...e, state: 'pending', optionId: null, by: null })];
      case 'answer': {
        const request = this.findLast((i): i is PermissionItem => i.t === 'permission' && i.id === e.id);
        if (!request) return [];
        request.state = e.outcome;
        request.optionId = e.optionId;
        request.by = e.by ?? null;
        return [request];
      }
      case 'turn': {
        const changed: ConversationItem[] = [];
        if (e.stopReason === 'cancelled' || e.stopReason === 'error') {
          for (const item of this.sinceLastPrompt()) {
            if (item.t === 'tool' && (item.status === 'pending' || item.status === 'in_progress')) {
              item.status = e.stopReason === 'cancelled' ? 'cancelled' : 'failed';
              changed.push(item);
            } else if (item.t === 'permission' && item.state === 'pending') {
              item.state = 'cancelled';
              changed.push(item);
            }
          }
        }
        changed.push(this.push({ ...e }));
        return changed;
      }
      default:
        return [this.push({ ...e })];
    }
  }

  private foldTool(e: EventOf<'tool'>): ToolItem {
    const tool = this.findLast((i): i is ToolItem => i.t === 'tool' && i.id === e.id);
    if (!tool) {
      return this.push({
        t: 'tool',
        at: e.at,
        id: e.id,
        title: e.title ?? 'Tool call',
        kind: e.kind ?? 'other',
        status: e.status ?? 'pending',
        content: e.content ?? [],
        locations: e.locations ?? [],
      }) as ToolItem;
    }
    if (e.title !== undefined) tool.title = e.title;
    if (e.kind !== undefined) tool.kind = e.kind;
    if (e.status !== undefined) tool.status = e.status;
    if (e.content !== undefined) tool.content = e.content;
    if (e.locations !== undefined) tool.locations = e.locations;
    return tool;
  }

  private push(item: ConversationItem): ConversationItem {
    this.items.push(item);
    return item;
  }

  private findLast<T extends ConversationItem>(test: (i: ConversationItem) => i is T): T | undefined {
    for (let i = this.items.length - 1; i >= 0; i--) {
      const item = this.items[i] as ConversationItem;
      if (test(item)) return item;
    }
    return undefined;
  }

  /** The items of the current turn (after the last prompt). */
  private sinceLastPrompt(): ConversationItem[] {
    for (let i = this.items.length - 1; i >= 0; i--) {
      if ((this.items[i] as ConversationItem).t === 'user') return this.items.slice(i + 1);
    }
    return this.items;
  }
}
