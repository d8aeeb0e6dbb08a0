// `paseo rm <id>` / `paseo rm --exited`: remove sessions that have ended from the list (their recordings
// stay, for `paseo logs`). A running session is never removed: end it with `paseo kill` first.
import { defineCommand } from 'citty';
import { fail } from '../ui/output.js';
import { findSession } from './listing.js';
import { withDaemon } from './shared.js';

export default defineCommand({
  meta: { name: 'rm', description: 'Remove sessions that have ended from the list. Their recordings stay.' },
  args: {
    session: { type: 'positional', required: false, description: 'The session id or name, from `paseo ls`' },
    exited: { type: 'boolean', description: 'Remove every session that has ended' },
  },
  async run({ args }) {
    if (!args.session && !args.exited)
      fail('Say which session to remove (`paseo rm <id>`), or remove every ended one with `paseo rm --exited`.');
    if (args.session && args.exited) fail('Give a session or --exited, not both.');
    await withDaemon(async (client) => {
      if (args.exited) {
        const ended = (await client.request({ t: 'sessions.list' })).filter((s) => s.state === 'exited');
        for (const s of ended) await client.request({ t: 'session.remove', sessionId: s.id });
        process.stdout.write(
          ended.length === 0
            ? 'No sessions have ended: nothing to remove.\n'
            : `Removed ${ended.length} ended session${ended.length === 1 ? '' : 's'}: ${ended.map((s) => s.name).join(', ')}.\n`,
        );
        return;
      }
      const s = await findSession(client, String(args.session));
      if (s.state === 'running')
        fail(`${s.name} is still running. End it with \`paseo kill ${s.name}\` first, or leave it running.`);
      await client.request({ t: 'session.remove', sessionId: s.id });
      process.stdout.write(`Removed ${s.name} (${s.id}). Its recording stays: \`paseo logs ${s.id}\`.\n`);
    });
  },
});
