// The login service's files: the systemd unit (checked by systemd-analyze, read back), the launchd plist
// (parsed by Python's plistlib, compared with docs/service.md), and the flags `service install` records.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ArgsDef } from 'citty';
import { afterAll, describe, expect, it } from 'vitest';
import up from '../../src/commands/up.js';
import { LAUNCHD_LABEL, launchdManager, parseLaunchdProgram, renderLaunchdPlist } from '../../src/service/launchd.js';
import { type RunResult, removeService, writeServiceFile } from '../../src/service/manager.js';
import { checkUpFlags, ServiceFlagError, type ServiceSpec, serviceSpec } from '../../src/service/spec.js';
import { parseSystemdExecStart, renderSystemdUnit } from '../../src/service/systemd.js';

const root = resolve(import.meta.dirname, '..', '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'paseo-service-unit-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The code block of docs/service.md in `lang`. */
function documented(lang: 'ini' | 'xml'): string {
  const doc = readFileSync(join(root, 'docs', 'service.md'), 'utf8');
  const block = new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``).exec(doc)?.[1];
  if (!block) throw new Error(`docs/service.md has no ${lang} block`);
  return block;
}

/** Python's plistlib reading `text` (it refuses anything that is not a well-formed plist). */
function plistlib(text: string): { status: number | null; value: unknown; stderr: string } {
  const r = spawnSync(
    'python3',
    [
      '-c',
      'import json, plistlib, sys; print(json.dumps(plistlib.loads(sys.stdin.buffer.read(), fmt=plistlib.FMT_XML)))',
    ],
    { input: text, encoding: 'utf8' },
  );
  if (r.error) throw new Error(`python3 is needed to check plists (.ci/run installs it): ${r.error.message}`);
  return { status: r.status, value: r.status === 0 ? JSON.parse(r.stdout) : undefined, stderr: r.stderr };
}

const TRICKY = ['a b', 'quote"s', "it's", 'back\\slash', '100%', '$HOME', 'x&y<z>', 'tab\there', 'naïve ☕', ''];

describe('systemd unit', () => {
  it('quotes every word so that systemd-analyze verify accepts the unit and reads the same command back', () => {
    const spec: ServiceSpec = {
      argv: [process.execPath, 'up', '--hostname', ...TRICKY],
      env: [
        ['PASEO_DETACHED', '1'],
        ['PATH', '/opt/my tools/bin:/usr/bin:/bin'],
        ['LANG', 'de_DE.UTF-8%'],
      ],
      log: '/tmp/x.log',
    };
    const text = renderSystemdUnit(spec);
    const file = join(scratch, 'paseo.service');
    writeFileSync(file, text);
    const verify = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
    if (verify.error) throw new Error(`systemd-analyze is needed (Debian's systemd; .ci/run installs it)`);
    expect(`${verify.stdout}${verify.stderr}`).toBe('');
    expect(verify.status).toBe(0);
    expect(parseSystemdExecStart(text)).toEqual(spec.argv);
  });

  it('is read by systemd-analyze verify, which rejects a broken one (the check is not vacuous)', () => {
    const file = join(scratch, 'broken.service');
    writeFileSync(file, '[Service]\nExecStart=/nonexistent/paseo up\nRestart=sometimes\n');
    const verify = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
    expect(verify.stderr).toMatch(/Restart|not executable/);
  });
});

