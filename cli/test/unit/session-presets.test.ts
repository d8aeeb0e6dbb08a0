// Presets: built-ins with availability on PATH, user overrides in PASEO_HOME/presets.json, and a broken
// file that is reported (naming the file) while the built-ins keep working.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { builtinPresets, PresetStore, parsePresetsFile } from '../../src/session/presets.js';
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

describe('built-in presets', () => {
  it('name each agent with its command, arguments and a description', () => {
    expect(
      builtinPresets({ SHELL: '/bin/zsh' }).map((p) => [p.kind, p.name, p.command, p.args, p.description]),
    ).toEqual([
      ['pty', 'claude', 'claude', [], 'Claude Code, by Anthropic'],
      ['pty', 'codex', 'codex', [], 'Codex CLI, by OpenAI'],
      ['pty', 'gemini', 'gemini', [], 'Gemini CLI, by Google'],
      ['pty', 'opencode', 'opencode', [], 'opencode, by SST'],
      ['pty', 'aider', 'aider', [], 'Aider, AI pair programming'],
      ['pty', 'goose', 'goose', ['session'], 'Goose, by Block'],
      ['pty', 'shell', '/bin/zsh', [], 'Your shell'],
      ['acp', 'gemini', 'gemini', ['--acp'], 'Gemini CLI, by Google'],
      ['acp', 'opencode', 'opencode', ['acp'], 'opencode, by SST'],
      ['acp', 'goose', 'goose', ['acp'], 'Goose, by Block'],
      ['acp', 'copilot', 'copilot', ['--acp'], 'GitHub Copilot CLI'],
      ['acp', 'claude', 'claude-agent-acp', [], 'Claude Code, through its ACP adapter (claude-agent-acp)'],
      ['acp', 'codex', 'codex-acp', [], 'Codex, through its ACP adapter (codex-acp)'],
    ]);
  });

  it('start the shell of $SHELL, or bash when it is unset or blank', () => {
    const shell = (env: NodeJS.ProcessEnv) => builtinPresets(env).find((p) => p.name === 'shell')?.command;
    expect(shell({ SHELL: ' /usr/bin/fish \n' })).toBe('/usr/bin/fish');
    expect(shell({ SHELL: '  ' })).toBe('/bin/bash');
    expect(shell({})).toBe('/bin/bash');
  });
});

describe('the presets of one PASEO_HOME', () => {
  const store = () => {
    const problems: string[] = [];
    return { presets: new PresetStore(home, pathEnv, (m) => problems.push(m)), problems };
  };
  const file = () => join(home, 'presets.json');

  it('are the built-ins while there is no presets file', () => {
    const { presets, problems } = store();
    expect(presets.list()).toEqual(builtinPresets(pathEnv));
    expect(presets.find('gemini', 'acp')).toMatchObject({ command: 'gemini', args: ['--acp'] });
    expect(presets.find('aider', 'pty')).toMatchObject({ command: 'aider' });
    expect(presets.find('aider', 'acp')).toBeUndefined();
    expect(presets.find('nobody', 'pty')).toBeUndefined();
    expect(presets.warning).toBeUndefined();
    expect(problems).toEqual([]);
  });

  it('override a built-in of the same name and kind in place and add the others at the end', () => {
    writeFileSync(
      file(),
      JSON.stringify([
        { name: 'claude', command: 'claude', args: ['--model', 'opus'] },
        { name: 'gemini', kind: 'acp', command: 'gemini', args: ['--experimental-acp'] },
        { name: 'mine', command: 'mine' },
      ]),
    );
    const { presets } = store();
    const list = presets.list();
    expect(list.map((p) => `${p.kind} ${p.name}`)).toEqual([
      ...builtinPresets(pathEnv).map((p) => `${p.kind} ${p.name}`),
      'pty mine',
    ]);
    expect(list[0]).toEqual({
      name: 'claude',
      kind: 'pty',
      command: 'claude',
      args: ['--model', 'opus'],
      description: '',
    });
    expect(presets.find('gemini', 'acp')?.args).toEqual(['--experimental-acp']);
    expect(presets.find('gemini', 'pty')?.args).toEqual([]);
    expect(presets.infos().map((p) => [p.kind, p.name, p.available])).toContainEqual(['pty', 'claude', true]);
    expect(presets.infos().map((p) => [p.kind, p.name, p.available])).toContainEqual(['pty', 'mine', false]);
  });

  it('are read again when the file changes, and a broken file is reported once per change', () => {
    const { presets, problems } = store();
    writeFileSync(file(), '[{"name": "one", "command": "one"}]');
    expect(presets.find('one', 'pty')).toBeDefined();
    writeFileSync(file(), '[{"name": "two", "command": "two"');
    expect(presets.find('one', 'pty')).toBeUndefined();
    expect(presets.list()).toEqual(builtinPresets(pathEnv));
    expect(presets.warning).toMatch(
      new RegExp(`^${file()}: not valid JSON \\(.+\\)\\. Using the built-in presets until it is fixed\\.$`),
    );
    presets.list();
    expect(problems).toEqual([presets.warning]);
    writeFileSync(file(), '{"two": {"command": ""}}');
    expect(presets.warning).toBe(
      `${file()}: preset "two": "command" must be a non-empty string. Using the built-in presets until it is fixed.`,
    );
    expect(problems).toHaveLength(2);
    unlinkSync(file());
    expect(presets.list()).toEqual(builtinPresets(pathEnv));
    expect(presets.warning).toBeUndefined();
  });
});

