// Entry point of the paseo binary: parses the command line and hands over to one command.
// Commands load lazily so that `paseo --version` and `--help` stay fast.
import { defineCommand, renderUsage, runCommand, runMain } from 'citty';
import { type OptionDef, stripColor, unknownOption, useColor } from './command-line.js';
import { PASEO_VERSION } from './version.js';

// `paseo` in ps and top (not the runtime's "MainThread"), for the daemon and every command.
process.title = 'paseo';

const subCommands = {
  up: () => import('./commands/up.js').then((m) => m.default),
  down: () => import('./commands/down.js').then((m) => m.default),
  status: () => import('./commands/status.js').then((m) => m.default),
  pair: () => import('./commands/pair.js').then((m) => m.default),
  devices: () => import('./commands/devices.js').then((m) => m.default),
  revoke: () => import('./commands/revoke.js').then((m) => m.default),
  run: () => import('./commands/run.js').then((m) => m.default),
  ls: () => import('./commands/ls.js').then((m) => m.default),
  attach: () => import('./commands/attach.js').then((m) => m.default),
  kill: () => import('./commands/kill.js').then((m) => m.default),
  rm: () => import('./commands/rm.js').then((m) => m.default),
  logs: () => import('./commands/logs.js').then((m) => m.default),
  send: () => import('./commands/send.js').then((m) => m.default),
  permit: () => import('./commands/permit.js').then((m) => m.default),
  cancel: () => import('./commands/cancel.js').then((m) => m.default),
  service: () => import('./commands/service.js').then((m) => m.default),
  relay: () => import('./commands/relay.js').then((m) => m.default),
};

const main = defineCommand({
  meta: {
    name: 'paseo',
    version: PASEO_VERSION,
    description: 'Run coding agents on this machine; watch and steer them from your phone.',
  },
  subCommands,
});

const COMMANDS = Object.keys(subCommands);

/** Turns citty's usage errors into sentences with a hint. */
function usageSentence(err: Error & { code?: string }, args: string[]): string {
  const sub = args.find((a) => !a.startsWith('-'));
  if (err.code === 'E_UNKNOWN_COMMAND')
    return `There is no command "${sub}". The commands are: ${COMMANDS.join(', ')}. See \`paseo --help\`.`;
  const plain = stripColor(err.message);
  return `${plain.endsWith('.') ? plain : `${plain}.`} See \`paseo ${sub && COMMANDS.includes(sub) ? `${sub} ` : ''}--help\`.`;
}

/** Commands that take another command's flags and check them themselves (`service install`: `paseo up`'s). */
const PASSES_FLAGS_ON = new Set(['service install']);

/** A command as far as its options and subcommands go. */
interface CommandShape {
  args?: unknown;
  subCommands?: unknown;
}

/** Resolves citty's `Resolvable` fields (a value, a promise, or a function giving either). */
async function resolved<T>(v: T | Promise<T> | (() => T | Promise<T>)): Promise<T> {
  return typeof v === 'function' ? (v as () => T | Promise<T>)() : v;
}

/**
 * Refuses an option the command does not take (citty would ignore it), like citty's own usage errors:
 * before the command name (paseo itself takes none but --help and --version, handled before this), then
 * the command's own, following subcommands (`paseo service status --json`).
 */
async function refuseUnknownOptions(args: string[]): Promise<void> {
  let cmd: CommandShape = { subCommands };
  let rest = args;
  const path: string[] = [];
  for (;;) {
    const subs = (await resolved(cmd.subCommands)) as Record<string, unknown> | undefined;
    const at = rest.findIndex((a) => !a.startsWith('-'));
    const name = at >= 0 ? rest[at] : undefined;
    const declared = ((await resolved(cmd.args)) ?? {}) as Record<string, OptionDef>;
    if (!subs || !name || !Object.hasOwn(subs, name)) {
      if (PASSES_FLAGS_ON.has(path.join(' '))) return;
      const unknown = unknownOption(declared, rest);
      if (unknown) throw Object.assign(new Error(`Unknown option: ${unknown}`), { name: 'CLIError' });
      return;
    }
    const unknown = unknownOption(declared, rest.slice(0, at));
    if (unknown) throw Object.assign(new Error(`Unknown option: ${unknown}`), { name: 'CLIError' });
    cmd = (await resolved(subs[name])) as CommandShape;
    path.push(name);
    rest = rest.slice(at + 1);
  }
}

const args = process.argv.slice(2);
const builtin =
  args.length === 0 ||
  args.includes('--help') ||
  args.includes('-h') ||
  (args.length === 1 && ['--version', '-v'].includes(args[0]!));
if (builtin)
  void runMain(main, {
    showUsage: async (cmd, parent) => {
      const text = `${await renderUsage(cmd, parent)}\n`;
      process.stdout.write(`${useColor(process.stdout) ? text : stripColor(text)}\n`);
    },
  });
else {
  refuseUnknownOptions(args)
    .then(() => runCommand(main, { rawArgs: args }))
    .catch((err: unknown) => {
      const e = err instanceof Error ? (err as Error & { code?: string }) : new Error(String(err));
      if (e.name === 'CLIError') process.stderr.write(`paseo: ${usageSentence(e, args)}\n`);
      else {
        process.stderr.write(`paseo: something went wrong: ${e.message}\n`);
        if (process.env.PASEO_LOG === 'debug') process.stderr.write(`${e.stack ?? ''}\n`);
      }
      process.exit(1);
    });
}
