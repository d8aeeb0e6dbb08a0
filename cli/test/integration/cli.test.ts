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
  'logs',
  'send',
  'permit',
  'cancel',
  'service',
];

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
