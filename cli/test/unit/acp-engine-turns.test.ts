// Prompt turns and permission requests of an ACP engine (scripted agents, cli/test/fixtures/scripted-acp.ts):
// what the agent is sent, which of its updates are shown, how a turn ends (answered, failed, cancelled
// once), and how permission requests are titled, answered and settled.
import { afterEach, describe, expect, it } from 'vitest';
import { closeScriptedEngines, ScriptedEngine } from '../fixtures/scripted-acp.js';
import { waitFor } from '../fixtures/session-harness.js';

afterEach(closeScriptedEngines);

const turnEnded = (s: ScriptedEngine) => waitFor('the turn to end', () => s.events().at(-1)?.t === 'turn');
const pending = (s: ScriptedEngine) => s.engine.infoFields().permissions ?? [];

describe('an ACP turn', () => {
  it('sends the prompt, shows the updates of its own session that Paseo shows, and ends as the agent says', async () => {
    const s = new ScriptedEngine(`
      on('session/prompt', (p, id) => {
        message('Hello from the agent');
        update({ sessionUpdate: 'available_commands_update', availableCommands: [] });
        update({ sessionUpdate: 'agent_message_chunk', content: { type: 'text', text: 'Meant for another session' } }, 'other');
        message('Bye');
        reply(id, { stopReason: 'max_tokens' });
      });
    `);
    await s.ready();
    const waits = s.hooks.waiting.length;
    s.engine.send('  hello  ', 'Pixel 8');
    expect(s.activity()).toBe('working');
    await turnEnded(s);
    expect(s.said()).toContain('got session/prompt {"sessionId":"s1","prompt":[{"type":"text","text":"hello"}]}');
    expect(s.events()).toEqual([
      { t: 'user', text: 'hello', by: 'Pixel 8' },
      { t: 'agent', text: 'Hello from the agent' },
      { t: 'agent', text: 'Bye' },
      { t: 'turn', stopReason: 'max_tokens' },
    ]);
    expect(s.activity()).toBe('ready');
    expect(s.hooks.waiting.slice(waits)).toEqual([false, true]);
    expect(s.hooks.appendedCount).toBe(4);
  });

  it('refuses keystrokes, an empty prompt, and a second prompt while one is answered', async () => {
    const s = new ScriptedEngine(`on('session/prompt', () => note('holding the prompt'));`);
    await s.ready();
    expect(() => s.engine.input()).toThrow(
      expect.objectContaining({
        code: 'bad-request',
        message: 'This session is a conversation with an agent: send it a prompt (`paseo send`), not keystrokes.',
      }),
    );
    expect(() => s.engine.send(' \n ', 'Pixel 8')).toThrow(
      expect.objectContaining({ code: 'bad-request', message: 'The prompt is empty.' }),
    );
    expect(() => s.engine.cancel('Pixel 8')).toThrow(
      expect.objectContaining({ code: 'failed', message: 'The agent is not working on a prompt right now.' }),
    );
    s.engine.send('first', 'Pixel 8');
    expect(() => s.engine.send('second', 'iPad')).toThrow(
      expect.objectContaining({
        code: 'failed',
        message: 'The agent is still answering the last prompt. Wait for it, or cancel it.',
      }),
    );
    expect(s.events()).toEqual([{ t: 'user', text: 'first', by: 'Pixel 8' }]);
  });

  it('tells people why the agent could not answer a prompt, and takes the next one', async () => {
    const s = new ScriptedEngine(`
      let n = 0;
      on('session/prompt', (p, id) => (n++ === 0 ? fail(id, -32603, 'the model is overloaded') : reply(id, { stopReason: 'end_turn' })));
    `);
    await s.ready();
    s.engine.send('hello', 'Pixel 8');
    await turnEnded(s);
    expect(s.events()).toEqual([
      { t: 'user', text: 'hello', by: 'Pixel 8' },
      { t: 'notice', level: 'error', text: 'The agent could not answer: the model is overloaded' },
      { t: 'turn', stopReason: 'error' },
    ]);
    expect(s.engineLog().at(-1)).toMatch(/^warn: Session acp1: session\/prompt failed: .*the model is overloaded/);
    expect(s.activity()).toBe('ready');
    s.engine.send('again', 'Pixel 8');
    await waitFor('the second turn', () => s.events().filter((e) => e.t === 'turn').length === 2);
    expect(s.events().at(-1)).toEqual({ t: 'turn', stopReason: 'end_turn' });
  });

  it('cancels a turn once: the agent hears it once, the turn names who cancelled first', async () => {
    const s = new ScriptedEngine(`
      let turn;
      on('session/prompt', (p, id) => { turn = id; });
      on('session/cancel', () => {
        request('session/request_permission', { sessionId: 's1', toolCall: { toolCallId: 'late', title: 'Asked after the cancel' }, options: OPTIONS })
          .then((answer) => { note('late answer ' + JSON.stringify(answer)); reply(turn, { stopReason: 'cancelled' }); });
      });
    `);
    await s.ready();
    s.engine.send('run the tests', 'Pixel 8');
    await waitFor('the prompt sent', () => s.said().some((l) => l.startsWith('got session/prompt')));
    s.engine.cancel('iPad');
    s.engine.cancel('Pixel 8');
    await turnEnded(s);
    expect(s.events()).toEqual([
      { t: 'user', text: 'run the tests', by: 'Pixel 8' },
      { t: 'turn', stopReason: 'cancelled', by: 'iPad' },
    ]);
    // A permission request after the cancel is answered "cancelled" without asking anyone.
    expect(s.said()).toContain('late answer {"outcome":{"outcome":"cancelled"}}');
    s.engine.send('next', 'Pixel 8');
    await waitFor('the next prompt', () => s.said().filter((l) => l.startsWith('got session/prompt')).length === 2);
    expect(s.said().filter((l) => l.startsWith('got session/cancel'))).toEqual([
      'got session/cancel {"sessionId":"s1"}',
    ]);
    expect(s.engineLog().filter((l) => l.startsWith('warn'))).toEqual([]);
  });

  it('names nobody when the agent finishes a cancelled turn anyway', async () => {
    const s = new ScriptedEngine(`
      let turn;
      on('session/prompt', (p, id) => { turn = id; });
      on('session/cancel', () => { message('Already done.'); reply(turn, { stopReason: 'end_turn' }); });
    `);
    await s.ready();
    s.engine.send('go', 'Pixel 8');
    await waitFor('the prompt sent', () => s.said().some((l) => l.startsWith('got session/prompt')));
    s.engine.cancel('iPad');
    await turnEnded(s);
    expect(s.events().slice(1)).toEqual([
      { t: 'agent', text: 'Already done.' },
      { t: 'turn', stopReason: 'end_turn' },
    ]);
  });

  it('logs a cancel it could not send to an agent that stopped reading, and fails its turn', async () => {
    const s = new ScriptedEngine(`
      on('session/prompt', () => { require('node:fs').closeSync(0); note('stopped reading'); });
    `);
    await s.ready();
    s.engine.send('go', 'Pixel 8');
    await s.saidLine('stopped reading');
    s.engine.cancel('iPad');
    await waitFor('the warning', () => s.engineLog().some((l) => l.includes('could not send session/cancel')));
    await turnEnded(s);
    expect(s.engineLog().filter((l) => l.startsWith('warn'))).toEqual([
      'warn: Session acp1: could not send session/cancel: Error: write EPIPE',
      'warn: Session acp1: session/prompt failed: Error: write EPIPE',
    ]);
    expect(s.events().slice(1)).toEqual([
      { t: 'notice', level: 'error', text: 'The agent could not answer: Error: write EPIPE' },
      { t: 'turn', stopReason: 'error' },
    ]);
    s.engine.terminate('soft');
    expect(await s.exited()).toEqual({ exitCode: null, signal: 'SIGTERM' });
  });
});

