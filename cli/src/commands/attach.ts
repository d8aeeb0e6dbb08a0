// `paseo attach <id>`: attach this terminal to a running session.
import { defineCommand } from 'citty';
import { fail } from '../ui/output.js';
import { attachTerminal, DETACH_KEY_LABEL, reportEnd } from './attach-terminal.js';
import { findSession } from './listing.js';
import { withDaemon } from './shared.js';

export default defineCommand({
  meta: { name: 'attach', description: 'Attach this terminal to a session (detach with Ctrl-]; it keeps running).' },
  args: {
    session: { type: 'positional', required: true, description: 'The session id or name, from `paseo ls`' },
  },
  async run({ args }) {
    if (!process.stdin.isTTY)
      fail('`paseo attach` needs a terminal. Use `paseo logs` to read a session from a script.');
    await withDaemon(async (client) => {
      const s = await findSession(client, String(args.session));
      process.stderr.write(`[attached to ${s.name} (${s.id}). Detach: ${DETACH_KEY_LABEL}]\r\n`);
      reportEnd(await attachTerminal(client, s.id), s.name);
    });
  },
});
