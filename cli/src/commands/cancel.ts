// `paseo cancel <id|name>`: stop the turn an ACP agent is working on (its waiting permission requests too).
import { defineCommand } from 'citty';
import { findSession } from './listing.js';
import { withDaemon } from './shared.js';

export default defineCommand({
  meta: { name: 'cancel', description: 'Cancel what an ACP agent is working on (the session keeps running).' },
  args: {
    session: { type: 'positional', required: true, description: 'The session id or name, from `paseo ls`' },
  },
  async run({ args }) {
    await withDaemon(async (client) => {
      const s = await findSession(client, String(args.session));
      await client.request({ t: 'session.cancel', sessionId: s.id });
      process.stdout.write(`Cancelled the current turn of ${s.name} (${s.id}).\n`);
    });
  },
});
