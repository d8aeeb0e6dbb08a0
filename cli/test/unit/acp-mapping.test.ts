// From ACP to conversation events: every session update Paseo shows, permission requests, what it
// leaves out, and the limits it applies — checked against the event validators the clients use.
import type { RequestPermissionRequest, SessionUpdate } from '@agentclientprotocol/sdk';
import { describe, expect, it } from 'vitest';
import { conversationEvent, MAX_EVENT_TEXT_CHARS } from '../../src/conversation/events.js';
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
  });

  it('writes other content blocks as short Markdown', () => {
    expect(blockText({ type: 'resource_link', name: 'a.ts', uri: 'file:///p/a.ts' })).toBe('[a.ts](file:///p/a.ts)');
    expect(blockText({ type: 'image', data: 'AAAA', mimeType: 'image/png' })).toBe('[image]');
    expect(blockText({ type: 'resource', resource: { uri: 'file:///x', text: 'body' } })).toBe('\n```\nbody\n```\n');
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
});
