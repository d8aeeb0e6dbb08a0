// ACP sessions with a real agent process (the fake ACP agent, driven by JSONL scenarios) through the
// session manager: a turn with a plan, a tool call, a permission request and a diff; answers from two
// devices; the timeout's safe answer; cancelling; a crash; late and returning viewers; the recording.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConversationItem, PermissionItem, ToolItem } from '../../src/conversation/events.js';
import { parseConversation } from '../../src/conversation/file.js';
import { Conversation } from '../../src/conversation/fold.js';
import { acpAgent, acpScenario } from '../fixtures/fake-acp.js';
import { makeManager, TestViewer, waitFor } from '../fixtures/session-harness.js';

let env: ReturnType<typeof makeManager>;
afterEach(async () => {
  await env?.close();
});

const text = (items: ConversationItem[], t: 'agent' | 'user' | 'thought' | 'notice'): string[] =>
  items.filter((i) => i.t === t).map((i) => (i as { text: string }).text);
const tool = (c: Conversation, id: string): ToolItem | undefined =>
  c.items.find((i): i is ToolItem => i.t === 'tool' && i.id === id);
const permission = (c: Conversation): PermissionItem | undefined =>
  c.items.findLast((i): i is PermissionItem => i.t === 'permission');

/** Starts a session with the fake ACP agent and waits until it takes prompts. */
async function start(scenario: string | undefined, limits: Parameters<typeof makeManager>[0] = {}) {
  env = makeManager(limits);
  const { manager } = env;
  const info = manager.create({
    kind: 'acp',
    command: acpAgent(scenario && acpScenario(scenario)),
    cols: 80,
    rows: 24,
    cwd: '/tmp',
  });
  const phone = new TestViewer(manager, true);
  manager.attach(info.id, phone, {});
  await waitFor('agent ready', () => manager.get(info.id)!.activity === 'ready');
  return { manager, id: info.id, phone, info: () => manager.get(info.id)! };
}

