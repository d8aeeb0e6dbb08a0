// `paseo run`: start a coding agent (a preset or any command) in a session and attach to it: in a
// terminal, or with --acp as an agent speaking the Agent Client Protocol (a conversation).
import { defineCommand } from 'citty';
import type { PresetInfo } from '../channel/messages.js';
import { PresetStore } from '../session/presets.js';
import { paseoHome } from '../state/home.js';
import { fail } from '../ui/output.js';
import { attachConversation, CONVERSATION_HELP } from './attach-conversation.js';
import { attachTerminal, DETACH_KEY_LABEL, reportEnd } from './attach-terminal.js';
import { withDaemon } from './shared.js';

/** The preset list of `paseo run --list`: terminal presets, then ACP presets. */
export function presetList(presets: PresetInfo[]): string {
  const section = (kind: PresetInfo['kind'], title: string) => [
    title,
    ...presets
      .filter((p) => p.kind === kind)
      .map((p) => `  ${p.name.padEnd(10)} ${p.available ? '' : '(not installed) '}${p.description}`),
  ];
  return [
    ...section('pty', 'In a terminal (paseo run <preset>):'),
    '',
    ...section('acp', 'As a conversation over ACP (paseo run --acp <preset>):'),
    '',
  ].join('\n');
}

/** Says on stderr when PASEO_HOME/presets.json is broken (the daemon then offers only the built-ins). */
function warnAboutPresetsFile(): void {
  const problem = new PresetStore(paseoHome(), process.env, () => {}).warning;
  if (problem) process.stderr.write(`paseo: warning: ${problem}\n`);
}

/** Parses repeated --env K=V values. */
export function parseEnv(values: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const v of values) {
    const i = v.indexOf('=');
    if (i <= 0) fail(`"${v}" is not K=V. Use --env NAME=value.`);
    env[v.slice(0, i)] = v.slice(i + 1);
  }
  return env;
}

export default defineCommand({
  meta: {
    name: 'run',
    description:
      'Start a coding agent in a session: `paseo run claude`, `paseo run -- any command`, or an ACP agent: `paseo run --acp gemini`.',
  },
  args: {
    preset: {
      type: 'positional',
      required: false,
      description: 'A preset: claude, codex, gemini, opencode, aider, goose, shell (see `paseo run --list`)',
    },
    acp: {
      type: 'boolean',
      description: 'Run an agent that speaks ACP (gemini, opencode, goose, copilot, claude, codex, or -- a command)',
    },
    'permission-timeout': {
      type: 'string',
      valueHint: 'SECONDS',
      description: 'With --acp: reject a permission request nobody answers within this time (default 600)',
    },
    cwd: { type: 'string', valueHint: 'DIR', description: 'Folder to run in (default: this one)' },
    name: { type: 'string', description: 'Name of the session (default: the preset or command)' },
    env: { type: 'string', valueHint: 'K=V', description: 'Extra environment variable (repeatable)' },
    detach: { type: 'boolean', alias: 'd', description: 'Leave it running in the background and print its id' },
    list: { type: 'boolean', description: 'List the presets' },
  },
  async run({ args, rawArgs }) {
    const dash = rawArgs.indexOf('--');
    const command = dash >= 0 ? rawArgs.slice(dash + 1) : undefined;
    const envValues = ([] as string[]).concat((args.env as string | string[] | undefined) ?? []);
    await withDaemon(async (client) => {
      if (args.list || !command?.length) warnAboutPresetsFile();
      if (args.list) {
        process.stdout.write(presetList(await client.request({ t: 'presets.list' })));
        return;
      }
      const timeout = args['permission-timeout'];
      const permissionTimeoutS = timeout === undefined ? undefined : Number(timeout);
      if (permissionTimeoutS !== undefined && !(Number.isSafeInteger(permissionTimeoutS) && permissionTimeoutS > 0))
        fail(`"${timeout}" is not a number of seconds. Use --permission-timeout 600, for example.`);
      if (!args.preset && !command?.length)
        fail(
          'Say what to run: a preset (`paseo run claude`) or a command (`paseo run -- npm test`). `paseo run --list` shows the presets.',
        );
      const info = await client.request({
        t: 'session.create',
        ...(command?.length ? { command } : { preset: String(args.preset) }),
        cwd: args.cwd ?? process.cwd(),
        ...(args.name ? { name: args.name } : {}),
        ...(envValues.length ? { env: parseEnv(envValues) } : {}),
        cols: process.stdout.columns || 80,
        rows: process.stdout.rows || 24,
        ...(args.acp ? { kind: 'acp' as const } : {}),
        ...(permissionTimeoutS !== undefined ? { permissionTimeoutS } : {}),
      });
      if (args.detach || !process.stdin.isTTY) {
        process.stdout.write(`${info.id}\n`);
        if (!args.detach)
          process.stderr.write(
            `Started ${info.name} (${info.id}) in the background: this is not a terminal. Attach with \`paseo attach ${info.id}\`.\n`,
          );
        return;
      }
      if (info.kind === 'acp') {
        process.stderr.write(
          `[${info.name} (${info.id}) started; it keeps running when you detach. ${CONVERSATION_HELP}]\n`,
        );
        reportEnd(await attachConversation(client, info), info.name);
        return;
      }
      process.stderr.write(`[${info.name} (${info.id}) started. Detach: ${DETACH_KEY_LABEL}; it keeps running]\r\n`);
      reportEnd(await attachTerminal(client, info.id), info.name);
    });
  },
});
