// Agent sessions through the real daemon: devices over the encrypted channel (attach, type, exact resume
// after a reconnect, several viewers) and the CLI (run -d, ls, logs, kill, attach/detach in tmux).
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PaseoConnection } from '../../src/channel/client.js';
import type { SessionInfo } from '../../src/channel/messages.js';
import { connectDevice, pairDevice, paseoBin, REPO_ROOT, startDaemon, type TestDaemon, testEnv } from './harness.js';

const ESC = '\x1b';

const FAKE_AGENT = join(REPO_ROOT, 'cli', 'test', 'fixtures', 'fake-agent.mjs');
const NODE = process.execPath;
const decoder = () => new TextDecoder();

/** Collects a session's output as one device sees it (snapshots reset the screen text), and its raw bytes. */
function watch(conn: PaseoConnection, sessionId: string) {
  const dec = decoder();
  const chunks: Uint8Array[] = [];
  const state = {
    text: '',
    seq: 0,
    snapshots: 0,
    exit: undefined as undefined | { exitCode: number | null; signal: string | null },
    /** Every output and snapshot body received, in order. */
    bytes: () => Buffer.concat(chunks),
  };
  conn.onMessage((msg, body) => {
    if (!('sessionId' in msg) || msg.sessionId !== sessionId) return;
    if (msg.t === 'session.snapshot') {
      state.snapshots++;
      state.text = dec.decode(body);
      state.seq = msg.seq;
      chunks.push(body.slice());
      conn.send({ t: 'session.ack', sessionId, seq: msg.seq });
    } else if (msg.t === 'session.output') {
      state.text += dec.decode(body, { stream: true });
      state.seq = msg.seq;
      chunks.push(body.slice());
      conn.send({ t: 'session.ack', sessionId, seq: msg.seq });
    } else if (msg.t === 'session.exit') {
      state.exit = { exitCode: msg.exitCode, signal: msg.signal };
    }
  });
  return state;
}

const type = (conn: PaseoConnection, sessionId: string, text: string) =>
  conn.send({ t: 'session.input', sessionId }, new TextEncoder().encode(text));

