// `paseo ls`: the agent sessions.
import { defineCommand } from 'citty';
import { ago, printJson, table } from '../ui/output.js';
import { withDaemon } from './shared.js';

export default defineCommand({
  meta: { name: 'ls', description: 'List agent sessions: running or exited, where, and who watches.' },
  args: {
    json: { type: 'boolean', description: 'Print the sessions as JSON for scripts' },
  },
  async run({ args }) {
    const sessions = await withDaemon((c) => c.request({ t: 'sessions.list' }));
    if (args.json) {
      printJson(sessions);
      return;
    }
    if (sessions.length === 0) {
      process.stdout.write('No sessions. Start one with `paseo run claude` (or `paseo run -- any command`).\n');
      return;
    }
    const home = process.env.HOME ?? '';
    const rows = sessions.map((s) => [
      s.id,
      s.name,
      s.command.join(' ').slice(0, 40),
      home && s.cwd.startsWith(home) ? `~${s.cwd.slice(home.length)}` : s.cwd,
      s.state === 'running'
        ? s.waitingForInput
          ? 'waiting for input'
          : 'running'
        : s.signal
          ? `ended (${s.signal})`
          : `exited (${s.exitCode ?? '?'})`,
      ago(s.startedAt),
      ago(s.lastOutputAt),
      String(s.viewers),
    ]);
    process.stdout.write(
      `${table(['ID', 'NAME', 'COMMAND', 'FOLDER', 'STATE', 'STARTED', 'LAST OUTPUT', 'VIEWERS'], rows)}\n`,
    );
  },
});
