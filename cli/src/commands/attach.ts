// `paseo attach <id>`: attach this terminal to a running session (its terminal, or its conversation).
import { defineCommand } from 'citty';
import { fail } from '../ui/output.js';
import { attachConversation, CONVERSATION_HELP } from './attach-conversation.js';
import { attachTerminal, DETACH_KEY_LABEL, reportEnd } from './attach-terminal.js';
import { findSession } from './listing.js';
import { withDaemon } from './shared.js';

export default defineCommand({
  meta: {
    name: 'attach',
    description: 'Attach this terminal to a session, or to an ACP conversation (it keeps running after).',
  },
  args: {
    session: { type: 'positional', required: true, description: 'The session id or name, from `paseo ls`' },
  },
  async run({ args }) {
    await withDaemon(async (client) => {
      const s = await findSession(client, String(args.session));
      if (s.kind === 'acp') {
        process.stderr.write(`[attached to the conversation with ${s.name} (${s.id}). ${CONVERSATION_HELP}]\n`);
        reportEnd(await attachConversation(client, s), s.name);
        return;
      }
      if (!process.stdin.isTTY)
        fail('`paseo attach` needs a terminal. Use `paseo logs` to read a session from a script.');
      process.stderr.write(`[attached to ${s.name} (${s.id}). Detach: ${DETACH_KEY_LABEL}]\r\n`);
      reportEnd(await attachTerminal(client, s.id), s.name);
    });
  },
});