describe('agent sessions', () => {
  let d: TestDaemon;
  let device: Awaited<ReturnType<typeof pairDevice>>;
  beforeAll(async () => {
    d = await startDaemon();
    device = await pairDevice(d, 'Session phone');
  });
  afterAll(async () => {
    await d?.stop();
  });

  it('starts a session from a device, shows coloured output and answers a question', async () => {
    const conn = device.conn;
    const info = await conn.request({
      t: 'session.create',
      command: [NODE, FAKE_AGENT, 'color'],
      cwd: REPO_ROOT,
      cols: 80,
      rows: 24,
    });
    expect(info).toMatchObject({ state: 'running', cwd: REPO_ROOT, cols: 80, rows: 24 });
    const w = watch(conn, info.id);
    conn.send({ t: 'session.attach', sessionId: info.id, cols: 80, rows: 24 });
    await expect.poll(() => w.text, { timeout: 10_000 }).toMatch(new RegExp(`${ESC}\\[[0-9;]*32m[\\s\\S]*green bold`));
    type(conn, info.id, 'ask\r');
    await expect.poll(() => w.text, { timeout: 10_000 }).toContain('Proceed? (y/n)');
    await expect
      .poll(async () => (await conn.request({ t: 'sessions.list' })).find((s) => s.id === info.id)?.waitingForInput, {
        timeout: 10_000,
      })
      .toBe(true);
    type(conn, info.id, 'y\r');
    await expect.poll(() => w.text, { timeout: 10_000 }).toContain('yes!');
    type(conn, info.id, 'exit 3\r');
    await expect.poll(() => w.exit, { timeout: 10_000 }).toEqual({ exitCode: 3, signal: null });
  });

  it('resumes exactly where a reconnecting device left off: the same bytes, none twice, none lost', async () => {
    const first = await connectDevice(d, device.keys);
    // A reference device stays attached from the first byte to the last.
    const reference = await connectDevice(d, device.keys);
    const info = await first.request({
      t: 'session.create',
      command: [NODE, FAKE_AGENT],
      cwd: REPO_ROOT,
      cols: 100,
      rows: 30,
    });
    const all = watch(reference, info.id);
    reference.send({ t: 'session.attach', sessionId: info.id, afterSeq: 0, cols: 100, rows: 30 });
    const w1 = watch(first, info.id);
    first.send({ t: 'session.attach', sessionId: info.id, afterSeq: 0, cols: 100, rows: 30 });
    await expect.poll(() => w1.text, { timeout: 10_000 }).toContain('> ');
    type(first, info.id, 'count 200\r');
    await expect.poll(() => w1.text, { timeout: 10_000 }).toMatch(/line 200\r+\n/);
    first.close();
    // While this device is away, the agent prints more.
    type(reference, info.id, 'count 300\r');
    await expect.poll(() => all.text, { timeout: 10_000 }).toMatch(/line 300\r+\n/);
    const again = await connectDevice(d, device.keys);
    const w2 = watch(again, info.id);
    again.send({ t: 'session.attach', sessionId: info.id, afterSeq: w1.seq, cols: 100, rows: 30 });
    type(again, info.id, 'echo back\r');
    await expect.poll(() => w2.text, { timeout: 10_000 }).toMatch(/\nback\r+\n/);
    await expect.poll(() => all.seq, { timeout: 10_000 }).toBe(w2.seq);
    expect(w2.snapshots).toBe(0); // resumed from the buffer, not a snapshot
    expect(all.snapshots).toBe(0);
    expect(all.bytes().length).toBe(all.seq);
    expect(Buffer.concat([w1.bytes(), w2.bytes()]).equals(all.bytes())).toBe(true);
    again.close();
    reference.close();
  });

  it('lets several devices watch and type into one session', async () => {
    const a = await connectDevice(d, device.keys);
    const second = await pairDevice(d, 'Tablet');
    const b = second.conn;
    const info = await a.request({
      t: 'session.create',
      command: [NODE, FAKE_AGENT],
      cwd: REPO_ROOT,
      cols: 80,
      rows: 24,
    });
    const wa = watch(a, info.id);
    const wb = watch(b, info.id);
    a.send({ t: 'session.attach', sessionId: info.id, cols: 80, rows: 24 });
    b.send({ t: 'session.attach', sessionId: info.id, cols: 60, rows: 20 });
    type(a, info.id, 'echo from-a\r');
    await expect.poll(() => wb.text, { timeout: 10_000 }).toContain('from-a');
    type(b, info.id, 'echo from-b\r');
    await expect.poll(() => wa.text, { timeout: 10_000 }).toContain('from-b');
    // The session follows the device that types: b typed last at 60x20.
    type(b, info.id, 'size\r');
    await expect.poll(() => wa.text, { timeout: 10_000 }).toContain('size 60x20');
    const listed = (await a.request({ t: 'sessions.list' })).find((s) => s.id === info.id);
    expect(listed?.viewers).toBe(2);
    await a.request({ t: 'session.kill', sessionId: info.id });
    await expect.poll(() => wb.exit, { timeout: 10_000 }).toBeDefined();
    a.close();
    b.close();
  });

  it('keeps screens and recordings in a worker thread of the binary: a snapshot after a text flood, and every line recorded', async () => {
    const conn = device.conn;
    const lines = 50_000;
    const info = await conn.request({
      t: 'session.create',
      command: ['sh', '-c', `seq 1 ${lines}; printf 'flood-done\\n'; exec cat`],
      cols: 80,
      rows: 24,
    });
    let expected = 'flood-done\r\n'.length;
    for (let i = 1; i <= lines; i++) expected += String(i).length + 2;
    await expect
      .poll(async () => (await conn.request({ t: 'sessions.list' })).find((s) => s.id === info.id)?.seq, {
        timeout: 20_000,
      })
      .toBe(expected);
    // The daemon runs a thread named after the screen worker.
    const { pid } = d.cliJson<{ pid: number }>(['status', '--json']);
    const threads = readdirSync(`/proc/${pid}/task`).map((t) =>
      readFileSync(`/proc/${pid}/task/${t}/comm`, 'utf8').trim(),
    );
    expect(threads).toContain('paseo-screens');
    // A device attaching now gets the screen as a snapshot: the end of the flood, its scrollback, not its start.
    const w = watch(conn, info.id);
    conn.send({ t: 'session.attach', sessionId: info.id, cols: 80, rows: 24 });
    await expect.poll(() => w.snapshots, { timeout: 10_000 }).toBe(1);
    expect(w.seq).toBe(expected);
    expect(w.text).toContain(`${lines}\r\nflood-done`);
    expect(w.text).toContain(`\r\n${lines - 900}\r\n`);
    expect(w.text).not.toContain('\r\n100\r\n');
    await conn.request({ t: 'session.kill', sessionId: info.id });
    // The recording has every line, in order.
    const recorded = d.cli(['logs', info.id]).stdout;
    const all = Array.from({ length: lines }, (_, i) => `${i + 1}\r\n`).join('');
    expect(recorded.includes(`${all}flood-done`)).toBe(true);
  });

  it('runs, lists, logs and kills sessions from the CLI', () => {
    const started = d.cli(['run', '-d', '--name', 'fake', '--', NODE, FAKE_AGENT, 'echo cli-hello']);
    expect(started.status).toBe(0);
    const id = started.stdout.trim();
    expect(id).toMatch(/^[a-km-np-z2-9]{8}$/);
    const list = d.cliJson<SessionInfo[]>(['ls', '--json']);
    expect(list.find((s) => s.id === id)).toMatchObject({ name: 'fake', state: 'running' });
    expect(d.cli(['ls']).stdout).toMatch(/fake/);
    let logs = '';
    for (let i = 0; i < 50 && !logs.includes('cli-hello'); i++) {
      spawnSync('sleep', ['0.1']);
      logs = d.cli(['logs', id]).stdout;
    }
    expect(logs).toContain('cli-hello');
    expect(d.cli(['logs', id, '--cast']).stdout).toMatch(/recordings\/[a-km-np-z2-9]{8}\.cast/);
    const killed = d.cli(['kill', 'fake']);
    expect(killed.status).toBe(0);
    expect(killed.stdout).toMatch(/Ended fake/);
    // Killing removes it from the list; its recording stays readable.
    expect(d.cliJson<SessionInfo[]>(['ls', '--json']).find((s) => s.id === id)).toBeUndefined();
    expect(d.cli(['logs', id]).stdout).toContain('cli-hello');
    // An ended session stays listed until it is removed (`paseo rm`); a running one is not removed.
    const ended = d.cli(['run', '-d', '--name', 'ended', '--', NODE, FAKE_AGENT, 'exit 4']).stdout.trim();
    const running = d.cli(['run', '-d', '--name', 'running', '--', NODE, FAKE_AGENT]).stdout.trim();
    const state = (id: string) => d.cliJson<SessionInfo[]>(['ls', '--json']).find((s) => s.id === id)?.state;
    for (let i = 0; i < 50 && state(ended) !== 'exited'; i++) spawnSync('sleep', ['0.1']);
    expect(state(ended)).toBe('exited');
    const refused = d.cli(['rm', 'running']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/running is still running\. End it with `paseo kill running` first/);
    expect(d.cli(['rm', ended]).stdout).toBe(
      `Removed ended (${ended}). Its recording stays: \`paseo logs ${ended}\`.\n`,
    );
    expect(state(ended)).toBeUndefined();
    d.cli(['kill', running]);
    const again = d.cli(['run', '-d', '--name', 'again', '--', NODE, FAKE_AGENT, 'exit 0']).stdout.trim();
    for (let i = 0; i < 50 && state(again) !== 'exited'; i++) spawnSync('sleep', ['0.1']);
    expect(d.cli(['rm', '--exited']).stdout).toMatch(/^Removed \d+ ended sessions?: (.+, )?again(, .+)?\.\n$/);
    expect(d.cliJson<SessionInfo[]>(['ls', '--json']).filter((s) => s.state === 'exited')).toEqual([]);
    expect(d.cli(['rm', '--exited']).stdout).toBe('No sessions have ended: nothing to remove.\n');
    const missing = d.cli(['kill', 'no-such-session']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/There is no session "no-such-session"/);
    const badPreset = d.cli(['run', '-d', 'no-such-preset']);
    expect(badPreset.status).toBe(1);
    expect(badPreset.stderr).toMatch(/preset/i);
  });

  it('says on `run --list` and `run <preset>` when presets.json is broken', () => {
    const file = join(d.home, 'presets.json');
    writeFileSync(file, '[{"name": "review", "command": ');
    try {
      const warning = `paseo: warning: ${file}: not valid JSON`;
      const list = d.cli(['run', '--list']);
      expect(list.status).toBe(0);
      expect(list.stderr).toContain(warning);
      expect(list.stdout).toMatch(/^\s+shell\s/m); // the built-ins are still there
      const run = d.cli(['run', '-d', 'review']);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(warning);
      expect(run.stderr).toMatch(/There is no preset "review"/);
    } finally {
      rmSync(file);
    }
    expect(d.cli(['run', '--list']).stderr).toBe('');
  });

  it('attaches a real terminal (tmux), types, and detaches with Ctrl-] leaving the session running', () => {
    const id = d.cli(['run', '-d', '--name', 'tmuxed', '--', NODE, FAKE_AGENT]).stdout.trim();
    const tmux = (...args: string[]) =>
      spawnSync('tmux', ['-L', `paseo-test-${process.pid}`, ...args], {
        encoding: 'utf8',
        env: testEnv(d.home, { TERM: 'xterm-256color' }),
      });
    const envArgs = Object.entries(testEnv(d.home)).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    expect(
      tmux(
        'new-session',
        '-d',
        '-x',
        '100',
        '-y',
        '30',
        ...envArgs,
        'sh',
        '-c',
        `'${paseoBin()}' attach ${id}; echo "EXIT=$?"; sleep 60`,
      ).status,
    ).toBe(0);
    const screen = () => tmux('capture-pane', '-p').stdout;
    const waitFor = (text: string) => {
      for (let i = 0; i < 100; i++) {
        if (screen().includes(text)) return;
        spawnSync('sleep', ['0.1']);
      }
      throw new Error(`tmux never showed "${text}":\n${screen()}`);
    };
    try {
      waitFor('fake-agent ready');
      tmux('send-keys', 'echo via-tmux', 'Enter');
      waitFor('via-tmux');
      tmux('send-keys', 'size', 'Enter');
      waitFor('size 100x30');
      tmux('send-keys', 'C-]');
      waitFor('detached from tmuxed');
      waitFor('EXIT=0');
    } finally {
      tmux('kill-server');
    }
    expect(d.cliJson<SessionInfo[]>(['ls', '--json']).find((s) => s.id === id)?.state).toBe('running');
  });
});