describe('a presets file', () => {
  it('gives names from keys and defaults to a terminal preset without arguments or description', () => {
    const args = ['-v'];
    const [a, b] = parsePresetsFile(
      JSON.stringify({ a: { command: 'x' }, 'b.2_x-y': { name: 'b.2_x-y', command: 'y', args } }),
    );
    expect(a).toEqual({ name: 'a', kind: 'pty', command: 'x', args: [], description: '' });
    expect(b).toEqual({ name: 'b.2_x-y', kind: 'pty', command: 'y', args: ['-v'], description: '' });
    const limits = { name: 'n'.repeat(80), command: 'c'.repeat(4096), args: Array(256).fill('a'.repeat(4096)) };
    expect(parsePresetsFile(JSON.stringify([{ ...limits, description: 'd'.repeat(200) }]))[0]?.args).toHaveLength(256);
  });

  it.each([
    ['{', /^not valid JSON \(.+\)\.$/],
    ['null', /^expected a list of presets or an object keyed by preset name\.$/],
    ['[{"command": "x"}, null]', /^preset 1: "name" must be letters, digits, "\.", "_" or "-" \(at most 80\)\.$/],
    ['[{"name": "a", "command": "x"}, 2]', /^preset 2: expected an object with "command"\.$/],
    ['[{"name": "a", "command": "x"}, [1]]', /^preset 2: expected an object with "command"\.$/],
    [
      '[{"name": "a", "command": "x", "env": {}}]',
      /^preset 1: unknown field "env" \(known: name, kind, command, args, description\)\.$/,
    ],
    ['[{"name": 7, "command": "x"}]', /^preset 1: "name" must be/],
    ['[{"name": ".hidden", "command": "x"}]', /^preset 1: "name" must be/],
    ['[{"name": "a/b", "command": "x"}]', /^preset 1: "name" must be/],
    [JSON.stringify([{ name: 'n'.repeat(81), command: 'x' }]), /^preset 1: "name" must be/],
    ['{"a": {"name": "b", "command": "x"}}', /^preset "a": "name" differs from its key\.$/],
    ['{"a": {"command": "  "}}', /^preset "a": "command" must be a non-empty string\.$/],
    ['{"a": {"command": 1}}', /^preset "a": "command" must be a non-empty string\.$/],
    [JSON.stringify({ a: { command: 'c'.repeat(4097) } }), /^preset "a": "command" must be a non-empty string\.$/],
    ['{"a": {"command": "x", "args": ["-v", 1]}}', /^preset "a": "args" must be a list of strings\.$/],
    ['{"a": {"command": "x", "args": [[]]}}', /^preset "a": "args" must be a list of strings\.$/],
    [JSON.stringify({ a: { command: 'x', args: Array(257).fill('a') } }), /^preset "a": "args" must be a list/],
    [JSON.stringify({ a: { command: 'x', args: ['a'.repeat(4097)] } }), /^preset "a": "args" must be a list/],
    [
      '{"a": {"command": "x", "description": 5}}',
      /^preset "a": "description" must be a string of at most 200 characters\.$/,
    ],
    [
      JSON.stringify({ a: { command: 'x', description: 'd'.repeat(201) } }),
      /^preset "a": "description" must be a string/,
    ],
    [
      '{"a": {"command": "x", "kind": 1}}',
      /^preset "a": "kind" must be "pty" \(a terminal, the default\) or "acp" \(an ACP agent\)\.$/,
    ],
    [
      '[{"name": "a", "command": "x"}, {"name": "a", "kind": "acp", "command": "y"}, {"name": "a", "command": "z"}]',
      /^preset 3: the name "a" is used twice\.$/,
    ],
  ])('refuses %s with a sentence', (text, message) => {
    expect(() => parsePresetsFile(text)).toThrow(message);
  });
});
