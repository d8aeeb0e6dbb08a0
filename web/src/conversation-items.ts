// The parts of a conversation on screen: prompts, the agent's answers (Markdown), its thinking, the plan
// as a checklist, tool calls as cards (kind, title, status, files, output, diffs), permission requests
// (a line in the conversation, and the prompt docked above the composer), the end of a turn, notices.
import type {
  ConversationItem,
  PermissionItem,
  PermissionOption,
  ToolContent,
  ToolItem,
} from '../../cli/src/conversation/events.js';
import { diffView, shortPath } from './diff-view.js';
import { renderMarkdown } from './markdown.js';
import { h } from './ui.js';

const STATUS_TEXT: Record<ToolItem['status'], string> = {
  pending: 'pending',
  in_progress: 'running',
  completed: 'done',
  failed: 'failed',
  cancelled: 'cancelled',
};
const KIND_TEXT: Record<ToolItem['kind'], string> = {
  read: 'read',
  edit: 'edit',
  delete: 'delete',
  move: 'move',
  search: 'search',
  execute: 'run',
  think: 'think',
  fetch: 'fetch',
  switch_mode: 'mode',
  other: 'tool',
};
const STOP_TEXT: Record<string, string> = {
  max_tokens: 'The agent stopped: it reached its token limit.',
  max_turn_requests: 'The agent stopped: it reached its request limit for one turn.',
  refusal: 'The agent refused.',
  cancelled: 'Turn cancelled.',
  error: 'The turn failed.',
};
/** Tool output longer than this many lines starts folded. */
const FOLDED_OUTPUT_LINES = 12;

/** Who "I" am, to say "you" for this device's own prompts and answers. */
export interface ItemContext {
  selfName: string;
}

/** The element of one item. */
export function renderItem(item: ConversationItem, ctx: ItemContext): HTMLElement {
  switch (item.t) {
    case 'user':
      return h(
        'div',
        { class: 'msg user', testid: 'user-message' },
        h('div', { class: 'bubble', text: item.text }),
        h('div', { class: 'meta', text: who(item.by, ctx) }),
      );
    case 'agent': {
      const el = h('div', { class: 'msg agent md', testid: 'agent-message' });
      el.append(renderMarkdown(item.text));
      return el;
    }
    case 'thought': {
      const body = h('div', { class: 'md' });
      body.append(renderMarkdown(item.text));
      return h('details', { class: 'thought', testid: 'thought' }, h('summary', { text: 'Thinking' }), body);
    }
    case 'plan':
      return h(
        'section',
        { class: 'plan', testid: 'plan', attrs: { 'aria-label': 'Plan' } },
        h('h4', { text: 'Plan' }),
        h(
          'ul',
          {},
          ...item.entries.map((e) =>
            h(
              'li',
              { class: 'plan-entry', testid: 'plan-entry', attrs: { 'data-status': e.status } },
              h('span', { class: 'check', attrs: { 'aria-label': e.status.replace('_', ' ') } }),
              h('span', { text: e.content }),
            ),
          ),
        ),
      );
    case 'tool':
      return toolCard(item);
    case 'permission':
      return permissionRecord(item, ctx);
    case 'turn': {
      const text =
        item.stopReason === 'cancelled' && item.by
          ? `Turn cancelled by ${who(item.by, ctx)}.`
          : STOP_TEXT[item.stopReason];
      return text
        ? h('div', { class: 'turn-end', testid: 'turn-end', attrs: { 'data-stop': item.stopReason }, text })
        : h('div', { class: 'turn-gap', attrs: { 'data-stop': item.stopReason } });
    }
    case 'notice':
      return h('div', { class: 'notice', testid: 'notice', attrs: { 'data-level': item.level }, text: item.text });
  }
}

/** A tool call: kind, title, status, the files it touches, and what it produced. */
export function toolCard(tool: ToolItem): HTMLElement {
  const files = filesWithoutDiff(tool);
  return h(
    'article',
    {
      class: 'tool',
      testid: 'tool-call',
      attrs: { 'data-status': tool.status, 'data-kind': tool.kind, 'data-tool-id': tool.id },
    },
    h(
      'header',
      { class: 'tool-head' },
      h('span', { class: 'tool-kind', text: KIND_TEXT[tool.kind] }),
      h('span', { class: 'tool-title', testid: 'tool-title', text: tool.title }),
      h('span', {
        class: 'status',
        testid: 'tool-status',
        attrs: { 'data-status': tool.status },
        text: STATUS_TEXT[tool.status],
      }),
    ),
    files.length
      ? h(
          'ul',
          { class: 'tool-files' },
          ...files.map((f) => h('li', { class: 'mono', text: shortPath(f), attrs: { title: f } })),
        )
      : null,
    ...tool.content.map(contentPart),
  );
}

