// The session manager's requests: every way a create can be wrong gets its sentence; names, folders and
// the environment a session gets; recordings found after removal; listeners that throw; shutting down.
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SessionError } from '../../src/session/errors.js';
import { acpAgent } from '../fixtures/fake-acp.js';
import { agent, makeManager, TestViewer, waitFor } from '../fixtures/session-harness.js';

let env: ReturnType<typeof makeManager>;
afterEach(async () => {
  await env?.close();
});

function refusal(fn: () => unknown): SessionError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SessionError);
    return e as SessionError;
  }
  throw new Error('did not throw');
}

const size = { cols: 80, rows: 24 };

describe('SessionManager requests', () => {
  it('refuses each malformed create with its own sentence, and starts nothing', () => {
    env = makeManager();
    const { manager, home } = env;
    const cases: [Parameters<typeof manager.create>[0], string, string][] = [
      [{ ...size, preset: 'claude', command: ['ls'] }, 'bad-request', 'Give either a preset or a command, not both.'],
      [{ ...size, command: [''] }, 'bad-request', 'The command is empty.'],
      [{ ...size }, 'bad-request', 'Give a preset or a command to run.'],
      [{ ...size, command: [] }, 'bad-request', 'Give a preset or a command to run.'],
      [
        { cols: 0, rows: 24, command: agent() },
        'bad-request',
        'The terminal columns must be a whole number from 1 to 1000.',
      ],
      [
        { cols: 80, rows: 501, command: agent() },
        'bad-request',
        'The terminal rows must be a whole number from 1 to 500.',
      ],
      [
        { cols: 80.5, rows: 24, command: agent() },
        'bad-request',
        'The terminal columns must be a whole number from 1 to 1000.',
      ],
      [
        { ...size, command: agent(), env: { 'A=B': 'x' } },
        'bad-request',
        'The environment variable "A=B" has an invalid name or value.',
      ],
      [
        { ...size, command: agent(), env: { '': 'x' } },
        'bad-request',
        'The environment variable "" has an invalid name or value.',
      ],
      [
        { ...size, command: agent(), env: { A: 5 as unknown as string } },
        'bad-request',
        'The environment variable "A" has an invalid name or value.',
      ],
      [
        { ...size, command: agent(), env: { A: 'x\0y' } },
        'bad-request',
        'The environment variable "A" has an invalid name or value.',
      ],
      [
        { ...size, command: agent(), cwd: join(home, 'presets-missing.json') },
        'failed',
        `The folder ${join(home, 'presets-missing.json')} does not exist.`,
      ],
    ];
    for (const [req, code, message] of cases) {
      expect(
        refusal(() => manager.create(req)),
        message,
      ).toMatchObject({ code, message });
    }
    writeFileSync(join(home, 'a-file'), '');
    expect(refusal(() => manager.create({ ...size, command: agent(), cwd: join(home, 'a-file') }))).toMatchObject({
      code: 'failed',
      message: `${join(home, 'a-file')} is not a folder.`,
    });
    const acp = refusal(() => manager.create({ ...size, kind: 'acp', preset: 'no-such' }));
    expect(acp.code).toBe('not-found');
    expect(acp.message).toMatch(/^There is no ACP preset "no-such"\. Known ACP presets: /);
    expect(refusal(() => manager.create({ ...size, preset: 'no-such' })).message).toMatch(
      /^There is no preset "no-such"\. Known presets: .*claude/,
    );
    expect(manager.list()).toEqual([]);
    // The smallest terminal there is: one cell.
    expect(manager.create({ cols: 1, rows: 1, command: agent() })).toMatchObject({ cols: 1, rows: 1 });
  });

  it('names sessions: given, trimmed, else the command; a taken name gets -2, -3, within the length limit', async () => {
    env = makeManager();
    const { manager } = env;
    const names = [
      manager.create({ ...size, command: agent(), name: '  build  ' }).name,
      manager.create({ ...size, command: agent(), name: 'build' }).name,
      manager.create({ ...size, command: agent(), name: 'build' }).name,
      manager.create({ ...size, command: agent(), name: '   ' }).name,
      manager.create({ ...size, command: agent(), name: 'x'.repeat(100) }).name,
      manager.create({ ...size, command: agent(), name: 'x'.repeat(100) }).name,
    ];
    expect(names.slice(0, 4)).toEqual(['build', 'build-2', 'build-3', 'node']);
    expect(names[4]).toBe('x'.repeat(80));
    expect(names[5]).toBe(`${'x'.repeat(78)}-2`);
  });

  it('runs in the folder asked for, ~ meaning home; gives the session its id and a terminal, never paseo’s secrets', async () => {
    const home = join(process.env.HOME ?? '/root');
    env = makeManager({}, undefined, {
      PATH: process.env.PATH,
      HOME: home,
      TS_AUTHKEY: 'tskey-secret',
      KEEP_ME: 'kept',
    });
    const { manager } = env;
    const printEnv = [
      process.execPath,
      '-e',
      'process.stdout.write(["PWD="+process.cwd(),"ID="+process.env.PASEO_SESSION_ID,"TERM="+process.env.TERM,"CT="+process.env.COLORTERM,"KEY="+(process.env.TS_AUTHKEY??"none"),"KEEP="+process.env.KEEP_ME,"EXTRA="+process.env.EXTRA].join(" ")+"\\n")',
    ];
    const tilde = manager.create({ ...size, command: printEnv, cwd: '~', env: { EXTRA: 'yes' } });
    expect(tilde.cwd).toBe(home);
    const v = new TestViewer(manager, true);
    manager.attach(tilde.id, v, { afterSeq: 0 });
    await waitFor('env printed', () => v.text().includes('EXTRA='));
    expect(v.text()).toContain(
      `PWD=${home} ID=${tilde.id} TERM=xterm-256color CT=truecolor KEY=none KEEP=kept EXTRA=yes`,
    );
    mkdirSync(join(env.home, 'sub'), { recursive: true });
    expect(manager.create({ ...size, command: agent(), cwd: ` ${env.home}/sub ` }).cwd).toBe(join(env.home, 'sub'));
    expect(manager.create({ ...size, command: agent() }).cwd).toBe(home); // no folder: home
  });

  it('refuses attach offsets and sizes that are not whole numbers in range', () => {
    env = makeManager();
    const { manager } = env;
    const { id } = manager.create({ ...size, command: agent() });
    const v = new TestViewer(manager, true);
    for (const afterSeq of [-1, 1.5, Number.NaN]) {
      expect(refusal(() => manager.attach(id, v, { afterSeq }))).toMatchObject({
        code: 'bad-request',
        message: 'afterSeq must be a byte offset (a whole number, 0 or more).',
      });
    }
    expect(refusal(() => manager.attach(id, v, { cols: 0 })).code).toBe('bad-request');
    expect(refusal(() => manager.attach(id, v, { rows: 1000 })).code).toBe('bad-request');
    expect(refusal(() => manager.resize(id, v, 0, 10)).code).toBe('bad-request');
    expect(refusal(() => manager.input('nosuchid', v, new Uint8Array(1)))).toMatchObject({
      code: 'not-found',
      message: 'There is no session "nosuchid".',
    });
    // Detach, ack and detachAll of an unknown session or viewer are no-ops.
    manager.detach('nosuchid', v);
    manager.ack('nosuchid', v, 1);
    manager.detachAll(v);
    expect(manager.get(id)?.viewers).toBe(0);
    expect(manager.stats('nosuchid')).toBeUndefined();
  });

  it('finds a removed session’s recording by id (and nothing for an id it could not have made)', async () => {
    env = makeManager();
    const { manager } = env;
    const { id } = manager.create({ ...size, command: agent('exit 0') });
    await waitFor('exit', () => manager.get(id)?.state === 'exited');
    const path = manager.recordingPath(id);
    expect(path).toBe(join(env.home, 'recordings', `${id}.cast`));
    await manager.remove(id);
    expect(manager.get(id)).toBeUndefined();
    expect(manager.recordingPath(id)).toBe(path);
    expect(manager.recordingPath('../../etc')).toBeUndefined();
    expect(manager.recordingPath('abcdefgh')).toBeUndefined(); // well-formed, never recorded
  });

  it('keeps notifying when a listener throws, stops notifying one that left, and refuses creates while shutting down', async () => {
    env = makeManager({ changeThrottleMs: 10 });
    const { manager, log } = env;
    manager.onChange(() => {
      throw new Error('listener bug');
    });
    const seen: number[] = [];
    const off = manager.onChange((s) => seen.push(s.length));
    manager.create({ ...size, command: agent() });
    await waitFor('notified', () => seen.length > 0);
    expect(log.lines.some((l) => l.level === 'error' && l.text.startsWith('A sessions listener failed:'))).toBe(true);
    off();
    const count = seen.length;
    manager.create({ ...size, command: agent() });
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toHaveLength(count);
    const shutdown = manager.shutdown();
    expect(refusal(() => manager.create({ ...size, command: agent() }))).toMatchObject({
      code: 'failed',
      message: 'The daemon is shutting down.',
    });
    await shutdown;
    expect(manager.list()).toEqual([]);
  });
});

