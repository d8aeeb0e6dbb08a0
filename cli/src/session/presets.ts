// Presets: named commands that start coding agents, in a terminal (kind "pty") or as an ACP agent
// (kind "acp", `paseo run --acp`). Built-ins below; the user adds or overrides them in
// PASEO_HOME/presets.json, either a list or an object keyed by name:
//   [{ "name": "claude", "command": "claude", "args": ["--model", "opus"], "description": "…" }]
//   { "claude-opus": { "command": "claude", "args": ["--model", "opus"] } }
//   [{ "name": "my-agent", "kind": "acp", "command": "my-agent", "args": ["--acp"] }]
// A broken file is reported (naming the file) and ignored as a whole: the built-ins stay usable.
import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import type { PresetInfo, SessionKind } from '../channel/messages.js';
import { MAX_ARG_CHARS, MAX_ARGS, MAX_NAME_CHARS } from '../channel/messages.js';
import { findCommand } from '../pty/which.js';
import { homePaths } from '../state/home.js';

/** A named command line. */
export interface Preset {
  name: string;
  /** pty: runs in a terminal; acp: an agent speaking ACP on stdio. */
  kind: SessionKind;
  command: string;
  args: string[];
  description: string;
}

/** Longest description of a preset, in characters. */
const MAX_DESCRIPTION_CHARS = 200;
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const PRESET_KEYS = new Set(['name', 'kind', 'command', 'args', 'description']);

/** The presets every installation has; `shell` is the user's $SHELL (or /bin/bash). */
export function builtinPresets(env: NodeJS.ProcessEnv): Preset[] {
  const pty = (name: string, command: string, args: string[], description: string): Preset => ({
    name,
    kind: 'pty',
    command,
    args,
    description,
  });
  const acp = (name: string, command: string, args: string[], description: string): Preset => ({
    name,
    kind: 'acp',
    command,
    args,
    description,
  });
  return [
    pty('claude', 'claude', [], 'Claude Code, by Anthropic'),
    pty('codex', 'codex', [], 'Codex CLI, by OpenAI'),
    pty('gemini', 'gemini', [], 'Gemini CLI, by Google'),
    pty('opencode', 'opencode', [], 'opencode, by SST'),
    pty('aider', 'aider', [], 'Aider, AI pair programming'),
    pty('goose', 'goose', ['session'], 'Goose, by Block'),
    pty('shell', env.SHELL?.trim() || '/bin/bash', [], 'Your shell'),
    acp('gemini', 'gemini', ['--acp'], 'Gemini CLI, by Google'),
    acp('opencode', 'opencode', ['acp'], 'opencode, by SST'),
    acp('goose', 'goose', ['acp'], 'Goose, by Block'),
    acp('copilot', 'copilot', ['--acp'], 'GitHub Copilot CLI'),
    acp('claude', 'claude-agent-acp', [], 'Claude Code, through its ACP adapter (claude-agent-acp)'),
    acp('codex', 'codex-acp', [], 'Codex, through its ACP adapter (codex-acp)'),
  ];
}

/** Presets of one PASEO_HOME: built-ins merged with presets.json, re-read when the file changes. */
export class PresetStore {
  private readonly file: string;
  /** '' until the first look at the file (fileKey never gives ''). */
  private cacheKey = '';
  private cached: Preset[] = [];
  private problem: string | undefined;

  /** `onProblem` hears about a broken presets file once per change of the file. */
  constructor(
    home: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly onProblem: (message: string) => void,
  ) {
    this.file = homePaths(home).presets;
  }

  /** All presets, built-ins first (overridden in place), then the user's own. */
  list(): Preset[] {
    const key = this.fileKey();
    if (key !== this.cacheKey) {
      this.cacheKey = key;
      this.cached = this.load(key !== 'none');
    }
    return this.cached;
  }

  /** The preset of `kind` called `name`, if any. */
  find(name: string, kind: SessionKind): Preset | undefined {
    return this.list().find((p) => p.name === name && p.kind === kind);
  }

