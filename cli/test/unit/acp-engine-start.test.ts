// An ACP engine starting its agent and seeing it end (scripted agents, cli/test/fixtures/scripted-acp.ts):
// the handshake, the sentences people read when it fails, and the notice for each way an agent stops.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConversation } from '../../src/conversation/file.js';
import { PASEO_VERSION } from '../../src/version.js';
import { closeScriptedEngines, SCRIPTED_COMMAND, ScriptedEngine } from '../fixtures/scripted-acp.js';
import { waitFor } from '../fixtures/session-harness.js';

afterEach(closeScriptedEngines);

const INITIALIZE = `got initialize {"protocolVersion":1,"clientCapabilities":{},"clientInfo":{"name":"paseo","title":"Paseo","version":"${PASEO_VERSION}"}}`;
const IS_ACP = `Is \`${SCRIPTED_COMMAND.join(' ')}\` an agent that speaks ACP?`;

/** An agent that says its pid and ends with `code` (after saying `words`) on SIGUSR2. */
const exitsOnSignal = (code: number, ...words: string[]) => `
  process.on('SIGUSR2', () => { ${words.map((w) => `say(${JSON.stringify(w)});`).join(' ')} process.exit(${code}); });
  console.log('pid ' + process.pid);
`;
const agentPid = (s: ScriptedEngine): number => {
  const line = s.log.lines.find((l) => l.text.startsWith('Session acp1 agent stdout: pid '));
  return Number(line?.text.split(' ').at(-1));
};

describe('an ACP engine starting', () => {
  it('starts: tells the agent its folder, names the agent by its title, and waits for a prompt', async () => {
    const s = new ScriptedEngine(`
      on('initialize', (p, id) => reply(id, { protocolVersion: 1, agentInfo: { name: 'scripted', title: 'Scripted Agent', version: '2.1' } }));
    `);
    expect(s.engine.infoFields()).toEqual({ activity: 'starting', permissions: [] });
    await s.ready();
    expect(s.engine.infoFields()).toEqual({ activity: 'ready', permissions: [], agent: 'Scripted Agent 2.1' });
    expect(s.said()).toEqual([INITIALIZE, `got session/new {"cwd":"${s.dir}","mcpServers":[]}`]);
    expect(s.engineLog()).toEqual(['info: Session acp1: ACP session s1 with Scripted Agent 2.1.']);
    expect(s.hooks.waiting.at(-1)).toBe(true);
    expect(s.engine.stats()).toEqual({
      bufferedBytes: 0,
      screenBacklogBytes: 0,
      coalescingBytes: 0,
      recordingQueueBytes: 0,
      ptyPaused: false,
    });
    expect(s.events()).toEqual([]);
  });

  it('names an agent by its name when it has no title or version, and goes without a name', async () => {
    const named = new ScriptedEngine(`
      on('initialize', (p, id) => reply(id, { protocolVersion: 1, agentInfo: { name: 'plain-agent', version: '' } }));
    `);
    const anonymous = new ScriptedEngine(`on('initialize', (p, id) => reply(id, { protocolVersion: 1 }));`);
    await named.ready();
    await anonymous.ready();
    expect(named.engine.infoFields().agent).toBe('plain-agent');
    expect(anonymous.engine.infoFields()).toEqual({ activity: 'ready', permissions: [] });
    expect(anonymous.engineLog()).toEqual(['info: Session acp1: ACP session s1 with the agent.']);
  });

  it('explains an agent that speaks another ACP version, and stops it softly', async () => {
    const s = new ScriptedEngine(`on('initialize', (p, id) => reply(id, { protocolVersion: 2 }));`);
    expect(await s.exited()).toEqual({ exitCode: null, signal: 'SIGTERM' });
    expect(s.events()).toEqual([
      {
        t: 'notice',
        level: 'error',
        text: 'The agent speaks ACP version 2, and Paseo speaks version 1. Update one of them.',
      },
    ]);
    expect(s.engineLog()).toEqual([
      'warn: Session acp1: the ACP agent did not start: Error: The agent speaks ACP version 2, and Paseo speaks version 1. Update one of them.',
    ]);
    expect(s.engine.infoFields()).toEqual({ permissions: [] });
  });

  it('asks people to log in when the agent needs it, naming the program to run', async () => {
    const s = new ScriptedEngine(`on('session/new', (p, id) => fail(id, -32000, 'Authentication required'));`);
    await s.exited();
    expect(s.events()).toEqual([
      {
        t: 'notice',
        level: 'error',
        text: 'The agent needs you to log in first: run `scripted-agent` once in a terminal on your computer, log in, then start this session again.',
      },
    ]);
  });

  it('passes on why any other agent could not start a conversation', async () => {
    const s = new ScriptedEngine(`on('session/new', (p, id) => fail(id, -32603, 'no model configured'));`);
    await s.exited();
    expect(s.events()).toEqual([
      {
        t: 'notice',
        level: 'error',
        text: `The agent did not start a conversation (no model configured). ${IS_ACP}`,
      },
    ]);
  });

  it('gives up on an agent that does not answer the handshake in time', async () => {
    const s = new ScriptedEngine(`on('initialize', () => {});`, { acpStartTimeoutMs: 1000 });
    expect(await s.exited()).toEqual({ exitCode: null, signal: 'SIGTERM' });
    expect(s.events()).toEqual([
      { t: 'notice', level: 'error', text: `The agent did not answer within 1 s. ${IS_ACP}` },
    ]);
  });

  it('explains a program that ends before it speaks ACP', async () => {
    const s = new ScriptedEngine(`say('usage: scripted-agent [options]'); process.exit(1);`);
    expect(await s.exited()).toEqual({ exitCode: 1, signal: null });
    expect(s.events()).toEqual([
      {
        t: 'notice',
        level: 'error',
        text: `The agent stopped unexpectedly (exit code 1). Its last words: usage: scripted-agent [options] ${IS_ACP}`,
      },
    ]);
  });

  it('sends a prompt given while the agent starts once it is ready, and shows it working meanwhile', async () => {
    const s = new ScriptedEngine(`on('session/prompt', (p, id) => note('holding the prompt'));`);
    s.engine.send('  hello early  ', 'Pixel 8');
    expect(s.activity()).toBe('working');
    await s.saidLine('holding the prompt');
    expect(s.said()).toContain('got session/prompt {"sessionId":"s1","prompt":[{"type":"text","text":"hello early"}]}');
    expect(s.activity()).toBe('working');
    expect(s.hooks.waiting.at(-1)).toBe(false);
  });

  it('cancels a prompt given while the agent starts without bothering the agent', async () => {
    const s = new ScriptedEngine('');
    s.engine.send('never mind', 'Pixel 8');
    s.engine.cancel('iPad');
    await s.ready();
    expect(s.events()).toEqual([
      { t: 'user', text: 'never mind', by: 'Pixel 8' },
      { t: 'turn', stopReason: 'cancelled', by: 'iPad' },
    ]);
    expect(s.said()).toEqual([INITIALIZE, `got session/new {"cwd":"${s.dir}","mcpServers":[]}`]);
    expect(s.engineLog()).toEqual(['info: Session acp1: ACP session s1 with scripted-agent 0.1.']);
  });

  it('ends a prompt given to an agent that fails to start with the agent', async () => {
    const s = new ScriptedEngine(`on('initialize', (p, id) => reply(id, { protocolVersion: 2 }));`);
    s.engine.send('hello', 'Pixel 8');
    await s.exited();
    expect(s.events()).toEqual([
      { t: 'user', text: 'hello', by: 'Pixel 8' },
      {
        t: 'notice',
        level: 'error',
        text: 'The agent speaks ACP version 2, and Paseo speaks version 1. Update one of them.',
      },
      { t: 'notice', level: 'info', text: 'The agent was stopped (it was ended by SIGTERM).' },
      { t: 'turn', stopReason: 'cancelled' },
    ]);
    expect(s.said().filter((l) => l.startsWith('got session/prompt'))).toEqual([]);
  });
});