describe('ACP sessions', () => {
  it('runs a turn: plan, tool call, a permission a device answers, a diff; noise goes to the log only', async () => {
    const { manager, id, phone, info } = await start('edit');
    expect(info()).toMatchObject({ kind: 'acp', agent: 'fake-acp-agent 1.0.0', waitingForInput: true });
    expect(info().cols).toBeUndefined();
    manager.send(id, 'Make the greeting friendlier', 'Pixel 8');
    expect(info()).toMatchObject({ activity: 'working', waitingForInput: false });
    await waitFor('permission request', () => (info().permissions?.length ?? 0) === 1);
    const [request] = info().permissions!;
    expect(request).toMatchObject({ title: 'Edit src/greet.ts' });
    expect(request!.options.map((o) => `${o.kind}:${o.name}`)).toEqual([
      'allow_once:Allow once',
      'allow_always:Allow always',
      'reject_once:Reject',
    ]);
    expect(info().waitingForInput).toBe(true);
    expect(permission(phone.conversation())).toMatchObject({ state: 'pending', toolCallId: 'edit-1' });

    manager.permit(id, request!.id, 'yes', 'Pixel 8');
    await waitFor('turn ended', () => info().activity === 'ready');
    const c = phone.conversation();
    phone.assertContiguous();
    expect(c.items.map((i) => i.t)).toEqual([
      'user',
      'thought',
      'plan',
      'agent',
      'tool',
      'permission',
      'agent',
      'turn',
    ]);
    expect(text(c.items, 'user')).toEqual(['Make the greeting friendlier']);
    expect(text(c.items, 'agent')).toEqual([
      "I'll make the greeting **friendlier**. First I need to edit `src/greet.ts`:",
      'Done: `greet` now says *hello* warmly.',
    ]);
    const plan = c.items.find((i) => i.t === 'plan');
    expect(plan?.t === 'plan' && plan.entries.map((e) => e.status)).toEqual(['completed', 'completed', 'completed']);
    expect(tool(c, 'edit-1')).toMatchObject({
      title: 'Edit src/greet.ts',
      kind: 'edit',
      status: 'completed',
      locations: ['/tmp/src/greet.ts'],
      content: [{ type: 'diff', path: '/tmp/src/greet.ts', oldText: expect.stringContaining("'Hi ' + name") }],
    });
    expect(permission(c)).toMatchObject({ state: 'selected', optionId: 'yes', by: 'Pixel 8' });
    expect(c.items.at(-1)).toMatchObject({ t: 'turn', stopReason: 'end_turn' });
    // The lines that are not protocol went to the log, not into the conversation.
    const logged = env.log.lines.map((l) => l.text).join('\n');
    expect(logged).toContain('agent stdout: fake-acp-agent 1.0 starting (this line is not protocol)');
    expect(logged).toContain('agent stdout: [progress] 40%');
    expect(JSON.stringify(c.items)).not.toContain('not protocol');
    // Paseo advertised no client capabilities (no fs, no terminal).
    expect(logged).toContain('agent stderr: initialize from paseo: {}');

    // The next prompt is echoed by the scenario's second turn.
    manager.send(id, 'Thanks!', 'the computer');
    await waitFor('echo', () => text(phone.conversation().items, 'agent').includes('You said: Thanks!'));
  });

  it('takes the first of two answers; the second hears who answered', async () => {
    const { manager, id, phone, info } = await start('edit');
    manager.send(id, 'go', 'Pixel 8');
    await waitFor('permission request', () => (info().permissions?.length ?? 0) === 1);
    const requestId = info().permissions![0]!.id;
    manager.permit(id, requestId, 'no', 'iPad');
    expect(() => manager.permit(id, requestId, 'yes', 'Pixel 8')).toThrow(/already answered: “Reject” by iPad/);
    await waitFor('turn ended', () => info().activity === 'ready');
    const c = phone.conversation();
    expect(permission(c)).toMatchObject({ state: 'selected', optionId: 'no', by: 'iPad' });
    expect(tool(c, 'edit-1')?.status).toBe('failed');
    expect(text(c.items, 'agent')).toContain('Understood, I left the file alone.');
    expect(() => manager.permit(id, 'nosuchid', 'yes', 'iPad')).toThrow(/no such permission request/);
  });

  it('answers an unanswered permission request with the safe answer (reject) after the timeout', async () => {
    const { manager, id, phone, info } = await start('edit', { permissionTimeoutMs: 300 });
    manager.send(id, 'go', 'Pixel 8');
    await waitFor('permission request', () => (info().permissions?.length ?? 0) === 1);
    expect(Date.parse(info().permissions![0]!.expiresAt)).toBeGreaterThan(Date.now() - 1000);
    await waitFor('turn ended', () => info().activity === 'ready');
    const c = phone.conversation();
    expect(permission(c)).toMatchObject({ state: 'timeout', optionId: 'no', by: null });
    expect(tool(c, 'edit-1')?.status).toBe('failed');
    expect(info().permissions).toEqual([]);
  });

  it('cancels a slow turn, and a turn waiting for a permission answer', async () => {
    const { manager, id, phone, info } = await start('slow');
    expect(() => manager.cancel(id, 'Pixel 8')).toThrow(/not working on a prompt/);
    manager.send(id, 'run the tests', 'Pixel 8');
    await waitFor('tool running', () => tool(phone.conversation(), 'tests-1')?.status === 'in_progress');
    expect(() => manager.send(id, 'and another thing', 'Pixel 8')).toThrow(/still answering the last prompt/);
    manager.cancel(id, 'Pixel 8');
    await waitFor('turn cancelled', () => info().activity === 'ready');
    let c = phone.conversation();
    expect(c.items.at(-1)).toMatchObject({ t: 'turn', stopReason: 'cancelled', by: 'Pixel 8' });
    expect(tool(c, 'tests-1')?.status).toBe('cancelled');
    expect(text(c.items, 'agent')).not.toContain('This is never said.');

    manager.send(id, 'clean up', 'Pixel 8');
    await waitFor('permission request', () => (info().permissions?.length ?? 0) === 1);
    manager.cancel(id, 'iPad');
    await waitFor('turn cancelled', () => info().activity === 'ready');
    c = phone.conversation();
    expect(permission(c)).toMatchObject({ state: 'cancelled', by: 'iPad' });
    expect(c.items.at(-1)).toMatchObject({ t: 'turn', stopReason: 'cancelled' });
    expect(info().permissions).toEqual([]);
    // The agent heard "cancelled" for its request.
    await waitFor('agent logged the answer', () =>
      env.log.lines.some((l) => l.text.includes('permission answered: {"outcome":{"outcome":"cancelled"}}')),
    );
  });

  it('reports an agent that crashes mid-turn: the turn fails and the session exits with its code', async () => {
    const { manager, id, phone, info } = await start('crash');
    manager.send(id, 'look at src/index.ts', 'Pixel 8');
    await waitFor('exit', () => phone.of('session.exit').length === 1);
    expect(phone.of('session.exit')[0]).toMatchObject({ exitCode: 3, signal: null });
    expect(info()).toMatchObject({ state: 'exited', exitCode: 3, waitingForInput: false });
    expect(info().activity).toBeUndefined();
    const c = phone.conversation();
    const [notice] = text(c.items, 'notice');
    expect(notice).toMatch(/^The agent stopped unexpectedly \(exit code 3\)\. Its last words: .*panic: out of tokens/);
    expect(c.items.at(-1)).toMatchObject({ t: 'turn', stopReason: 'error' });
    expect(tool(c, 'read-1')?.status).toBe('failed');
    expect(() => manager.send(id, 'again?', 'Pixel 8')).toThrow(/has ended/);
  });

  it('gives a late viewer the whole conversation, and a returning one what it missed after its event number', async () => {
    const { manager, id, phone, info } = await start('edit');
    manager.send(id, 'go', 'Pixel 8');
    await waitFor('permission request', () => (info().permissions?.length ?? 0) === 1);
    // A device that connects now sees everything so far, the pending request included.
    const late = new TestViewer(manager, true);
    manager.attach(id, late, {});
    expect(late.got[0]?.msg).toMatchObject({ t: 'session.conversation', seq: info().seq });
    expect(JSON.stringify(late.conversation().items)).toBe(JSON.stringify(phone.conversation().items));
    expect(late.conversation().pendingPermissions()).toHaveLength(1);
    // The phone goes away, the turn goes on, the phone comes back after the event it had.
    const had = info().seq;
    manager.detach(id, phone);
    manager.permit(id, info().permissions![0]!.id, 'yes', 'laptop');
    await waitFor('turn ended', () => info().activity === 'ready');
    const back = new TestViewer(manager, true);
    manager.attach(id, back, { afterSeq: had });
    const [first] = back.of('session.events');
    expect(back.of('session.conversation')).toHaveLength(0);
    expect(first!.seq).toBe(info().seq);
    const resumed = new Conversation(phone.conversation().snapshot(1e9));
    for (const g of back.got) {
      if (g.msg.t === 'session.events') for (const e of JSON.parse(Buffer.from(g.body!).toString())) resumed.apply(e);
    }
    expect(JSON.stringify(resumed.items)).toBe(JSON.stringify(late.conversation().items));
  });

  it('holds back a viewer that does not acknowledge events, and catches it up when it does', async () => {
    const { manager, id, info } = await start('edit', {
      eventsHighWatermark: 3,
      eventsLowWatermark: 1,
      eventsChunk: 2,
    });
    const slow = new TestViewer(manager, false);
    manager.attach(id, slow, { afterSeq: 0 });
    manager.send(id, 'go', 'Pixel 8');
    await waitFor('permission request', () => (info().permissions?.length ?? 0) === 1);
    expect(slow.lastSeqOf('session.events')).toBeLessThanOrEqual(4);
    expect(info().seq).toBeGreaterThan(4);
    slow.autoAck = true;
    manager.ack(id, slow, slow.lastSeqOf('session.events'));
    await waitFor('caught up', () => slow.lastSeqOf('session.events') === info().seq);
    slow.assertContiguous();
  });

  it('records the conversation as JSON lines that fold to what viewers saw', async () => {
    const { manager, id, phone, info } = await start('edit');
    manager.send(id, 'go', 'Pixel 8');
    await waitFor('permission request', () => (info().permissions?.length ?? 0) === 1);
    manager.permit(id, info().permissions![0]!.id, 'yes', 'Pixel 8');
    await waitFor('turn ended', () => info().activity === 'ready');
    const path = manager.recordingPath(id)!;
    expect(path.endsWith(`/recordings/${id}.acp.jsonl`)).toBe(true);
    await manager.kill(id);
    expect(manager.recordingPath(id)).toBe(path); // still found once removed
    const file = parseConversation([readFileSync(path, 'utf8')]);
    expect(file.header).toMatchObject({ paseo: 'conversation', version: 1, id, cwd: '/tmp' });
    expect(file.skipped).toBe(0);
    expect(file.exit).toEqual({ exitCode: null, signal: 'SIGTERM' });
    expect(JSON.stringify(Conversation.of(file.events).items)).toBe(JSON.stringify(phone.conversation().items));
  });

  it('explains an agent that needs a login, and a command that is not an ACP agent', async () => {
    env = makeManager({ acpStartTimeoutMs: 5000 });
    const { manager } = env;
    const auth = manager.create({
      kind: 'acp',
      command: acpAgent(acpScenario('auth')),
      cols: 80,
      rows: 24,
      cwd: '/tmp',
    });
    const a = new TestViewer(manager, true);
    manager.attach(auth.id, a, {});
    await waitFor('exit', () => a.of('session.exit').length === 1);
    expect(text(a.conversation().items, 'notice')[0]).toMatch(
      /^The agent needs you to log in first: run `.*node` once/,
    );

    const notAgent = manager.create({
      kind: 'acp',
      command: [process.execPath, '-e', 'console.log("Usage: tool [options]")'],
      cols: 80,
      rows: 24,
      cwd: '/tmp',
    });
    const b = new TestViewer(manager, true);
    manager.attach(notAgent.id, b, {});
    await waitFor('exit', () => b.of('session.exit').length === 1);
    expect(text(b.conversation().items, 'notice')[0]).toMatch(
      /^The agent stopped unexpectedly \(exit code 0\)\. Is `.*node -e .*` an agent that speaks ACP\?$/,
    );
    expect(env.log.lines.map((l) => l.text).join('\n')).toContain('agent stdout: Usage: tool [options]');
  });

  it('queues a prompt sent while the agent starts, and refuses keystrokes', async () => {
    env = makeManager();
    const { manager } = env;
    const { id } = manager.create({ kind: 'acp', command: acpAgent(), cols: 80, rows: 24, cwd: '/tmp' });
    const phone = new TestViewer(manager, true);
    manager.attach(id, phone, {});
    manager.send(id, 'hello early', 'Pixel 8');
    await waitFor('echo', () => text(phone.conversation().items, 'agent').includes('You said: hello early'));
    expect(() => manager.input(id, phone, Buffer.from('x'))).toThrow(/send it a prompt/);
    expect(() => manager.send(id, '   ', 'Pixel 8')).toThrow(/empty/);
  });
});
