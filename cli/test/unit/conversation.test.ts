// The conversation model shared by the daemon, the CLI and the web UI: folding events into items,
// snapshots, the recording file, the line diff, the text `paseo logs` prints, and the line filter in
// front of an agent's stdout.
import { describe, expect, it } from 'vitest';
import { conversationText, LivePrinter, toolLine } from '../../src/commands/conversation-text.js';
import {
  type ConversationEvent,
  conversationEvent,
  firstOption,
  parseEventsBody,
  parseSnapshotBody,
} from '../../src/conversation/events.js';
import { eventLine, exitLine, headerLine, parseConversation } from '../../src/conversation/file.js';
import { Conversation } from '../../src/conversation/fold.js';
import { diffLines } from '../../src/conversation/line-diff.js';
import { isJsonRpc, LineFilter } from '../../src/session/acp/line-filter.js';

const at = '2025-01-02T03:04:05.000Z';
const options = [
  { id: 'y', name: 'Allow once', kind: 'allow_once' as const },
  { id: 'a', name: 'Allow always', kind: 'allow_always' as const },
  { id: 'n', name: 'Reject', kind: 'reject_once' as const },
];
const TURN: ConversationEvent[] = [
  { t: 'user', at, text: 'Fix the bug', by: 'Pixel 8' },
  { t: 'agent', at, text: 'Looking ' },
  { t: 'agent', at, text: 'at it.' },
  { t: 'plan', at, entries: [{ content: 'Fix', status: 'in_progress', priority: 'high' }] },
  { t: 'tool', at, id: 'c1', title: 'Edit a.ts', kind: 'edit', status: 'pending', locations: ['/p/a.ts'] },
  { t: 'permission', at, id: 'r1', toolCallId: 'c1', title: 'Edit a.ts', options },
  { t: 'answer', at, id: 'r1', outcome: 'selected', optionId: 'y', by: 'Pixel 8' },
  {
    t: 'tool',
    at,
    id: 'c1',
    status: 'completed',
    content: [{ type: 'diff', path: '/p/a.ts', oldText: 'a\nb\nc\n', newText: 'a\nB\nc\nd\n' }],
  },
  { t: 'plan', at, entries: [{ content: 'Fix', status: 'completed', priority: 'high' }] },
  { t: 'agent', at, text: 'Fixed.' },
  { t: 'turn', at, stopReason: 'end_turn' },
];

describe('folding a conversation', () => {
  it('joins chunks, applies tool updates and answers, and replaces the plan of the turn', () => {
    const c = Conversation.of(TURN);
    expect(c.items.map((i) => i.t)).toEqual(['user', 'agent', 'plan', 'tool', 'permission', 'agent', 'turn']);
    expect(c.items[1]).toMatchObject({ text: 'Looking at it.' });
    expect(c.items[2]).toMatchObject({ entries: [{ status: 'completed' }] });
    expect(c.items[3]).toMatchObject({ title: 'Edit a.ts', status: 'completed', locations: ['/p/a.ts'] });
    expect(c.items[4]).toMatchObject({ state: 'selected', optionId: 'y', by: 'Pixel 8' });
    expect(c.working).toBe(false);
    expect(Conversation.of(TURN.slice(0, 6)).working).toBe(true);
    expect(Conversation.of(TURN.slice(0, 6)).pendingPermissions()).toHaveLength(1);
  });

  it('starts a new message after a tool call and when the message id changes', () => {
    const c = Conversation.of([
      { t: 'agent', at, text: 'a', messageId: 'm1' },
      { t: 'agent', at, text: 'b', messageId: 'm2' },
      { t: 'tool', at, id: 'x', title: 'T' },
      { t: 'agent', at, text: 'c' },
    ]);
    expect(c.items.map((i) => (i.t === 'agent' ? i.text : i.t))).toEqual(['a', 'b', 'tool', 'c']);
  });

  it('marks what was left running as cancelled (or failed) when the turn ends that way', () => {
    const open: ConversationEvent[] = [
      { t: 'user', at, text: 'go' },
      { t: 'tool', at, id: 'a', title: 'A', status: 'in_progress' },
      { t: 'tool', at, id: 'b', title: 'B', status: 'completed' },
      { t: 'permission', at, id: 'r', toolCallId: 'a', title: 'A', options },
    ];
    const cancelled = Conversation.of([...open, { t: 'turn', at, stopReason: 'cancelled' }]);
    expect(cancelled.items.map((i) => (i.t === 'tool' ? i.status : i.t === 'permission' ? i.state : i.t))).toEqual([
      'user',
      'cancelled',
      'completed',
      'cancelled',
      'turn',
    ]);
    const failed = Conversation.of([...open, { t: 'turn', at, stopReason: 'error' }]);
    expect(failed.items[1]).toMatchObject({ status: 'failed' });
  });

  it('makes snapshots that fit a size, counting what they leave out, and that round-trip', () => {
    const c = Conversation.of(TURN);
    const all = c.snapshot(1e9);
    expect(all).toEqual({ items: c.items, omitted: 0 });
    const small = c.snapshot(300);
    expect(small.items.length).toBeGreaterThan(0);
    expect(small.items.length).toBeLessThan(c.items.length);
    expect(small.omitted).toBe(c.items.length - small.items.length);
    expect(JSON.stringify(small).length).toBeLessThan(600);
    const parsed = parseSnapshotBody(new TextEncoder().encode(JSON.stringify(all)));
    expect(new Conversation(parsed).items).toEqual(c.items);
  });

  it('validates events from the wire, refusing unknown kinds and bad fields', () => {
    const body = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
    expect(parseEventsBody(body(TURN))).toEqual(TURN);
    expect(() => parseEventsBody(body([{ t: 'html', at, text: '<b>' }]))).toThrow(/events\[0\]\.t/);
    expect(() => parseEventsBody(body([{ t: 'tool', at, id: 'x', status: 'exploded' }]))).toThrow(/status/);
    expect(() => parseEventsBody(body([{ t: 'agent', at }]))).toThrow(/text/);
    expect(() => parseEventsBody(new TextEncoder().encode('{nope'))).toThrow(/JSON/);
    expect(conversationEvent({ ...TURN[0], extra: 1 }, 'e')).toEqual(TURN[0]); // unknown fields are dropped
  });

  it('finds the agent option of a kind', () => {
    expect(firstOption(options, 'allow')?.name).toBe('Allow once');
    expect(firstOption(options, 'reject')?.name).toBe('Reject');
    expect(firstOption(options.slice(0, 2), 'reject')).toBeUndefined();
  });
});