describe('SessionManager sentences and lifecycle', () => {
  it('says which size is wrong when attaching or resizing, and names a missing command or preset command', () => {
    const path = mkdtempSync(join(tmpdir(), 'paseo-empty-path-'));
    env = makeManager({}, undefined, { PATH: path, HOME: process.env.HOME });
    const { manager } = env;
    const { id } = manager.create({ ...size, command: agent() });
    const v = new TestViewer(manager, true);
    const columns = 'The terminal columns must be a whole number from 1 to 1000.';
    const rows = 'The terminal rows must be a whole number from 1 to 500.';
    expect(refusal(() => manager.attach(id, v, { cols: 1001 })).message).toBe(columns);
    expect(refusal(() => manager.attach(id, v, { rows: 0 })).message).toBe(rows);
    expect(refusal(() => manager.resize(id, v, 0, 24)).message).toBe(columns);
    expect(refusal(() => manager.resize(id, v, 80, 501)).message).toBe(rows);
    expect(refusal(() => manager.create({ ...size, command: ['no-such-tool', '-x'] }))).toMatchObject({
      code: 'failed',
      message: 'The command "no-such-tool" was not found on this computer (PATH). Install it or check PATH.',
    });
    expect(refusal(() => manager.create({ ...size, preset: 'claude' }))).toMatchObject({
      code: 'failed',
      message:
        'The command of preset "claude", "claude" was not found on this computer (PATH). Install it or check PATH.',
    });
    const acpPreset = manager.presets().find((p) => p.kind === 'acp');
    expect(acpPreset).toBeDefined();
    expect(refusal(() => manager.create({ ...size, kind: 'acp', preset: acpPreset!.name })).message).toMatch(
      new RegExp(`^The command of ACP preset "${acpPreset!.name}", ".+" was not found on this computer \\(PATH\\)\\.`),
    );
    rmSync(path, { recursive: true, force: true });
  });

  it('explains a command that cannot be started, and logs each start with its kind, command and folder', () => {
    env = makeManager();
    const { manager, log } = env;
    expect(refusal(() => manager.create({ ...size, kind: 'acp', command: [process.execPath, 'a\0b'] }))).toMatchObject({
      code: 'failed',
      message: expect.stringMatching(new RegExp(`^Could not start "${process.execPath} a\0b": .*null bytes`)),
    });
    expect(manager.list()).toEqual([]);
    const pty = manager.create({ ...size, command: agent(), cwd: '/tmp', name: 'shell' });
    const acp = manager.create({ ...size, kind: 'acp', command: acpAgent(), cwd: '/tmp', name: 'helper' });
    const starts = log.lines.filter((l) => l.level === 'info' && l.text.startsWith('Session ')).map((l) => l.text);
    expect(starts).toEqual([
      `Session ${pty.id} (shell) started: ${agent().join(' ')} in /tmp.`,
      `Session ${acp.id} (helper) started as an ACP agent: ${acpAgent().join(' ')} in /tmp.`,
    ]);
  });

  it('a second kill while the first is under way waits for the same end; an unknown or running session is refused', async () => {
    env = makeManager();
    const { manager } = env;
    const { id, name } = manager.create({ ...size, command: agent() });
    await expect(manager.remove(id)).rejects.toMatchObject({
      code: 'failed',
      message: `${name} is still running. End it first (\`paseo kill ${name}\` or End in the app).`,
    });
    const first = manager.kill(id, 'Pixel 8');
    const second = manager.kill(id, 'iPad');
    expect(second).toBe(first);
    await first;
    expect(manager.get(id)).toBeUndefined();
    await expect(manager.kill(id)).rejects.toMatchObject({
      code: 'not-found',
      message: `There is no session "${id}".`,
    });
    expect(new SessionError('failed', 'x').name).toBe('SessionError');
  });

  it('finds no recording for a name that leads out of the recordings folder, even if such a file exists', () => {
    env = makeManager();
    const { manager, home } = env;
    writeFileSync(join(home, 'outside.cast'), '');
    writeFileSync(join(home, 'recordings', 'outside.cast'), '');
    expect(manager.recordingPath('../outside')).toBeUndefined();
    expect(manager.recordingPath('outside')).toBeUndefined(); // not a session id
  });

  it('creates PASEO_HOME and its recordings folder, owner-only, and reuses them', () => {
    const parent = mkdtempSync(join(tmpdir(), 'paseo-home-parent-'));
    const home = join(parent, 'not', 'yet');
    env = makeManager({}, home);
    expect(statSync(join(home, 'recordings')).mode & 0o777).toBe(0o700);
    const again = makeManager({}, home);
    expect(again.manager.list()).toEqual([]);
    rmSync(parent, { recursive: true, force: true });
  });
});
