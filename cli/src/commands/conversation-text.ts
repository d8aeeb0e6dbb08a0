// A conversation as readable text for the terminal: `paseo logs` prints a whole one, `paseo attach`
// prints it live, event by event (the agent's answer line by line as it streams in).
import type { ConversationEvent, ConversationItem, PermissionItem, ToolItem } from '../conversation/events.js';
import { Conversation } from '../conversation/fold.js';
import { diffLines } from '../conversation/line-diff.js';

const PLAN_MARK = { completed: '[x]', in_progress: '[~]', pending: '[ ]' } as const;
const STATUS = {
  pending: 'pending',
  in_progress: 'running',
  completed: 'done',
  failed: 'failed',
  cancelled: 'cancelled',
} as const;
const STOP = {
  end_turn: '',
  max_tokens: '(the agent stopped: it reached its token limit)',
  max_turn_requests: '(the agent stopped: it reached its request limit for one turn)',
  refusal: '(the agent refused)',
  cancelled: '(turn cancelled)',
  error: '(turn failed)',
} as const;

/** The text of a whole conversation. */
export function conversationText(items: readonly ConversationItem[], omitted = 0): string {
  const blocks = items.map(itemText).filter((b) => b !== '');
  if (omitted > 0) blocks.unshift(`(${omitted} earlier item${omitted === 1 ? '' : 's'} not shown)`);
  return blocks.length ? `${blocks.join('\n\n')}\n` : '';
}

/** One item as a block of text (no trailing newline); '' for what is not shown. */
export function itemText(item: ConversationItem): string {
  switch (item.t) {
    case 'user':
      return `» ${item.by ?? 'you'}: ${item.text}`;
    case 'agent':
      return item.text.trim();
    case 'thought':
      return `(thinking) ${item.text.trim()}`;
    case 'plan':
      return ['Plan:', ...item.entries.map((e) => `  ${PLAN_MARK[e.status]} ${e.content}`)].join('\n');
    case 'tool':
      return toolLine(item);
    case 'permission':
      return permissionLine(item);
    case 'turn':
      return item.stopReason === 'cancelled' && item.by ? `(turn cancelled by ${item.by})` : STOP[item.stopReason];
    case 'notice':
      return `! ${item.text}`;
  }
}

/** "⚙ Edit src/greet.ts — edit, done — /tmp/src/greet.ts (+1 −1)". */
export function toolLine(tool: ToolItem): string {
  const files = new Map<string, string>();
  for (const path of tool.locations) files.set(path, path);
  for (const c of tool.content) {
    if (c.type !== 'diff') continue;
    const { added, removed } = diffLines(c.oldText, c.newText);
    files.set(c.path, `${c.path} (${c.oldText === null ? 'new, ' : ''}+${added} −${removed})`);
  }
  const where = files.size ? ` — ${[...files.values()].join(', ')}` : '';
  return `⚙ ${tool.title} — ${tool.kind}, ${STATUS[tool.status]}${where}`;
}

/** "? Permission: … — answered “Allow once” by Pixel 8", or the choices while it waits. */
export function permissionLine(p: PermissionItem): string {
  const head = `? Permission: ${p.title}`;
  switch (p.state) {
    case 'pending':
      return `${head} — waiting for an answer: ${p.options.map((o, i) => `/${i + 1} ${o.name}`).join('  ')}`;
    case 'selected': {
      const option = p.options.find((o) => o.id === p.optionId);
      return `${head} — answered “${option?.name ?? p.optionId}”${p.by ? ` by ${p.by}` : ''}`;
    }
    case 'timeout':
      return `${head} — nobody answered in time: rejected`;
    case 'cancelled':
      return `${head} — cancelled${p.by ? ` by ${p.by}` : ''}`;
  }
}

/**
 * Prints a conversation live: each event becomes text as soon as it can be shown. The agent's answer
 * is printed a line at a time (and the rest when the message ends), so a prompt line can be redrawn
 * below it; tool calls get a line when they start and each time their status changes.
 */
export class LivePrinter {
  private conversation = new Conversation();
  private pending = '';
  private streaming: 'agent' | 'thought' | undefined;
  private readonly toolStatus = new Map<string, string>();

  /** `write` gets whole lines (each ending with a newline). */
  constructor(private readonly write: (text: string) => void) {}

  /** The conversation so far (for answering its pending permission requests). */
  get current(): Conversation {
    return this.conversation;
  }

  /** Starts over from a snapshot: prints it whole. */
  reset(items: ConversationItem[], omitted: number): void {
    this.conversation = new Conversation({ items, omitted });
    this.pending = '';
    this.streaming = undefined;
    this.toolStatus.clear();
    for (const i of items) if (i.t === 'tool') this.toolStatus.set(i.id, i.status);
    const text = conversationText(items, omitted);
    if (text) this.write(text);
  }

  /** Prints one event. */
  event(e: ConversationEvent): void {
    const { changed } = this.conversation.apply(e);
    if (e.t === 'agent' || e.t === 'thought') {
      if (this.streaming !== e.t) this.endStream(true);
      if (this.streaming === undefined) this.pending = e.t === 'thought' ? '(thinking) ' : '';
      this.streaming = e.t;
      this.pending += e.text;
      const cut = this.pending.lastIndexOf('\n');
      if (cut >= 0) {
        this.write(`${this.pending.slice(0, cut + 1)}`);
        this.pending = this.pending.slice(cut + 1);
      }
      return;
    }
    this.endStream(false);
    for (const item of changed) {
      if (item.t === 'tool') {
        if (this.toolStatus.get(item.id) === item.status) continue;
        this.toolStatus.set(item.id, item.status);
      } else if (item.t === 'plan' && e.t !== 'plan') continue;
      const text = itemText(item);
      if (text) this.write(`${text}\n`);
    }
  }

  /** Prints what is left of a streamed message. */
  flush(): void {
    this.endStream(false);
  }

  private endStream(blankLine: boolean): void {
    if (this.streaming === undefined) return;
    if (this.pending.trim() !== '') this.write(`${this.pending}\n`);
    if (blankLine) this.write('\n');
    this.pending = '';
    this.streaming = undefined;
  }
}
