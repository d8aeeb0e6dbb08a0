// The command line as people meet it: help for every command, and errors as sentences.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { paseoBin, testEnv } from './harness.js';

const home = mkdtempSync(join(tmpdir(), 'paseo-cli-'));
// biome-ignore lint/suspicious/noControlCharactersInRegex: strips colour codes
const plain = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');
const paseo = (...args: string[]) => {
  const r = spawnSync(paseoBin(), args, { env: testEnv(home), encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, stdout: plain(r.stdout), stderr: plain(r.stderr) };
};
const COMMANDS = [
  'up',
  'down',
  'status',
  'pair',
  'devices',
  'revoke',
  'run',
  'ls',
  'attach',
  'kill',
  'rm',
  'logs',
  'send',
  'permit',
  'cancel',
  'service',
];
/** Runs paseo without removing colour codes (to check there are none). */
const raw = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(paseoBin(), args, { env: testEnv(home, env), encoding: 'utf8', timeout: 20_000 });

describe('paseo command line', () => {
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('--help lists every command with a description', () => {
    const r = paseo('--help');
    expect(r.status).toBe(0);
    for (const c of COMMANDS) expect(r.stdout).toMatch(new RegExp(`\\b${c}\\b.*[A-Z][a-z]+`));
  });

  it.each(COMMANDS)('paseo %s --help explains the command and its options', (c) => {
    const r = paseo(c, '--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`paseo ${c}`);
    expect(r.stdout).toMatch(/[A-Z][^.]+\./); // a sentence
  });

  it('--help is plain text when piped or with NO_COLOR', () => {
    for (const args of [['--help'], ['status', '--help'], ['run', '-h']]) {
      const r = raw(args);
      expect(r.status).toBe(0);
      expect(r.stdout).toContain('USAGE');
      expect(r.stdout).not.toContain('\x1b');
    }
    // On a terminal (script gives it one), colours stay unless NO_COLOR says otherwise.
    const tty = (env: Record<string, string>) =>
      spawnSync('script', ['-qec', `${paseoBin()} status --help`, '/dev/null'], {
        env: testEnv(home, env),
        encoding: 'utf8',
        timeout: 20_000,
      }).stdout;
    expect(tty({})).toContain('\x1b[');
    expect(tty({ NO_COLOR: '1' })).not.toContain('\x1b');
  });

  it('refuses options a command does not take, with the usual sentence', () => {
    const cases: [string[], string][] = [
      [['status', '--bogus'], 'paseo: Unknown option: --bogus. See `paseo status --help`.\n'],
      [['--bogus'], 'paseo: Unknown option: --bogus. See `paseo --help`.\n'],
      [['run', 'shell', '-x'], 'paseo: Unknown option: -x. See `paseo run --help`.\n'],
      [['ls', '--json', '--all'], 'paseo: Unknown option: --all. See `paseo ls --help`.\n'],
    ];
    for (const [args, sentence] of cases) {
      const r = raw(args);
      expect(r.status, args.join(' ')).toBe(1);
      expect(r.stderr).toBe(sentence);
    }
    // What a command does take, and anything after --, still goes through (to "not running").
    expect(raw(['run', '-d', '--name', 'x', '--', 'ls', '--bogus']).stderr).toMatch(/paseo is not running/);
  });

  it('listing commands have --json', () => {
    for (const c of ['status', 'pair', 'devices', 'ls']) expect(paseo(c, '--help').stdout).toContain('--json');
  });

  it('says in a sentence what went wrong', () => {
    const cases: [string[], RegExp][] = [
      [['bogus'], /^paseo: There is no command "bogus"\. The commands are: .* See `paseo --help`\.\n$/],
      [['revoke'], /^paseo: Missing required positional argument: DEVICE\. See `paseo revoke --help`\.\n$/],
      [['devices'], /^paseo: paseo is not running \(state folder .*\)\. Start it with `paseo up`\.\n$/],
      [['up', '--listen', 'nope'], /is not an address\. Use HOST:PORT/],
      [['up', '--hostname', 'bad name!'], /cannot be a tailnet name/],
      [['down'], /^$/],
    ];
    for (const [args, pattern] of cases) {
      const r = paseo(...args);
      expect(r.stderr, args.join(' ')).toMatch(pattern);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack traces
    }
    expect(paseo('down').stdout).toBe('paseo is not running.\n');
    const status = paseo('status');
    expect(status.status).toBe(3);
    expect(status.stdout).toMatch(/paseo is not running/);
  });
});
