// From ACP to conversation events: every session update Paseo shows, permission requests, what it
// leaves out, and the limits it applies — checked against the event validators the clients use.
import type { ContentBlock, RequestPermissionRequest, SessionUpdate, ToolCallContent } from '@agentclientprotocol/sdk';
import { describe, expect, it } from 'vitest';
import {
  conversationEvent,
  MAX_EVENT_TEXT_CHARS,
  MAX_OPTIONS,
  MAX_PARTS,
  MAX_PATH_CHARS,
} from '../../src/conversation/events.js';
import { blockText, mapPermission, mapUpdate } from '../../src/session/acp/mapping.js';

const AT = '2025-01-02T03:04:05.000Z';
/** Maps and checks the result is a valid event (what a client would accept). */
const map = (u: SessionUpdate) => {
  const e = mapUpdate(u, AT);
  if (e) expect(conversationEvent(JSON.parse(JSON.stringify(e)), 'e')).toEqual(e);
  return e;
};

describe('ACP session updates → conversation events', () => {
  it('maps message and thought chunks, keeping the message id', () => {
    expect(
      map({ sessionUpdate: 'agent_message_chunk', content: { type: 'text', text: 'Hello **you**' }, messageId: 'm1' }),
    ).toEqual({ t: 'agent', at: AT, text: 'Hello **you**', messageId: 'm1' });
    expect(map({ sessionUpdate: 'agent_thought_chunk', content: { type: 'text', text: 'hmm' } })).toEqual({
      t: 'thought',
      at: AT,
      text: 'hmm',
    });
    expect(map({ sessionUpdate: 'agent_message_chunk', content: { type: 'text', text: '' } })).toBeUndefined();
    expect(map({ sessionUpdate: 'agent_thought_chunk', content: { type: 'text', text: '' } })).toBeUndefined();
  });

  it('maps a tool call with its kind, status, files and diff content', () => {
    expect(
      map({
        sessionUpdate: 'tool_call',
        toolCallId: 'c1',
        title: 'Edit a.ts',
        kind: 'edit',
        status: 'in_progress',
        locations: [{ path: '/p/a.ts', line: 12 }, { path: '/p/b.ts' }],
        content: [
          { type: 'diff', path: '/p/a.ts', oldText: 'a\n', newText: 'b\n' },
          { type: 'diff', path: '/p/new.ts', newText: 'x\n' },
          { type: 'content', content: { type: 'text', text: 'output' } },
        ],
      }),
    ).toEqual({
      t: 'tool',
      at: AT,
      id: 'c1',
      title: 'Edit a.ts',
      kind: 'edit',
      status: 'in_progress',
      locations: ['/p/a.ts:12', '/p/b.ts'],
      content: [
        { type: 'diff', path: '/p/a.ts', oldText: 'a\n', newText: 'b\n' },
        { type: 'diff', path: '/p/new.ts', oldText: null, newText: 'x\n' },
        { type: 'text', text: 'output' },
      ],
    });
    // Defaults for what the agent left out.
    expect(map({ sessionUpdate: 'tool_call', toolCallId: 'c2', title: 'Think' })).toMatchObject({
      kind: 'other',
      status: 'pending',
      content: [],
      locations: [],
    });
  });

  it('maps a tool call update to the fields that changed only', () => {
    expect(map({ sessionUpdate: 'tool_call_update', toolCallId: 'c1', status: 'completed' })).toEqual({
      t: 'tool',
      at: AT,
      id: 'c1',
      status: 'completed',
    });
    expect(map({ sessionUpdate: 'tool_call_update', toolCallId: 'c1', title: null, content: [] })).toEqual({
      t: 'tool',
      at: AT,
      id: 'c1',
      content: [],
    });
  });

  it('maps the files of a tool call with their line, once each, leaving out empty paths', () => {
    const locations = (l: { path: string; line?: number | null }[]) =>
      map({ sessionUpdate: 'tool_call_update', toolCallId: 'c1', locations: l });
    expect(
      locations([
        { path: '/p/a.ts', line: 3 },
        { path: '/p/a.ts', line: 0 },
        { path: '/p/b.ts', line: null },
        { path: '' },
        { path: '/p/a.ts', line: 3 },
        { path: '/p/b.ts' },
      ]),
    ).toEqual({ t: 'tool', at: AT, id: 'c1', locations: ['/p/a.ts:3', '/p/a.ts', '/p/b.ts'] });
    const many = Array.from({ length: MAX_PARTS + 5 }, (_, i) => ({ path: `/p/${i}.ts` }));
    expect(locations(many)).toMatchObject({ locations: many.slice(0, MAX_PARTS).map((l) => l.path) });
    const long = locations([{ path: `/${'d'.repeat(MAX_PATH_CHARS)}`, line: 7 }]);
    expect(long?.t === 'tool' && long.locations?.[0]?.length).toBe(MAX_PATH_CHARS);
  });

  it('maps tool output: leaves out empty text, names terminals, keeps at most the parts a client takes', () => {
    const content = (c: ToolCallContent[]) =>
      map({ sessionUpdate: 'tool_call', toolCallId: 'c1', title: 'Run', content: c });
    expect(
      content([
        { type: 'content', content: { type: 'text', text: '' } },
        { type: 'terminal', terminalId: 't1' },
        { type: 'diff', path: '', oldText: '', newText: 'x' },
        { type: 'content', content: { type: 'image', data: 'AAAA', mimeType: 'image/png' } },
      ]),
    ).toMatchObject({
      content: [
        { type: 'text', text: '[terminal t1]' },
        { type: 'diff', path: '?', oldText: '', newText: 'x' },
        { type: 'text', text: '[image]' },
      ],
    });
    const many: ToolCallContent[] = Array.from({ length: MAX_PARTS + 1 }, (_, i) => ({
      type: 'content',
      content: { type: 'text', text: `line ${i}` },
    }));
    const e = content(many);
    expect(e?.t === 'tool' && e.content?.length).toBe(MAX_PARTS);
    expect(e?.t === 'tool' && e.content?.at(-1)).toEqual({ type: 'text', text: `line ${MAX_PARTS - 1}` });
  });

  it('leaves out tool output of a kind it does not know (from a newer protocol version)', () => {
    const unknown = { type: 'chart', chartId: 'x' } as unknown as ToolCallContent;
    expect(map({ sessionUpdate: 'tool_call_update', toolCallId: 'c1', content: [unknown] })).toEqual({
      t: 'tool',
      at: AT,
      id: 'c1',
      content: [],
    });
  });

  it('keeps a tool call id that is empty visible as "?"', () => {
    expect(map({ sessionUpdate: 'tool_call_update', toolCallId: '', status: 'failed' })).toEqual({
      t: 'tool',
      at: AT,
      id: '?',
      status: 'failed',
    });
  });

  it('maps a plan and leaves out what Paseo does not show', () => {
    expect(
      map({
        sessionUpdate: 'plan',
        entries: [{ content: 'Read', priority: 'high', status: 'completed' }],
      }),
    ).toEqual({ t: 'plan', at: AT, entries: [{ content: 'Read', priority: 'high', status: 'completed' }] });
    expect(map({ sessionUpdate: 'available_commands_update', availableCommands: [] })).toBeUndefined();
    expect(map({ sessionUpdate: 'current_mode_update', currentModeId: 'code' })).toBeUndefined();
    expect(map({ sessionUpdate: 'user_message_chunk', content: { type: 'text', text: 'x' } })).toBeUndefined();
    const entries = Array.from({ length: MAX_PARTS + 1 }, (_, i) => ({
      content: `step ${i}`,
      priority: 'low' as const,
      status: 'pending' as const,
    }));
    const plan = map({ sessionUpdate: 'plan', entries });
    expect(plan?.t === 'plan' && plan.entries.map((e) => e.content)).toEqual(
      entries.slice(0, MAX_PARTS).map((e) => e.content),
    );
  });

  it('writes other content blocks as short Markdown', () => {
    expect(blockText({ type: 'resource_link', name: 'a.ts', uri: 'file:///p/a.ts' })).toBe('[a.ts](file:///p/a.ts)');
    expect(blockText({ type: 'image', data: 'AAAA', mimeType: 'image/png' })).toBe('[image]');
    expect(blockText({ type: 'resource', resource: { uri: 'file:///x', text: 'body' } })).toBe('\n```\nbody\n```\n');
    expect(blockText({ type: 'resource', resource: { uri: 'file:///x.png', blob: 'AAAA' } })).toBe('[file:///x.png]');
    expect(blockText({ type: 'audio', data: 'AAAA', mimeType: 'audio/wav' })).toBe('[audio]');
    // A kind of block from a newer protocol version: nothing to show.
    expect(blockText({ type: 'video', uri: 'file:///v.mp4' } as unknown as ContentBlock)).toBe('');
  });

  it('cuts text that is too long for one event', () => {
    const e = map({
      sessionUpdate: 'agent_message_chunk',
      content: { type: 'text', text: 'x'.repeat(MAX_EVENT_TEXT_CHARS + 10) },
    });
    expect(e?.t === 'agent' && e.text.length).toBe(MAX_EVENT_TEXT_CHARS);
    expect(e?.t === 'agent' && e.text.endsWith('…')).toBe(true);
  });
});

