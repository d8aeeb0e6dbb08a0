// ACP sessions through the real binary: the CLI verbs (run --acp, ls --json, send, permit, cancel, logs,
// attach from a pipe), two devices answering one permission request over the encrypted channel, and a
// conversation that outlives a daemon restart as history (`paseo logs`, and a device's `history.read`).
// The agent is the fake ACP agent.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PaseoConnection } from '../../src/channel/client.js';
import type { SessionInfo } from '../../src/channel/messages.js';
import { parseEventsBody, parseSnapshotBody } from '../../src/conversation/events.js';
import { Conversation } from '../../src/conversation/fold.js';
import { acpScenario, runFakeAcpAgent } from '../fixtures/fake-acp.js';
import { connectDevice, pairDevice, paseoBin, REPO_ROOT, startDaemon, type TestDaemon, testEnv } from './harness.js';

const FIXTURES = join(REPO_ROOT, 'cli', 'test', 'fixtures');
const NODE = process.execPath;

/** The conversation one device sees, folded from what the daemon pushes. */
function watchConversation(conn: PaseoConnection, sessionId: string) {
  const state = { conversation: new Conversation(), seq: 0 };
  conn.onMessage((msg, body) => {
    if (!('sessionId' in msg) || msg.sessionId !== sessionId) return;
    if (msg.t === 'session.conversation') state.conversation = new Conversation(parseSnapshotBody(body));
    else if (msg.t === 'session.events') for (const e of parseEventsBody(body)) state.conversation.apply(e);
    else return;
    state.seq = msg.seq;
    conn.send({ t: 'session.ack', sessionId, seq: msg.seq });
  });
  return state;
}