describe('conversation files', () => {
  it('reads the events back in order across rotated parts, skipping a line cut by a crash', () => {
    const header = headerLine({
      paseo: 'conversation',
      version: 1,
      id: 'abcdefgh',
      name: 'gemini',
      command: ['gemini', '--acp'],
      cwd: '/p',
      startedAt: at,
    });
    const lines = TURN.map((e, i) => eventLine(i + 1, JSON.stringify(e)));
    const older = header + lines.slice(0, 4).join('');
    const cut = '{"seq":99,"ev';
    const newer = `${header}${lines.slice(4).join('')}${exitLine({ exitCode: 0, signal: null }, at)}${cut}`;
    const file = parseConversation([older, newer]);
    expect(file.header).toMatchObject({ id: 'abcdefgh', command: ['gemini', '--acp'] });
    expect(file.events).toEqual(TURN);
    expect(file.exit).toEqual({ exitCode: 0, signal: null });
    expect(file.skipped).toBe(1);
  });
});

describe('line diffs', () => {
  it('finds the changed lines with context, like diff -u', () => {
    const d = diffLines('a\nb\nc\n', 'a\nB\nc\nd\n');
    expect([d.added, d.removed]).toEqual([2, 1]);
    expect(d.hunks).toHaveLength(1);
    expect(d.hunks[0]!.lines.map((l) => l.op + l.text)).toEqual([' a', '-b', '+B', ' c', '+d']);
    expect(d.hunks[0]).toMatchObject({ oldStart: 1, oldLines: 3, newStart: 1, newLines: 4 });
  });

  it('splits far-apart changes into hunks and numbers the lines', () => {
    const old = Array.from({ length: 40 }, (_, i) => `line ${i + 1}`);
    const changed = [...old];
    changed[2] = 'LINE 3';
    changed[35] = 'LINE 36';
    const d = diffLines(`${old.join('\n')}\n`, `${changed.join('\n')}\n`);
    expect(d.hunks.map((h) => [h.oldStart, h.oldLines, h.newStart, h.newLines])).toEqual([
      [1, 6, 1, 6],
      [33, 7, 33, 7],
    ]);
    expect(d.hunks[1]!.lines.find((l) => l.op === '+')).toMatchObject({ text: 'LINE 36', oldNo: null, newNo: 36 });
  });

  it('shows a new file as all added, and stays exact for larger edits', () => {
    expect(diffLines(null, 'x\ny\n')).toMatchObject({ added: 2, removed: 0 });
    const a = Array.from({ length: 300 }, (_, i) => `${i % 7} ${i}`);
    const b = a.filter((_, i) => i % 5 !== 0).map((l, i) => (i % 11 === 0 ? `${l}!` : l));
    const d = diffLines(a.join('\n'), b.join('\n'), 0);
    // Applying the hunks to the old text gives the new text.
    const out: string[] = [];
    let next = 0;
    for (const h of d.hunks) {
      const from = h.oldLines === 0 ? h.oldStart : h.oldStart - 1;
      out.push(...a.slice(next, from));
      for (const l of h.lines) if (l.op !== '-') out.push(l.text);
      next = from + h.oldLines;
    }
    out.push(...a.slice(next));
    expect(out).toEqual(b);
  });
});