describe('an ACP agent ending', () => {
  it('says nothing when an idle agent is stopped', async () => {
    const s = new ScriptedEngine('');
    await s.ready();
    s.engine.terminate('soft');
    expect(await s.exited()).toEqual({ exitCode: null, signal: 'SIGTERM' });
    expect(s.events()).toEqual([]);
    expect(s.engine.infoFields()).toEqual({ permissions: [], agent: 'scripted-agent 0.1' });
    expect(s.hooks.exits).toHaveLength(1);
  });

  it('tells of an idle agent that ended by itself, as an error only if its exit code says so', async () => {
    const clean = new ScriptedEngine(exitsOnSignal(0));
    const failed = new ScriptedEngine(exitsOnSignal(2, 'disk full', 'giving up'));
    const killed = new ScriptedEngine(exitsOnSignal(0));
    for (const s of [clean, failed, killed]) await s.ready();
    process.kill(agentPid(clean), 'SIGUSR2');
    process.kill(agentPid(failed), 'SIGUSR2');
    process.kill(agentPid(killed), 'SIGKILL');
    await Promise.all([clean.exited(), failed.exited(), killed.exited()]);
    expect(clean.events()).toEqual([{ t: 'notice', level: 'info', text: 'The agent stopped (exit code 0).' }]);
    expect(failed.events()).toEqual([
      { t: 'notice', level: 'error', text: 'The agent stopped (exit code 2). Its last words: disk full / giving up' },
    ]);
    expect(killed.events()).toEqual([
      { t: 'notice', level: 'error', text: 'The agent stopped (it was ended by SIGKILL).' },
    ]);
  });

  it('fails the turn of an agent that ends mid-turn, even with exit code 0', async () => {
    const s = new ScriptedEngine(`on('session/prompt', () => { message('Working on it'); process.exit(0); });`);
    await s.ready();
    s.engine.send('go', 'Pixel 8');
    await s.exited();
    expect(s.events()).toEqual([
      { t: 'user', text: 'go', by: 'Pixel 8' },
      { t: 'agent', text: 'Working on it' },
      { t: 'notice', level: 'error', text: 'The agent stopped unexpectedly (exit code 0).' },
      { t: 'turn', stopReason: 'error' },
    ]);
    expect(() => s.engine.send('again', 'Pixel 8')).toThrow(
      expect.objectContaining({ code: 'failed', message: 'The agent has stopped.' }),
    );
    expect(() => s.engine.permit('x', 'yes', 'Pixel 8')).toThrow(
      expect.objectContaining({ code: 'failed', message: 'The agent has stopped.' }),
    );
    expect(() => s.engine.cancel('Pixel 8')).toThrow(
      expect.objectContaining({ code: 'failed', message: 'The agent is not working on a prompt right now.' }),
    );
  });

  it('cancels the turn and a waiting permission request (not "by the agent") of an agent that was stopped, naming the signal', async () => {
    const s = new ScriptedEngine(`
      on('session/prompt', () => request('session/request_permission', { sessionId: 's1', toolCall: { toolCallId: 'rm-1', title: 'Delete build/' }, options: OPTIONS }));
    `);
    await s.ready();
    s.engine.send('clean up', 'Pixel 8');
    await waitFor('the permission request', () => s.engine.infoFields().permissions?.length === 1);
    s.engine.terminate('hard');
    expect(await s.exited()).toEqual({ exitCode: null, signal: 'SIGKILL' });
    expect(s.events()).toEqual([
      { t: 'user', text: 'clean up', by: 'Pixel 8' },
      { t: 'tool', id: 'rm-1', title: 'Delete build/' },
      expect.objectContaining({ t: 'permission', toolCallId: 'rm-1', title: 'Delete build/' }),
      { t: 'answer', id: expect.any(String), outcome: 'cancelled', optionId: null },
      { t: 'notice', level: 'info', text: 'The agent was stopped (it was ended by SIGKILL).' },
      { t: 'turn', stopReason: 'cancelled' },
    ]);
    expect(s.engine.infoFields().permissions).toEqual([]);
  });

  it('records the conversation and how the agent ended, on disk as soon as dispose resolves', async () => {
    const s = new ScriptedEngine(
      `on('session/prompt', (p, id) => { message('Hi'); reply(id, { stopReason: 'end_turn' }); });`,
    );
    await s.ready();
    s.engine.send('hello', 'Pixel 8');
    const line = `{"seq":1,"event":${JSON.stringify({ t: 'user', at: '', text: 'hello', by: 'Pixel 8' })}}\n`;
    expect(s.engine.stats().recordingQueueBytes).toBe(line.length + new Date().toISOString().length);
    await waitFor('the turn', () => s.activity() === 'ready');
    // Disposed the moment the exit is known, as the session manager does once a killed session ended.
    let onDisk: Promise<string> | undefined;
    s.hooks.onExited = () => {
      onDisk = s.engine.dispose().then(() => readFileSync(s.recordingPath, 'utf8'));
    };
    s.engine.terminate('soft');
    await s.exited();
    const file = parseConversation([(await onDisk) as string]);
    expect(file.header).toMatchObject({ paseo: 'conversation', version: 1, id: 'acp1', name: 'scripted', cwd: s.dir });
    expect(file.header?.command).toEqual(SCRIPTED_COMMAND);
    expect(file.events.map(({ at: _, ...e }) => e)).toEqual(s.events());
    expect(file.exit).toEqual({ exitCode: null, signal: 'SIGTERM' });
    expect(s.engine.stats().bufferedBytes).toBe(
      (
        JSON.parse(`[${readFileSync(s.recordingPath, 'utf8').split('\n').slice(1, -2).join(',')}]`) as {
          event: unknown;
        }[]
      )
        .map((l) => JSON.stringify(l.event).length)
        .reduce((a, b) => a + b, 0),
    );
  });

  it('continues a recording over its size cap in a new file', async () => {
    const s = new ScriptedEngine(
      `on('session/prompt', (p, id) => { for (let i = 0; i < 5; i++) message('a line of about fifty characters, number ' + i); reply(id, { stopReason: 'end_turn' }); });`,
      { recordingMaxBytes: 600, recordingKeepFiles: 2 },
    );
    await s.ready();
    s.engine.send('talk', 'Pixel 8');
    await waitFor('the turn', () => s.activity() === 'ready');
    s.engine.terminate('soft');
    await s.exited();
    await s.engine.dispose();
    const parts = [`${s.recordingPath}.2`, `${s.recordingPath}.1`, s.recordingPath].map((p) => readFileSync(p, 'utf8'));
    expect(parts.map((p) => p.length <= 600)).toEqual([true, true, true]);
    const file = parseConversation(parts);
    expect(file.events.map(({ at: _, ...e }) => e)).toEqual(s.events());
  });
});
