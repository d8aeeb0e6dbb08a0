// `paseo send <id|name> <text>`: a prompt for an ACP agent, or typed text and Enter in a terminal session.
import { readFileSync } from 'node:fs';
import { defineCommand } from 'citty';
import { fail } from '../ui/output.js';
import { findSession } from './listing.js';
import { withDaemon } from './shared.js';

export default defineCommand({
  meta: {
    name: 'send',
    description: 'Send a prompt to an ACP session, or type a line (and Enter) into a terminal session.',
  },
  args: {
    session: { type: 'positional', required: true, description: 'The session id or name, from `paseo ls`' },
    text: { type: 'positional', required: true, description: 'What to send (the rest of the line; - reads stdin)' },
  },
  async run({ args }) {
    const words = args._.slice(1).map(String);
    const text = words.length === 1 && words[0] === '-' ? readFileSync(0, 'utf8') : words.join(' ');
    if (text.trim() === '') fail('Say what to send, for example `paseo send my-agent "run the tests"`.');
    await withDaemon(async (client) => {
      const s = await findSession(client, String(args.session));
      await client.request({ t: 'session.send', sessionId: s.id }, new TextEncoder().encode(text));
      process.stdout.write(
        s.kind === 'acp' ? `Sent the prompt to ${s.name} (${s.id}).\n` : `Typed it into ${s.name} (${s.id}).\n`,
      );
    });
  },
});