describe('launchd plist', () => {
  it('is a plist that plistlib reads back to the same program, environment and keys', () => {
    const spec: ServiceSpec = {
      argv: ['/Applications/My Tools/paseo', 'up', ...TRICKY],
      env: [
        ['PASEO_DETACHED', '1'],
        ['PATH', '/a&b:/usr/bin'],
      ],
      log: '/Users/you/.paseo/daemon.log',
    };
    const text = renderLaunchdPlist(spec);
    const parsed = plistlib(text);
    expect(parsed.stderr).toBe('');
    expect(parsed.value).toEqual({
      Label: LAUNCHD_LABEL,
      ProgramArguments: spec.argv,
      EnvironmentVariables: { PASEO_DETACHED: '1', PATH: '/a&b:/usr/bin' },
      RunAtLoad: true,
      KeepAlive: { SuccessfulExit: false },
      ThrottleInterval: 5,
      StandardOutPath: spec.log,
      StandardErrorPath: spec.log,
    });
    expect(parseLaunchdProgram(text)).toEqual(spec.argv);
  });

  it('plistlib refuses a damaged plist (the check is not vacuous)', () => {
    const text = renderLaunchdPlist({ argv: ['/p'], env: [], log: '/l' }).replace('<true/>', '<truth/>');
    expect(plistlib(text).status).not.toBe(0);
  });

  it('install in a temporary home writes exactly the documented plist and loads it; uninstall unloads and removes it', () => {
    const home = mkdtempSync(join(scratch, 'home-'));
    const calls: string[][] = [];
    const replies: Record<string, RunResult> = {
      [`print gui/501/${LAUNCHD_LABEL}`]: { status: 0, stdout: '\tstate = running\n\tpid = 4242\n', stderr: '' },
    };
    const run = (command: string, args: string[]): RunResult => {
      calls.push([command, ...args]);
      return replies[args.join(' ')] ?? { status: 0, stdout: '', stderr: '' };
    };
    const manager = launchdManager({ homeDir: home, user: 'you', uid: 501, env: {}, log: '', run });
    const env = serviceSpec(['--hostname', 'laptop'], join(home, '.paseo'), {
      LANG: 'en_US.UTF-8',
      PATH: `${home}/.local/bin:/usr/local/bin:/usr/bin:/bin`,
    }).env;
    const spec: ServiceSpec = {
      argv: [`${home}/.local/bin/paseo`, 'up', '--hostname', 'laptop'],
      env,
      log: join(home, '.paseo', 'daemon.log'),
    };
    writeServiceFile(manager, spec);
    expect(manager.file).toBe(join(home, 'Library', 'LaunchAgents', 'com.paseo.daemon.plist'));
    expect(readFileSync(manager.file, 'utf8')).toBe(documented('xml').replaceAll('/Users/you', home));
    expect(plistlib(readFileSync(manager.file, 'utf8')).status).toBe(0);
    manager.activate();
    expect(calls).toEqual([
      ['launchctl', 'bootout', `gui/501/${LAUNCHD_LABEL}`],
      ['launchctl', 'bootstrap', 'gui/501', manager.file],
    ]);
    expect(manager.state()).toEqual({ enabled: true, active: true, pid: 4242, detail: 'loaded, running' });
    calls.length = 0;
    expect(removeService(manager, true)).toBe(true);
    expect(calls).toEqual([['launchctl', 'bootout', `gui/501/${LAUNCHD_LABEL}`]]);
    expect(existsSync(manager.file)).toBe(false);
    expect(removeService(manager, true)).toBe(false);
  });
});

describe('the flags service install records', () => {
  const upArgs = up.args as ArgsDef;
  it.each([
    [['--hostname', 'laptop']],
    [['--no-tailnet', '--listen=127.0.0.1:7000']],
    [['--login-server', 'https://hs.example', '--hostname=box']],
    [['--relay', 'wss://relay.example.com']],
    [[]],
  ])('accepts `paseo up` flags %j as they are', (flags) => {
    expect(checkUpFlags(flags, upArgs)).toEqual(flags);
  });

  it.each([
    [['--daemon'], /leave out --daemon/],
    [['-d'], /leave out --daemon/],
    [['--authkey', 'tskey-auth-x'], /never written into a service file/],
    [['--authkey=tskey-auth-x'], /never written into a service file/],
    [['--bogus'], /--bogus is not a flag of `paseo up`/],
    [['--hostname'], /--hostname needs a value/],
    [['laptop'], /"laptop" is not a flag/],
  ])('refuses %j with a sentence', (flags, message) => {
    expect(() => checkUpFlags(flags, upArgs)).toThrow(ServiceFlagError);
    expect(() => checkUpFlags(flags, upArgs)).toThrow(message);
  });

  it('records PATH, and the state folder and locale only when set; never an auth key', () => {
    const spec = serviceSpec(['--no-tailnet'], '/h/.paseo', { PATH: '/bin', TS_AUTHKEY: 'tskey-auth-secret' });
    expect(spec.env).toEqual([
      ['PASEO_DETACHED', '1'],
      ['PATH', '/bin'],
    ]);
    expect(spec.argv.slice(-2)).toEqual(['up', '--no-tailnet']);
    expect(JSON.stringify(spec)).not.toContain('tskey');
    const withHome = serviceSpec([], '/h/.paseo', { PATH: '/bin', PASEO_HOME: '/h/.paseo', LANG: 'C.UTF-8' });
    expect(withHome.env.map(([k]) => k)).toEqual(['PASEO_DETACHED', 'PASEO_HOME', 'LANG', 'PATH']);
  });
});