describe('ACP permission requests → conversation events', () => {
  const request: RequestPermissionRequest = {
    sessionId: 's',
    toolCall: { toolCallId: 'c1', title: 'Run rm -rf build', kind: 'delete' },
    options: [
      { optionId: 'a1', name: 'Allow', kind: 'allow_once' },
      { optionId: 'r1', name: 'Deny', kind: 'reject_once' },
    ],
  };

  it('maps the request with the agent options, and the tool call it is about', () => {
    const { tool, permission } = mapPermission(request, 'req1', AT, undefined);
    expect(tool).toEqual({ t: 'tool', at: AT, id: 'c1', title: 'Run rm -rf build', kind: 'delete' });
    expect(permission).toEqual({
      t: 'permission',
      at: AT,
      id: 'req1',
      toolCallId: 'c1',
      title: 'Run rm -rf build',
      options: [
        { id: 'a1', name: 'Allow', kind: 'allow_once' },
        { id: 'r1', name: 'Deny', kind: 'reject_once' },
      ],
    });
    expect(conversationEvent(permission, 'e')).toEqual(permission);
  });

  it('takes the title of a tool call the agent announced, and adds no empty update for it', () => {
    const bare = { ...request, toolCall: { toolCallId: 'c1' } };
    const known = mapPermission(bare, 'req1', AT, 'Edit a.ts');
    expect(known.tool).toBeUndefined();
    expect(known.permission.title).toBe('Edit a.ts');
    const unknown = mapPermission(bare, 'req2', AT, undefined);
    expect(unknown.tool).toEqual({ t: 'tool', at: AT, id: 'c1' });
    expect(unknown.permission.title).toBe('The agent asks for permission');
  });

  it('passes on what the request says new about a tool call the agent announced', () => {
    const update = { ...request, toolCall: { toolCallId: 'c1', status: 'in_progress' as const } };
    const { tool, permission } = mapPermission(update, 'req1', AT, 'Edit a.ts');
    expect(tool).toEqual({ t: 'tool', at: AT, id: 'c1', status: 'in_progress' });
    expect(permission.title).toBe('Edit a.ts');
  });

  it(`offers at most ${MAX_OPTIONS} options, an empty option id kept visible as "?"`, () => {
    const options = Array.from({ length: MAX_OPTIONS + 2 }, (_, i) => ({
      optionId: i === 0 ? '' : `o${i}`,
      name: `Option ${i}`,
      kind: 'allow_once' as const,
    }));
    const { permission } = mapPermission({ ...request, options }, 'req1', AT, undefined);
    expect(permission.options).toHaveLength(MAX_OPTIONS);
    expect(permission.options[0]).toEqual({ id: '?', name: 'Option 0', kind: 'allow_once' });
    expect(permission.options.at(-1)?.id).toBe(`o${MAX_OPTIONS - 1}`);
  });
});
