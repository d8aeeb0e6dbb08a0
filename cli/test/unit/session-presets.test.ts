// Presets: built-ins with availability on PATH, user overrides in PASEO_HOME/presets.json, and a broken
// file that is reported (naming the file) while the built-ins keep working.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parsePresetsFile } from '../../src/session/presets.js';
import { FAKE_AGENT, makeManager, TestViewer, waitFor } from '../fixtures/session-harness.js';

let home: string;
let env: ReturnType<typeof makeManager>;
let pathEnv: NodeJS.ProcessEnv;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'paseo-presets-'));
  const bin = join(home, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'claude'), '#!/bin/sh\necho fake claude\n');
  chmodSync(join(bin, 'claude'), 0o755);
  pathEnv = { PATH: `${bin}:/usr/bin:/bin`, SHELL: '/bin/sh', HOME: home };
});
afterEach(async () => {
  await env?.close();
  rmSync(home, { recursive: true, force: true });
});

describe('presets', () => {
  it('lists the built-ins with availability from PATH', () => {
    env = makeManager({}, home, pathEnv);
    const all = env.manager.presets();
    const presets = all.filter((p) => p.kind === 'pty');
    expect(presets.map((p) => p.name)).toEqual(['claude', 'codex', 'gemini', 'opencode', 'aider', 'goose', 'shell']);
    expect(presets.find((p) => p.name === 'claude')).toMatchObject({ command: 'claude', available: true });
    expect(presets.find((p) => p.name === 'codex')).toMatchObject({ available: false });
    expect(presets.find((p) => p.name === 'shell')).toMatchObject({ command: '/bin/sh', available: true });
    expect(env.manager.warnings()).toEqual([]);
  });

  it('lists the ACP presets, each "not installed" while its command is missing', () => {
    env = makeManager({}, home, pathEnv);
    const acp = env.manager.presets().filter((p) => p.kind === 'acp');
    expect(acp.map((p) => [p.name, [p.command, ...p.args].join(' ')])).toEqual([
      ['gemini', 'gemini --acp'],
      ['opencode', 'opencode acp'],
      ['goose', 'goose acp'],
      ['copilot', 'copilot --acp'],
      ['claude', 'claude-agent-acp'],
      ['codex', 'codex-acp'],
    ]);
    expect(acp.every((p) => !p.available)).toBe(true);
    expect(() => env.manager.create({ preset: 'gemini', kind: 'acp', cols: 80, rows: 24 })).toThrow(
      /ACP preset "gemini", "gemini" was not found on this computer/,
    );
    expect(() => env.manager.create({ preset: 'aider', kind: 'acp', cols: 80, rows: 24 })).toThrow(
      /There is no ACP preset "aider"\. Known ACP presets: gemini, opencode, goose, copilot, claude, codex\./,
    );
  });

  it('takes overrides and new presets from presets.json and starts sessions from them', async () => {
    writeFileSync(
      join(home, 'presets.json'),
      JSON.stringify({
        shell: { command: '/bin/bash', args: ['--norc'], description: 'bash without rc' },
        fake: { command: process.execPath, args: [FAKE_AGENT, 'echo from-preset'], description: 'the fake agent' },
      }),
    );
    env = makeManager({}, home, pathEnv);
    const { manager } = env;
    const presets = manager.presets();
    expect(presets.find((p) => p.name === 'shell')).toMatchObject({ command: '/bin/bash', args: ['--norc'] });
    expect(presets.at(-1)).toMatchObject({ name: 'fake', available: true, description: 'the fake agent' });
    const a = manager.create({ preset: 'fake', cols: 80, rows: 24, cwd: home });
    const b = manager.create({ preset: 'fake', cols: 80, rows: 24, cwd: home });
    expect([a.name, b.name]).toEqual(['fake', 'fake-2']);
    expect(a.command).toEqual([process.execPath, FAKE_AGENT, 'echo from-preset']);
    const viewer = new TestViewer(manager, true);
    manager.attach(a.id, viewer, { afterSeq: 0 });
    await waitFor('preset output', () => viewer.text().includes('from-preset'));
    expect(() => manager.create({ preset: 'codex', cols: 80, rows: 24 })).toThrow(/"codex" was not found/);
  });

  it('reports a broken presets file by name, falls back to the built-ins, and picks up the fix', () => {
    const file = join(home, 'presets.json');
    writeFileSync(file, '{ "fake": { "command": "x", ');
    env = makeManager({}, home, pathEnv);
    const { manager, log } = env;
    expect(manager.presets().map((p) => p.name)).toContain('claude');
    expect(manager.presets().map((p) => p.name)).not.toContain('fake');
    const [warning] = manager.warnings();
    expect(warning).toContain(file);
    expect(warning).toMatch(/not valid JSON.*Using the built-in presets/);
    expect(log.lines.filter((l) => l.level === 'warn')).toHaveLength(1); // once, not on every call
    writeFileSync(file, JSON.stringify([{ name: 'fake', command: 'x' }]));
    expect(manager.presets().map((p) => p.name)).toContain('fake');
    expect(manager.warnings()).toEqual([]);
  });

  it('takes ACP presets from presets.json beside a terminal preset of the same name', () => {
    const presets = parsePresetsFile(
      JSON.stringify([
        { name: 'mine', command: 'mine' },
        { name: 'mine', kind: 'acp', command: 'mine', args: ['--acp'] },
      ]),
    );
    expect(presets.map((p) => [p.kind, p.name, p.args])).toEqual([
      ['pty', 'mine', []],
      ['acp', 'mine', ['--acp']],
    ]);
  });

  it.each([
    ['[1]', /preset 1: expected an object/],
    ['[{"name": "a b", "command": "x"}]', /preset 1: "name" must be/],
    ['{"x": {"command": ""}}', /preset "x": "command" must be a non-empty string/],
    ['{"x": {"command": "x", "args": "-v"}}', /preset "x": "args" must be a list of strings/],
    ['{"x": {"command": "x", "arguments": []}}', /preset "x": unknown field "arguments"/],
    ['[{"name": "x", "command": "a"}, {"name": "x", "command": "b"}]', /used twice/],
    ['"claude"', /expected a list of presets/],
    ['{"x": {"command": "x", "kind": "tty"}}', /preset "x": "kind" must be "pty".*or "acp"/],
  ])('rejects %s', (text, message) => {
    expect(() => parsePresetsFile(text)).toThrow(message);
  });
});
