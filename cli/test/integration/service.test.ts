// `paseo service install|status|uninstall` with the real binary in a temporary HOME: the unit it writes is
// exactly docs/service.md's and passes `systemd-analyze verify`; where no systemd user manager can run
// (containers, CI), a stand-in systemctl (fixtures/fake-systemctl.sh) runs the unit's ExecStart the way a
// service manager would. HOME and XDG_RUNTIME_DIR are temporary: the real user's services are never reached.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { paseoBin, REPO_ROOT } from './harness.js';

const scratch = mkdtempSync(join(tmpdir(), 'paseo-service-'));
const bin = () => realpathSync(paseoBin());
const unitOf = (home: string) => join(home, '.config', 'systemd', 'user', 'paseo.service');
const NO_MANAGER =
  'There is no systemd user manager here (as in most containers), so nothing starts paseo at login: use `paseo up --daemon` instead.';

function newHome(name: string): string {
  const home = join(scratch, name);
  mkdirSync(join(home, 'run'), { recursive: true, mode: 0o700 });
  return home;
}

/** The environment of a person's shell in `home`: HOME, PATH (with `extraPath` first), LANG; no PASEO_HOME. */
function shellEnv(home: string, extraPath: string[] = [], extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    HOME: home,
    PATH: [...extraPath, `${home}/.local/bin`, '/usr/local/bin', '/usr/bin', '/bin'].join(':'),
    LANG: 'en_US.UTF-8',
    XDG_RUNTIME_DIR: join(home, 'run'),
    TS_NO_LOGS_NO_SUPPORT: '1',
    TS_DISABLE_PORTMAPPER: '1',
    TS_ASSUME_NETWORK_UP_FOR_TEST: '1',
    ...extra,
  };
}