describe('ACP sessions through the binary', () => {
  let home: string;
  let d: TestDaemon;
  const ls = () => d.cliJson<SessionInfo[]>(['ls', '--json']);
  const session = (name: string) => ls().find((s) => s.name === name);
  const run = (name: string, scenarioName: string, extra: string[] = []) => {
    const r = runFakeAcpAgent(d, { name, cwd: home, scenarioFile: acpScenario(scenarioName), extra });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    return r.stdout.trim();
  };

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'paseo-acp-'));
    d = await startDaemon({ home });
  });
  afterAll(async () => {
    await d?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('lists the ACP presets and says which are not installed', () => {
    const list = d.cli(['run', '--list']);
    expect(list.stdout).toContain('As a conversation over ACP (paseo run --acp <preset>):');
    expect(list.stdout).toMatch(/^ {2}gemini {5}\(not installed\) Gemini CLI, by Google$/m);
    expect(list.stdout).toMatch(/^ {2}claude {5}\(not installed\) Claude Code, through its ACP adapter/m);
    const r = d.cli(['run', '--acp', '-d', 'copilot']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^paseo: The command of ACP preset "copilot", "copilot" was not found on this computer/);
    const unknown = d.cli(['run', '--acp', '-d', 'aider']);
    expect(unknown.stderr).toContain('There is no ACP preset "aider". Known ACP presets: gemini, opencode, goose');
  });

  it('runs an agent: send, ls --json while it asks, permit, logs — and its noise stays in the daemon log', async () => {
    const id = run('helper', 'edit', ['--env', 'PASEO_TEST_GREETING=hello']);
    expect(id).toMatch(/^[a-z2-9]{8}$/);
    await expect.poll(() => session('helper')?.activity, { timeout: 10_000 }).toBe('ready');
    expect(session('helper')).toMatchObject({ id, kind: 'acp', cwd: home, waitingForInput: true, permissions: [] });

    const sent = d.cli(['send', 'helper', 'Make', 'the greeting friendlier']);
    expect(sent).toMatchObject({ status: 0, stdout: `Sent the prompt to helper (${id}).\n` });
    await expect.poll(() => session('helper')?.permissions?.length, { timeout: 10_000 }).toBe(1);
    const asking = session('helper')!;
    expect(asking).toMatchObject({ activity: 'working', waitingForInput: true });
    expect(asking.permissions![0]).toMatchObject({ title: 'Edit src/greet.ts' });
    expect(d.cli(['ls']).stdout).toMatch(new RegExp(`^${id}\\s+helper\\s+acp\\s+.*needs approval`, 'm'));

    const permit = d.cli(['permit', 'helper', 'allow']);
    expect(permit).toMatchObject({ status: 0, stdout: 'Answered “Allow once” to: Edit src/greet.ts.\n' });
    await expect.poll(() => session('helper')?.activity, { timeout: 10_000 }).toBe('ready');
    expect(d.cli(['permit', 'helper', 'allow']).stderr).toBe(
      'paseo: helper has no permission request waiting for an answer.\n',
    );

    const logs = d.cli(['logs', 'helper']);
    expect(logs.status).toBe(0);
    expect(logs.stdout).toContain('» the computer: Make the greeting friendlier\n');
    expect(logs.stdout).toContain('Plan:\n  [x] Read src/greet.ts\n  [x] Make the greeting friendlier\n');
    expect(logs.stdout).toContain(`⚙ Edit src/greet.ts — edit, done — ${join(home, 'src/greet.ts')} (+1 −1)\n`);
    expect(logs.stdout).toContain('? Permission: Edit src/greet.ts — answered “Allow once” by the computer\n');
    expect(logs.stdout).toContain('Done: `greet` now says *hello* warmly.\n');
    expect(logs.stdout).not.toContain('not protocol');
    // (Polled: the daemon's log arrives through a pipe this process reads between CLI runs.)
    await expect
      .poll(() => d.output())
      .toContain(`Session ${id} agent stdout: fake-acp-agent 1.0 starting (this line is not protocol)`);
    await expect.poll(() => d.output()).toContain(`Session ${id} agent stdout: [progress] 40% (not protocol either)`);

    // --env reached the agent (the env scenario is not this one: start another).
    const envId = run('env-check', 'env', ['--env', 'PASEO_TEST_GREETING=bonjour']);
    await expect.poll(() => session('env-check')?.activity, { timeout: 10_000 }).toBe('ready');
    d.cli(['send', envId, 'what is the greeting?']);
    await expect
      .poll(() => d.cli(['logs', envId]).stdout, { timeout: 10_000 })
      .toContain('PASEO_TEST_GREETING=bonjour');
  });

  it('cancels a slow turn from the command line', async () => {
    run('slow', 'slow');
    await expect.poll(() => session('slow')?.activity, { timeout: 10_000 }).toBe('ready');
    expect(d.cli(['cancel', 'slow']).stderr).toBe('paseo: The agent is not working on a prompt right now.\n');
    d.cli(['send', 'slow', 'run the tests']);
    await expect
      .poll(() => d.cli(['logs', 'slow']).stdout, { timeout: 10_000 })
      .toContain('npm test — execute, running');
    expect(d.cli(['cancel', 'slow'])).toMatchObject({
      status: 0,
      stdout: expect.stringMatching(/^Cancelled the current turn of slow/),
    });
    await expect.poll(() => session('slow')?.activity, { timeout: 10_000 }).toBe('ready');
    const logs = d.cli(['logs', 'slow']).stdout;
    expect(logs).toContain('⚙ npm test — execute, cancelled');
    expect(logs).toContain('(turn cancelled by the computer)');
  });

  it('types a line and Enter into a terminal session with `paseo send`', async () => {
    const r = d.cli(['run', '-d', '--name', 'term', '--', NODE, join(FIXTURES, 'fake-agent.mjs')]);
    expect(r.status).toBe(0);
    // Type only once the agent reads its terminal: what is typed before then is echoed out of order.
    await expect.poll(() => d.cli(['logs', 'term']).stdout, { timeout: 10_000 }).toContain('fake-agent ready');
    const sent = d.cli(['send', 'term', 'echo', 'typed-by-send']);
    expect(sent.stdout).toMatch(/^Typed it into term/);
    await expect.poll(() => d.cli(['logs', 'term']).stdout, { timeout: 10_000 }).toMatch(/\ntyped-by-send\r*\n> /);
    expect(d.cli(['permit', 'term', 'allow']).stderr).toMatch(
      /term is a terminal session: it has no permission requests/,
    );
  });

  it('attaches to a conversation from a pipe: shows it, takes a prompt, detaches at the end of input', async () => {
    const id = run('piped', 'env');
    await expect.poll(() => session('piped')?.activity, { timeout: 10_000 }).toBe('ready');
    d.cli(['send', id, 'first']);
    await expect.poll(() => d.cli(['logs', id]).stdout, { timeout: 10_000 }).toContain('PASEO_TEST_GREETING=(unset)');
    const child: ChildProcess = spawn(paseoBin(), ['attach', 'piped'], { env: testEnv(home), stdio: 'pipe' });
    let out = '';
    let err = '';
    child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    // The conversation so far, then the answer to a prompt typed into the pipe.
    await expect.poll(() => out, { timeout: 10_000 }).toContain('» the computer: first\n\nPASEO_TEST_GREETING=(unset)');
    child.stdin!.write('second prompt\n');
    await expect
      .poll(() => out, { timeout: 10_000 })
      .toContain('» the computer: second prompt\nYou said: second prompt\n');
    child.stdin!.write('/allow\n');
    await expect.poll(() => out, { timeout: 10_000 }).toContain('! The agent is not asking anything right now.');
    child.stdin!.end();
    expect(await exited).toBe(0);
    expect(err).toContain(`[attached to the conversation with piped (${id}).`);
    expect(err).toContain('[detached from piped; it keeps running.');
    expect(session('piped')?.state).toBe('running');
  });

  it('attaches a real terminal (tmux) to a conversation: prompts, /allow, and Ctrl-D detaches', async () => {
    const id = run('tmuxed', 'edit');
    await expect.poll(() => session('tmuxed')?.activity, { timeout: 10_000 }).toBe('ready');
    const tmux = (...args: string[]) =>
      spawnSync('tmux', ['-L', `paseo-acp-${process.pid}`, ...args], {
        encoding: 'utf8',
        env: testEnv(home, { TERM: 'xterm-256color' }),
      });
    const envArgs = Object.entries(testEnv(home)).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    const command = `'${paseoBin()}' attach ${id}; echo "EXIT=$?"; sleep 60`;
    expect(tmux('new-session', '-d', '-x', '100', '-y', '40', ...envArgs, 'sh', '-c', command).status).toBe(0);
    const screen = () => tmux('capture-pane', '-p', '-J').stdout;
    const shows = async (text: string) =>
      expect.poll(screen, { timeout: 10_000, message: `tmux never showed "${text}"` }).toContain(text);
    try {
      await shows('› ');
      tmux('send-keys', 'Make the greeting friendlier', 'Enter');
      await shows('? Permission: Edit src/greet.ts — waiting for an answer: /1 Allow once  /2 Allow always  /3 Reject');
      tmux('send-keys', '/allow', 'Enter');
      await shows('Done: `greet` now says *hello* warmly.');
      await shows('? Permission: Edit src/greet.ts — answered “Allow once” by the computer');
      tmux('send-keys', 'C-d');
      await shows('detached from tmuxed');
      await shows('EXIT=0');
    } finally {
      tmux('kill-server');
    }
    expect(session('tmuxed')?.state).toBe('running');
  });

  it('lets the first of two devices answer a permission request; the other sees it answered', async () => {
    const phone = await pairDevice(d, 'Pixel 8');
    const tablet = await pairDevice(d, 'iPad');
    const id = run('race', 'edit');
    await expect.poll(() => session('race')?.activity, { timeout: 10_000 }).toBe('ready');
    const onPhone = watchConversation(phone.conn, id);
    const onTablet = watchConversation(tablet.conn, id);
    phone.conn.send({ t: 'session.attach', sessionId: id });
    tablet.conn.send({ t: 'session.attach', sessionId: id });
    await phone.conn.request({ t: 'session.send', sessionId: id }, new TextEncoder().encode('go'));
    await expect.poll(() => onTablet.conversation.pendingPermissions().length, { timeout: 10_000 }).toBe(1);
    const request = onPhone.conversation.pendingPermissions()[0]!;
    const answers = await Promise.allSettled([
      phone.conn.request({ t: 'session.permit', sessionId: id, requestId: request.id, optionId: 'yes' }),
      tablet.conn.request({ t: 'session.permit', sessionId: id, requestId: request.id, optionId: 'no' }),
    ]);
    expect(answers[0]).toEqual({ status: 'fulfilled', value: null });
    expect(answers[1]).toMatchObject({
      status: 'rejected',
      reason: { message: 'That request was already answered: “Allow once” by Pixel 8.' },
    });
    await expect.poll(() => onTablet.conversation.working, { timeout: 10_000 }).toBe(false);
    const item = onTablet.conversation.items.find((i) => i.t === 'permission');
    expect(item).toMatchObject({ state: 'selected', optionId: 'yes', by: 'Pixel 8' });
    expect(onTablet.conversation.items.find((i) => i.t === 'user')).toMatchObject({ text: 'go', by: 'Pixel 8' });
    expect(JSON.stringify(onTablet.conversation.items)).toBe(JSON.stringify(onPhone.conversation.items));
    // A cancel with nothing to cancel is refused with a sentence; the connection stays up.
    await expect(phone.conn.request({ t: 'session.cancel', sessionId: id })).rejects.toThrow(/not working on a prompt/);
    phone.conn.close();
    tablet.conn.close();
  });

  it('keeps a conversation as history across a daemon restart', async () => {
    const id = session('helper')!.id;
    const before = d.cli(['logs', id]).stdout;
    await d.stop();
    d = await startDaemon({ home });
    expect(ls().find((s) => s.id === id)).toBeUndefined();
    const after = d.cli(['logs', id]);
    expect(after.status).toBe(0);
    expect(after.stdout.startsWith(before.replace(/\n\[the agent[^\n]*\]\n$/, ''))).toBe(true);
    expect(after.stdout).toContain('Done: `greet` now says *hello* warmly.');
    expect(after.stdout).toMatch(/\[the agent was ended by SIGTERM\]\n$/);
    expect(d.cli(['logs', id, '--cast']).stdout).toBe(`${join(home, 'recordings', `${id}.acp.jsonl`)}\n`);
  });

  it('shows a device the past conversation after `paseo down` and `paseo up`, exactly as it was', async () => {
    const phone = await pairDevice(d, 'Pixel 9');
    const id = run('historian', 'edit');
    await expect.poll(() => session('historian')?.activity, { timeout: 10_000 }).toBe('ready');
    const live = watchConversation(phone.conn, id);
    phone.conn.send({ t: 'session.attach', sessionId: id });
    await phone.conn.request({ t: 'session.send', sessionId: id }, new TextEncoder().encode('Be friendlier'));
    await expect.poll(() => live.conversation.pendingPermissions().length, { timeout: 10_000 }).toBe(1);
    const request = live.conversation.pendingPermissions()[0]!;
    await phone.conn.request({ t: 'session.permit', sessionId: id, requestId: request.id, optionId: 'yes' });
    await expect.poll(() => live.conversation.items.at(-1)?.t, { timeout: 10_000 }).toBe('turn');
    const seen = JSON.parse(JSON.stringify(live.conversation.items)) as unknown[];
    phone.conn.close();

    expect(d.cli(['down']).stdout).toBe('paseo stopped.\n');
    await d.stop();
    d = await startDaemon({ home });
    expect(ls().find((s) => s.id === id)).toBeUndefined();
    const conn = await connectDevice(d, phone.keys);
    const list = await conn.request({ t: 'history.list' });
    const entry = list.entries.find((e) => e.id === id);
    expect(entry).toMatchObject({ name: 'historian', kind: 'acp', cwd: home, startedAt: expect.any(String) });
    expect(entry?.exit?.signal ?? entry?.exit?.exitCode).not.toBeUndefined();
    expect(entry?.command).toContain('fake-acp-agent.mjs');
    // Newest first: it ended last.
    expect(list.entries[0]?.id).toBe(id);
    const read = await conn.request({ t: 'history.read', sessionId: id });
    expect(read).toMatchObject({ cut: false, skipped: 0, entry: { id, name: 'historian' } });
    const snapshot = parseSnapshotBody(read.body);
    expect(snapshot.omitted).toBe(0);
    // Exactly what the phone saw live: the prompt, plan, messages, the tool call with its diff, the answer.
    expect(snapshot.items.slice(0, seen.length)).toEqual(seen);
    expect(snapshot.items.slice(seen.length).every((i) => i.t === 'notice')).toBe(true);
    const tool = snapshot.items.find((i) => i.t === 'tool');
    expect(tool).toMatchObject({ status: 'completed', content: [{ type: 'diff', path: join(home, 'src/greet.ts') }] });
    expect(snapshot.items.find((i) => i.t === 'permission')).toMatchObject({ state: 'selected', by: 'Pixel 9' });
    conn.close();
  });
});