  /** The presets as sent to clients, with `available` = the command is found on PATH. */
  infos(): PresetInfo[] {
    return this.list().map((p) => ({
      ...p,
      available: findCommand(p.command, this.env.PATH, homedir()) !== undefined,
    }));
  }

  /** A sentence about the presets file if it is broken right now. */
  get warning(): string | undefined {
    this.list();
    return this.problem;
  }

  private fileKey(): string {
    try {
      const st = statSync(this.file);
      return `${st.mtimeMs}:${st.size}:${st.ino}`;
    } catch {
      return 'none';
    }
  }

  private load(exists: boolean): Preset[] {
    const builtins = builtinPresets(this.env);
    this.problem = undefined;
    if (!exists) return builtins;
    try {
      const user = parsePresetsFile(readFileSync(this.file, 'utf8'));
      const merged = [...builtins];
      for (const preset of user) {
        const i = merged.findIndex((p) => p.name === preset.name && p.kind === preset.kind);
        if (i >= 0) merged[i] = preset;
        else merged.push(preset);
      }
      return merged;
    } catch (err) {
      this.problem = `${this.file}: ${(err as Error).message} Using the built-in presets until it is fixed.`;
      this.onProblem(this.problem);
      return builtins;
    }
  }
}

/** Parses and validates the text of a presets file; throws an Error whose message is a sentence. */
export function parsePresetsFile(text: string): Preset[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new Error(`not valid JSON (${(err as Error).message}).`);
  }
  let entries: [string | undefined, unknown][];
  if (Array.isArray(data)) entries = data.map((v) => [undefined, v]);
  else if (isRecord(data)) entries = Object.entries(data);
  else throw new Error('expected a list of presets or an object keyed by preset name.');
  const seen = new Set<string>();
  return entries.map(([key, value], i) => {
    const where = key === undefined ? `preset ${i + 1}` : `preset "${key}"`;
    const preset = parsePreset(key, value, where);
    const seenKey = `${preset.kind} ${preset.name}`;
    if (seen.has(seenKey)) throw new Error(`${where}: the name "${preset.name}" is used twice.`);
    seen.add(seenKey);
    return preset;
  });
}

function parsePreset(key: string | undefined, value: unknown, where: string): Preset {
  if (!isRecord(value)) throw new Error(`${where}: expected an object with "command".`);
  for (const k of Object.keys(value)) {
    if (!PRESET_KEYS.has(k))
      throw new Error(`${where}: unknown field "${k}" (known: name, kind, command, args, description).`);
  }
  const name = value.name ?? key;
  if (typeof name !== 'string' || name.length > MAX_NAME_CHARS || !NAME_PATTERN.test(name)) {
    throw new Error(`${where}: "name" must be letters, digits, ".", "_" or "-" (at most ${MAX_NAME_CHARS}).`);
  }
  if (key !== undefined && value.name !== undefined && value.name !== key) {
    throw new Error(`${where}: "name" differs from its key.`);
  }
  const command = value.command;
  if (typeof command !== 'string' || command.trim() === '' || command.length > MAX_ARG_CHARS) {
    throw new Error(`${where}: "command" must be a non-empty string.`);
  }
  const args = value.args ?? [];
  if (
    !Array.isArray(args) ||
    args.length > MAX_ARGS ||
    !args.every((a): a is string => typeof a === 'string' && a.length <= MAX_ARG_CHARS)
  ) {
    throw new Error(`${where}: "args" must be a list of strings.`);
  }
  const description = value.description ?? '';
  if (typeof description !== 'string' || description.length > MAX_DESCRIPTION_CHARS) {
    throw new Error(`${where}: "description" must be a string of at most ${MAX_DESCRIPTION_CHARS} characters.`);
  }
  const kind = value.kind ?? 'pty';
  if (kind !== 'pty' && kind !== 'acp') {
    throw new Error(`${where}: "kind" must be "pty" (a terminal, the default) or "acp" (an ACP agent).`);
  }
  return { name, kind, command, args: [...args], description };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
