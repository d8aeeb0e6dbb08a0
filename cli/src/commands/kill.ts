// `paseo kill <id>`: end a session.
import { defineCommand } from 'citty';
import { findSession } from './listing.js';
import { withDaemon } from './shared.js';

export default defineCommand({
  meta: { name: 'kill', description: 'End a session (its command gets SIGHUP, then SIGKILL if it lingers).' },
  args: {
    session: { type: 'positional', required: true, description: 'The session id or name, from `paseo ls`' },
  },
  async run({ args }) {
    await withDaemon(async (client) => {
      const s = await findSession(client, String(args.session));
      await client.request({ t: 'session.kill', sessionId: s.id });
      process.stdout.write(`Ended ${s.name} (${s.id}).\n`);
    });
  },
});
