// `paseo ls`: the agent sessions.
import { defineCommand } from 'citty';
import type { SessionInfo } from '../channel/messages.js';
import { ago } from '../ui/output.js';
import { type Columns, jsonFlag, printList } from './listing.js';
import { withDaemon } from './shared.js';

/** What a session is doing, in a few words. */
function stateText(s: SessionInfo): string {
  if (s.state === 'exited') return s.signal ? `ended (${s.signal})` : `exited (${s.exitCode ?? '?'})`;
  if (s.kind === 'acp') {
    if (s.permissions?.length) return 'needs approval';
    if (s.activity === 'starting') return 'starting';
    if (s.activity === 'working') return 'working';
    return 'waiting for a prompt';
  }
  return s.waitingForInput ? 'waiting for input' : 'running';
}

/** A folder under the home folder as `~/…`. */
function folderText(cwd: string, home = process.env.HOME ?? ''): string {
  return home && cwd.startsWith(home) ? `~${cwd.slice(home.length)}` : cwd;
}

const COLUMNS: Columns<SessionInfo> = {
  ID: (s) => s.id,
  NAME: (s) => s.name,
  KIND: (s) => s.kind,
  COMMAND: (s) => s.command.join(' ').slice(0, 40),
  FOLDER: (s) => folderText(s.cwd),
  STATE: stateText,
  STARTED: (s) => ago(s.startedAt),
  'LAST OUTPUT': (s) => ago(s.lastOutputAt),
  VIEWERS: (s) => String(s.viewers),
};

export default defineCommand({
  meta: { name: 'ls', description: 'List agent sessions: running or exited, where, and who watches.' },
  args: {
    json: jsonFlag('the sessions'),
  },
  async run({ args }) {
    const sessions = await withDaemon((c) => c.request({ t: 'sessions.list' }));
    printList(
      sessions,
      args.json,
      COLUMNS,
      'No sessions. Start one with `paseo run claude` (or `paseo run -- any command`).',
    );
  },
});