/** The files a tool call touches that no diff below already names (a location may carry ":line"). */
function filesWithoutDiff(tool: ToolItem): string[] {
  const diffs = new Set(tool.content.flatMap((c) => (c.type === 'diff' ? [c.path] : [])));
  return [...new Set(tool.locations)].filter((f) => !diffs.has(f) && !diffs.has(f.replace(/:\d+$/, '')));
}

function contentPart(c: ToolContent): HTMLElement {
  if (c.type === 'diff') return diffView(c);
  const lines = c.text.split('\n').length;
  const pre = h('pre', { class: 'tool-output', text: c.text });
  if (lines <= FOLDED_OUTPUT_LINES) return pre;
  return h('details', { class: 'tool-fold' }, h('summary', { text: `Output (${lines} lines)` }), pre);
}

function permissionRecord(p: PermissionItem, ctx: ItemContext): HTMLElement {
  const option = p.options.find((o) => o.id === p.optionId);
  const state =
    p.state === 'pending'
      ? 'Waiting for an answer'
      : p.state === 'selected'
        ? `${option?.name ?? 'Answered'} — ${who(p.by, ctx)}`
        : p.state === 'timeout'
          ? 'Nobody answered in time: rejected'
          : `Cancelled${p.by ? ` by ${who(p.by, ctx)}` : ''}`;
  return h(
    'div',
    {
      class: 'perm-record',
      testid: 'permission-record',
      attrs: { 'data-state': p.state, 'data-option-kind': option?.kind ?? '' },
    },
    h('span', { class: 'perm-q', text: `Asked to ${lowerFirst(p.title)}` }),
    h('span', { class: 'perm-a', text: state }),
  );
}

/**
 * The permission prompt docked above the composer: what the agent wants to do, the change it will make
 * (folded when long), and the agent's own answers as buttons.
 */
export function permissionPrompt(
  p: PermissionItem,
  tool: ToolItem | undefined,
  waiting: number,
  answer: (option: PermissionOption) => void,
): HTMLElement {
  const details = tool?.content.length ? h('div', { class: 'perm-details' }, ...tool.content.map(contentPart)) : null;
  const files = tool ? filesWithoutDiff(tool) : [];
  return h(
    'section',
    {
      class: 'perm-prompt',
      testid: 'permission-prompt',
      attrs: { role: 'alertdialog', 'aria-label': 'The agent asks for permission', 'data-request-id': p.id },
    },
    h(
      'div',
      { class: 'perm-body' },
      h(
        'div',
        { class: 'perm-head' },
        h('span', {
          class: 'perm-label',
          text: waiting > 1 ? `Permission needed (1 of ${waiting})` : 'Permission needed',
        }),
        tool ? h('span', { class: 'tool-kind', text: KIND_TEXT[tool.kind] }) : null,
      ),
      h('p', { class: 'perm-title', testid: 'permission-title', text: p.title }),
      files.length ? h('p', { class: 'perm-files mono', text: files.map(shortPath).join(', ') }) : null,
      details,
    ),
    h(
      'div',
      { class: 'perm-options' },
      ...p.options.map((o) =>
        h('button', {
          class: o.kind.startsWith('allow') ? (o.kind === 'allow_once' ? 'primary' : 'secondary') : 'danger-outline',
          testid: 'permission-option',
          attrs: { 'data-kind': o.kind, 'data-option-id': o.id },
          text: o.name,
          on: { click: () => answer(o) },
        }),
      ),
    ),
  );
}

function who(by: string | null | undefined, ctx: ItemContext): string {
  if (!by) return '';
  return by === ctx.selfName ? 'you' : by;
}

function lowerFirst(text: string): string {
  return /^[A-Z][a-z]/.test(text) ? text[0]!.toLowerCase() + text.slice(1) : text;
}