describe('conversation text', () => {
  it('prints what `paseo logs` shows: prompts, answers, plan, tool calls with files and status', () => {
    const text = conversationText(Conversation.of(TURN).items);
    expect(text).toBe(
      `${[
        '» Pixel 8: Fix the bug',
        'Looking at it.',
        'Plan:\n  [x] Fix',
        '⚙ Edit a.ts — edit, done — /p/a.ts (+2 −1)',
        '? Permission: Edit a.ts — answered “Allow once” by Pixel 8',
        'Fixed.',
      ].join('\n\n')}\n`,
    );
    expect(
      toolLine({
        t: 'tool',
        at,
        id: 'x',
        title: 'Create b.ts',
        kind: 'edit',
        status: 'failed',
        locations: [],
        content: [{ type: 'diff', path: '/p/b.ts', oldText: null, newText: '1\n2\n' }],
      }),
    ).toBe('⚙ Create b.ts — edit, failed — /p/b.ts (new, +2 −0)');
  });

  it('prints a live conversation line by line as the answer streams in', () => {
    const out: string[] = [];
    const p = new LivePrinter((t) => out.push(t));
    p.event({ t: 'user', at, text: 'hi', by: 'the computer' });
    p.event({ t: 'agent', at, text: 'Hel' });
    expect(out.join('')).toBe('» the computer: hi\n');
    p.event({ t: 'agent', at, text: 'lo\nwor' });
    expect(out.join('')).toBe('» the computer: hi\nHello\n');
    p.event({ t: 'tool', at, id: 'c', title: 'Run tests', kind: 'execute', status: 'in_progress' });
    p.event({ t: 'tool', at, id: 'c', title: 'Run tests' }); // no status change: nothing printed
    p.event({ t: 'permission', at, id: 'r', toolCallId: 'c', title: 'Run tests', options });
    p.event({ t: 'turn', at, stopReason: 'cancelled' });
    expect(out.join('')).toBe(
      [
        '» the computer: hi',
        'Hello',
        'wor',
        '⚙ Run tests — execute, running',
        '? Permission: Run tests — waiting for an answer: /1 Allow once  /2 Allow always  /3 Reject',
        '⚙ Run tests — execute, cancelled',
        '? Permission: Run tests — cancelled',
        '(turn cancelled)',
        '',
      ].join('\n'),
    );
  });
});

describe('the line filter in front of an agent', () => {
  it('passes JSON-RPC lines on and sends everything else to the log, across chunk boundaries', () => {
    const protocol: string[] = [];
    const noise: string[] = [];
    const f = new LineFilter(
      { protocol: (l) => protocol.push(Buffer.from(l).toString()), noise: (t) => noise.push(t) },
      1000,
    );
    f.push(Buffer.from('Starting agent v1.2\n{"jsonrpc":"2.0","id":1,"res'));
    f.push(Buffer.from('ult":{}}\n\n{"level":"info","msg":"json log"}\n\x1b[32mready\x1b[0m\r\n'));
    f.push(Buffer.from(`${'x'.repeat(1500)}\n{"jsonrpc":"2.0","method":"m"}`));
    f.end();
    expect(protocol).toEqual(['{"jsonrpc":"2.0","id":1,"result":{}}\n', '{"jsonrpc":"2.0","method":"m"}\n']);
    expect(noise).toEqual([
      'Starting agent v1.2',
      '{"level":"info","msg":"json log"}',
      'ready',
      '(a line over 1000 bytes was dropped)',
    ]);
    expect(isJsonRpc('{"jsonrpc":"1.0"}')).toBe(false);
    expect(isJsonRpc('[{"jsonrpc":"2.0"}]')).toBe(false);
  });
});
