// From what an ACP agent sends (session/update notifications, session/request_permission requests) to
// the conversation events Paseo stores and shows (cli/src/conversation/events.ts). Pure: the input is
// what the SDK validated; every string is cut to the sizes the events allow.
import type {
  PermissionOption as AcpPermissionOption,
  PlanEntry as AcpPlanEntry,
  ContentBlock,
  RequestPermissionRequest,
  SessionUpdate,
  ToolCallContent,
  ToolCallLocation,
} from '@agentclientprotocol/sdk';
import {
  type ConversationEvent,
  clip,
  type EventOf,
  MAX_EVENT_TEXT_CHARS,
  MAX_OPTIONS,
  MAX_PARTS,
  MAX_PATH_CHARS,
  MAX_TITLE_CHARS,
  type PlanEntry,
  type ToolContent,
} from '../../conversation/events.js';

const ID_CHARS = 200;

/** The conversation event for one session update, or undefined for updates Paseo does not show. */
export function mapUpdate(update: SessionUpdate, at: string): ConversationEvent | undefined {
  switch (update.sessionUpdate) {
    case 'agent_message_chunk': {
      const text = blockText(update.content);
      if (text === '') return undefined;
      const messageId = update.messageId ? clip(update.messageId, ID_CHARS) : undefined;
      return { t: 'agent', at, text, ...(messageId ? { messageId } : {}) };
    }
    case 'agent_thought_chunk': {
      const text = blockText(update.content);
      return text === '' ? undefined : { t: 'thought', at, text };
    }
    case 'tool_call':
      return {
        t: 'tool',
        at,
        id: toolCallId(update.toolCallId),
        title: clip(update.title, MAX_TITLE_CHARS),
        kind: update.kind ?? 'other',
        status: update.status ?? 'pending',
        content: toolContents(update.content ?? []),
        locations: paths(update.locations ?? []),
      };
    case 'tool_call_update': {
      const event: EventOf<'tool'> = { t: 'tool', at, id: toolCallId(update.toolCallId) };
      if (update.title != null) event.title = clip(update.title, MAX_TITLE_CHARS);
      if (update.kind != null) event.kind = update.kind;
      if (update.status != null) event.status = update.status;
      if (update.content != null) event.content = toolContents(update.content);
      if (update.locations != null) event.locations = paths(update.locations);
      return event;
    }
    case 'plan':
      return { t: 'plan', at, entries: update.entries.slice(0, MAX_PARTS).map(planEntry) };
  }
  // Commands, modes, config options, usage, notices, session info: not shown (yet).
  return undefined;
}

/**
 * The events for a permission request: the tool call it is about (created, or updated with what the
 * request says — omitted when it says nothing new about a known call), then the request itself.
 * `knownTitle` is the title of the tool call if the agent announced it before.
 */
export function mapPermission(
  request: RequestPermissionRequest,
  requestId: string,
  at: string,
  knownTitle: string | undefined,
): { tool: EventOf<'tool'> | undefined; permission: EventOf<'permission'> } {
  const { toolCall } = request;
  const tool = mapUpdate({ sessionUpdate: 'tool_call_update', ...toolCall }, at) as EventOf<'tool'>;
  const saysSomething = Object.keys(tool).length > 3; // more than t, at and id
  const permission: EventOf<'permission'> = {
    t: 'permission',
    at,
    id: requestId,
    toolCallId: tool.id,
    title: tool.title || knownTitle || 'The agent asks for permission',
    options: request.options.slice(0, MAX_OPTIONS).map(permissionOption),
  };
  return { tool: saysSomething || knownTitle === undefined ? tool : undefined, permission };
}

/** The id of a tool call as Paseo keeps it. */
export function toolCallId(raw: string): string {
  return clip(raw, ID_CHARS) || '?';
}

/** A content block as Markdown text (media and embedded files as a short mention). */
export function blockText(block: ContentBlock): string {
  switch (block.type) {
    case 'text':
      return clip(block.text, MAX_EVENT_TEXT_CHARS);
    case 'resource_link':
      return clip(`[${block.title ?? block.name}](${block.uri})`, MAX_EVENT_TEXT_CHARS);
    case 'resource':
      return 'text' in block.resource
        ? clip(`\n\`\`\`\n${block.resource.text}\n\`\`\`\n`, MAX_EVENT_TEXT_CHARS)
        : `[${block.resource.uri}]`;
    case 'image':
      return '[image]';
    case 'audio':
      return '[audio]';
    default:
      return '';
  }
}

function toolContents(content: ToolCallContent[]): ToolContent[] {
  const out: ToolContent[] = [];
  for (const c of content.slice(0, MAX_PARTS)) {
    if (c.type === 'diff') {
      out.push({
        type: 'diff',
        path: clip(c.path, MAX_PATH_CHARS) || '?',
        oldText: c.oldText == null ? null : clip(c.oldText, MAX_EVENT_TEXT_CHARS),
        newText: clip(c.newText, MAX_EVENT_TEXT_CHARS),
      });
    } else if (c.type === 'content') {
      const text = blockText(c.content);
      if (text !== '') out.push({ type: 'text', text });
    } else if (c.type === 'terminal') {
      // Paseo does not offer terminals to agents, so an agent should not send these.
      out.push({ type: 'text', text: `[terminal ${clip(c.terminalId, 100)}]` });
    }
  }
  return out;
}

function paths(locations: ToolCallLocation[]): string[] {
  const out: string[] = [];
  for (const l of locations.slice(0, MAX_PARTS)) {
    const path = clip(l.path, MAX_PATH_CHARS);
    if (path === '') continue;
    const withLine = clip((l.line ?? 0) > 0 ? `${path}:${l.line}` : path, MAX_PATH_CHARS);
    if (!out.includes(withLine)) out.push(withLine);
  }
  return out;
}

function planEntry(e: AcpPlanEntry): PlanEntry {
  return { content: clip(e.content, 2000), status: e.status, priority: e.priority };
}

function permissionOption(o: AcpPermissionOption): { id: string; name: string; kind: AcpPermissionOption['kind'] } {
  return { id: clip(o.optionId, ID_CHARS) || '?', name: clip(o.name, MAX_TITLE_CHARS), kind: o.kind };
}