describe('ACP permission requests', () => {
  it('titles a request after the tool call it is about, shows the call when new, and passes on the answers', async () => {
    const s = new ScriptedEngine(`
      const ask = (toolCall) => request('session/request_permission', { sessionId: 's1', toolCall, options: OPTIONS });
      on('session/prompt', async (p, id) => {
        update({ sessionUpdate: 'tool_call', toolCallId: 'b', title: 'Read b.ts', kind: 'read' });
        update({ sessionUpdate: 'tool_call', toolCallId: 'a', title: 'Edit a.ts', kind: 'edit' });
        message('Two things to do.');
        const first = ask({ toolCallId: 'b' });
        const second = ask({ toolCallId: 'c' });
        note('answers ' + JSON.stringify(await first) + ' ' + JSON.stringify(await second));
        reply(id, { stopReason: 'end_turn' });
      });
    `);
    await s.ready();
    const changed = s.hooks.changedCount;
    s.engine.send('go', 'Pixel 8');
    await waitFor('two permission requests', () => pending(s).length === 2);
    expect(s.hooks.changedCount).toBeGreaterThan(changed + 2);
    expect(s.hooks.waiting.at(-1)).toBe(true);
    const [b, c] = pending(s);
    expect([b?.title, c?.title]).toEqual(['Read b.ts', 'The agent asks for permission']);
    expect(s.events().slice(1)).toEqual([
      { t: 'tool', id: 'b', title: 'Read b.ts', kind: 'read', status: 'pending', content: [], locations: [] },
      { t: 'tool', id: 'a', title: 'Edit a.ts', kind: 'edit', status: 'pending', content: [], locations: [] },
      { t: 'agent', text: 'Two things to do.' },
      expect.objectContaining({ t: 'permission', id: b?.id, toolCallId: 'b', title: 'Read b.ts' }),
      { t: 'tool', id: 'c' },
      expect.objectContaining({ t: 'permission', id: c?.id, toolCallId: 'c', title: 'The agent asks for permission' }),
    ]);
    s.engine.permit(b?.id as string, 'yes', 'Pixel 8');
    s.engine.permit(c?.id as string, 'no', 'iPad');
    await turnEnded(s);
    expect(s.said()).toContain(
      'answers {"outcome":{"outcome":"selected","optionId":"yes"}} {"outcome":{"outcome":"selected","optionId":"no"}}',
    );
    expect(pending(s)).toEqual([]);
  });

  it('settles a request the agent left open when its turn ends', async () => {
    const s = new ScriptedEngine(`
      on('session/prompt', (p, id) => {
        request('session/request_permission', { sessionId: 's1', toolCall: { toolCallId: 't', title: 'Run npm test' }, options: OPTIONS })
          .then((answer) => note('answer was ' + JSON.stringify(answer)));
        reply(id, { stopReason: 'end_turn' });
      });
    `);
    await s.ready();
    s.engine.send('go', 'Pixel 8');
    await s.saidLine('answer was {"outcome":{"outcome":"cancelled"}}');
    expect(
      s
        .events()
        .slice(1)
        .map((e) => `${e.t}:${e.outcome ?? e.stopReason ?? e.title}`),
    ).toEqual(['tool:Run npm test', 'permission:Run npm test', 'answer:cancelled', 'turn:end_turn']);
    expect(pending(s)).toEqual([]);
  });

  it('answers "cancelled" to a request about another session without showing it', async () => {
    const s = new ScriptedEngine(`
      on('session/prompt', async (p, id) => {
        const answer = await request('session/request_permission', { sessionId: 'other', toolCall: { toolCallId: 'x', title: 'Elsewhere' }, options: OPTIONS });
        note('other session: ' + JSON.stringify(answer));
        reply(id, { stopReason: 'end_turn' });
      });
    `);
    await s.ready();
    s.engine.send('go', 'Pixel 8');
    await turnEnded(s);
    expect(s.said()).toContain('other session: {"outcome":{"outcome":"cancelled"}}');
    expect(s.events().map((e) => e.t)).toEqual(['user', 'turn']);
  });

  it('shows a request the agent makes while it sets up the session, before any prompt', async () => {
    const s = new ScriptedEngine(`
      on('session/new', async (p, id) => {
        const answer = await request('session/request_permission', { sessionId: 's1', toolCall: { toolCallId: 'setup', title: 'Read the project' }, options: OPTIONS });
        note('setup: ' + JSON.stringify(answer));
        reply(id, { sessionId: 's1' });
      });
    `);
    await waitFor('the permission request', () => pending(s).length === 1);
    expect(s.activity()).toBe('starting');
    expect(s.hooks.waiting.at(-1)).toBe(true);
    s.engine.permit(pending(s)[0]?.id as string, 'yes', 'Pixel 8');
    await s.ready();
    expect(s.said()).toContain('setup: {"outcome":{"outcome":"selected","optionId":"yes"}}');
  });
});