function paseo(env: NodeJS.ProcessEnv, ...args: string[]) {
  const r = spawnSync(paseoBin(), args, { env, encoding: 'utf8', timeout: 40_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function documentedUnit(home: string): string {
  const doc = readFileSync(join(REPO_ROOT, 'docs', 'service.md'), 'utf8');
  const block = /```ini\n([\s\S]*?)```/.exec(doc)?.[1];
  if (!block) throw new Error('docs/service.md has no ini block');
  return block.replaceAll('/home/you/.local/bin/paseo', bin()).replaceAll('/home/you', home);
}

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('paseo service without a service manager (as in this container)', () => {
  const home = newHome('plain');
  const env = shellEnv(home);

  it('install writes exactly the documented unit, which systemd-analyze verifies, and says nothing will start it', () => {
    const r = paseo(env, 'service', 'install', '--hostname', 'laptop');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      `Wrote the paseo service: ${unitOf(home)}\n  Runs: ${bin()} up --hostname laptop\n${NO_MANAGER}\n`,
    );
    expect(readFileSync(unitOf(home), 'utf8')).toBe(documentedUnit(home));
    expect(statSync(unitOf(home)).mode & 0o777).toBe(0o644);
    const verify = spawnSync('systemd-analyze', ['verify', unitOf(home)], { encoding: 'utf8' });
    expect(verify.error, 'systemd-analyze (Debian package systemd) must be installed').toBeUndefined();
    expect(`${verify.stdout}${verify.stderr}`).toBe('');
    expect(verify.status).toBe(0);
  });

  it('status shows the file, the command and why it does not run (--json too)', () => {
    const r = paseo(env, 'service', 'status');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      [
        `The paseo service is installed: ${unitOf(home)}`,
        `  Runs:    ${bin()} up --hostname laptop`,
        `  Service: ${NO_MANAGER.replace(/^T/, 't')}`,
        '  paseo:   not running',
        '  Log:     journalctl --user -u paseo',
        '',
      ].join('\n'),
    );
    expect(JSON.parse(paseo(env, 'service', 'status', '--json').stdout)).toEqual({
      installed: true,
      manager: 'systemd',
      file: unitOf(home),
      command: [bin(), 'up', '--hostname', 'laptop'],
      available: false,
      enabled: false,
      active: false,
      pid: null,
      running: false,
    });
  });

  it('uninstall removes the file; then status and uninstall say it is not installed', () => {
    const r = paseo(env, 'service', 'uninstall');
    expect(r.stdout).toBe(`Removed the paseo service (${unitOf(home)}).\n`);
    expect(existsSync(unitOf(home))).toBe(false);
    const s = paseo(env, 'service', 'status');
    expect(s.status).toBe(3);
    expect(s.stdout).toMatch(/^The paseo service is not installed\./);
    expect(paseo(env, 'service', 'uninstall').stdout).toBe('The paseo service is not installed.\n');
  });

  it.each([
    [['--authkey', 'tskey-auth-secret'], 'An auth key is never written into a service file.'],
    [['--daemon'], 'leave out --daemon'],
    [['--bogus'], '--bogus is not a flag of `paseo up`'],
  ])('refuses %j with a sentence and writes nothing', (flags, sentence) => {
    const r = paseo(env, 'service', 'install', ...flags);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(sentence);
    expect(r.stdout).toBe('');
    expect(existsSync(unitOf(home))).toBe(false);
  });
});

describe('paseo service with a service manager (a stand-in systemctl)', () => {
  const home = newHome('managed');
  const fake = join(home, 'fake-systemd');
  const fakeBin = join(home, 'fake-bin');
  mkdirSync(fake);
  mkdirSync(fakeBin);
  symlinkSync(join(REPO_ROOT, 'cli', 'test', 'fixtures', 'fake-systemctl.sh'), join(fakeBin, 'systemctl'));
  const env = shellEnv(home, [fakeBin], { FAKE_SYSTEMCTL_DIR: fake });
  const flags = ['--no-tailnet', '--listen', '127.0.0.1:0'];
  const pidOf = () => Number(readFileSync(join(fake, 'pid'), 'utf8'));
  const calls = () => readFileSync(join(fake, 'calls'), 'utf8').trim().split('\n');

  afterAll(() => {
    paseo(env, 'down');
  });

  it('refuses while paseo already runs outside the service', () => {
    expect(paseo(env, 'up', '--daemon', ...flags).status).toBe(0);
    const r = paseo(env, 'service', 'install', ...flags);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('paseo is already running (started with `paseo up`)');
    expect(existsSync(unitOf(home))).toBe(false);
    expect(paseo(env, 'down').stdout).toBe('paseo stopped.\n');
  });

  it('install enables and starts the recorded command: paseo answers, pairs, and its log holds no code', () => {
    const r = paseo(env, 'service', 'install', ...flags);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('paseo is running as a service: it starts at every login and is restarted if it fails.');
    expect(r.stdout).toContain('  Its log:        journalctl --user -u paseo');
    const lingering = existsSync(join('/var/lib/systemd/linger', userInfo().username));
    expect(r.stdout.includes(`loginctl enable-linger ${userInfo().username}`)).toBe(!lingering);
    expect(r.stdout, '--no-tailnet: no tailnet advice').not.toContain('First time on your tailnet');
    expect(calls().slice(-2)).toEqual(['--user daemon-reload', '--user enable --now paseo.service']);

    const status = JSON.parse(paseo(env, 'status', '--json').stdout) as { running: boolean; pid: number };
    expect(status).toMatchObject({ running: true, pid: pidOf() });
    const { code } = JSON.parse(paseo(env, 'pair', '--json').stdout) as { code: string };
    expect(code).toMatch(/^[2-9A-Z]{4}-[2-9A-Z]{4}$/);
    const log = readFileSync(join(fake, 'service.log'), 'utf8');
    expect(log).toMatch(/listening on/);
    expect(log).not.toContain(code);

    const s = paseo(env, 'service', 'status');
    expect(s.stdout).toContain(`  Service: enabled, active (running), pid ${pidOf()}\n`);
    expect(s.stdout).toContain('  paseo:   answering');
  });

  it('install again restarts it with the new command', () => {
    const before = pidOf();
    const r = paseo(env, 'service', 'install', ...flags, '--hostname', 'box');
    expect(r.status).toBe(0);
    expect(calls()).toContain('--user restart paseo.service');
    expect(pidOf()).not.toBe(before);
    expect(readFileSync(unitOf(home), 'utf8')).toContain(`ExecStart=${bin()} up ${flags.join(' ')} --hostname box\n`);
    expect(JSON.parse(paseo(env, 'status', '--json').stdout)).toMatchObject({ running: true, pid: pidOf() });
  });

  it('uninstall stops paseo, disables the unit and removes the file', () => {
    const pid = pidOf();
    const r = paseo(env, 'service', 'uninstall');
    expect(r.stdout).toBe(
      `Removed the paseo service (${unitOf(home)}): paseo is stopped and no longer starts at login.\n`,
    );
    expect(calls().slice(-2)).toEqual(['--user disable --now paseo.service', '--user daemon-reload']);
    expect(existsSync(unitOf(home))).toBe(false);
    expect(() => process.kill(pid, 0)).toThrow();
    expect(paseo(env, 'status').stdout).toMatch(/^paseo is not running/);
  });
});
