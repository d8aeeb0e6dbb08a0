// Entry point of the paseo binary: parses the command line and hands over to one command.
// Commands load lazily so that `paseo --version` and `--help` stay fast.
import { defineCommand, runCommand, runMain } from 'citty';
import { PASEO_VERSION } from './version.js';

const main = defineCommand({
  meta: {
    name: 'paseo',
    version: PASEO_VERSION,
    description: 'Run coding agents on this machine; watch and steer them from your phone.',
  },
  subCommands: {
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
    logs: () => import('./commands/logs.js').then((m) => m.default),
    send: () => import('./commands/send.js').then((m) => m.default),
    permit: () => import('./commands/permit.js').then((m) => m.default),
    cancel: () => import('./commands/cancel.js').then((m) => m.default),
    service: () => import('./commands/service.js').then((m) => m.default),
  },
});

const COMMANDS = Object.keys(main.subCommands as object);

/** Turns citty's usage errors into sentences with a hint. */
function usageSentence(err: Error & { code?: string }, args: string[]): string {
  const sub = args.find((a) => !a.startsWith('-'));
  if (err.code === 'E_UNKNOWN_COMMAND')
    return `There is no command "${sub}". The commands are: ${COMMANDS.join(', ')}. See \`paseo --help\`.`;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips colour codes (ESC [ … m)
  const plain = err.message.replace(/\x1b\[[0-9;]*m/g, '');
  return `${plain.endsWith('.') ? plain : `${plain}.`} See \`paseo ${sub && COMMANDS.includes(sub) ? `${sub} ` : ''}--help\`.`;
}

const args = process.argv.slice(2);
const builtin =
  args.length === 0 ||
  args.includes('--help') ||
  args.includes('-h') ||
  (args.length === 1 && ['--version', '-v'].includes(args[0]!));
if (builtin) void runMain(main);
else {
  runCommand(main, { rawArgs: args }).catch((err: unknown) => {
    const e = err instanceof Error ? (err as Error & { code?: string }) : new Error(String(err));
    if (e.name === 'CLIError') process.stderr.write(`paseo: ${usageSentence(e, args)}\n`);
    else {
      process.stderr.write(`paseo: something went wrong: ${e.message}\n`);
      if (process.env.PASEO_LOG === 'debug') process.stderr.write(`${e.stack ?? ''}\n`);
    }
    process.exit(1);
  });
}
