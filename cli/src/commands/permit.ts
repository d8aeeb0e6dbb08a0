// `paseo permit <id|name> allow|reject`: answer an ACP agent's waiting permission request with the
// agent's first option of that kind (e.g. "Allow once", "Reject").
import { defineCommand } from 'citty';
import { firstOption } from '../conversation/events.js';
import { fail } from '../ui/output.js';
import { findSession } from './listing.js';
import { withDaemon } from './shared.js';

export default defineCommand({
  meta: { name: 'permit', description: "Answer an ACP agent's permission request: allow or reject." },
  args: {
    session: { type: 'positional', required: true, description: 'The session id or name, from `paseo ls`' },
    answer: { type: 'positional', required: true, description: 'allow or reject' },
  },
  async run({ args }) {
    const answer = String(args.answer).toLowerCase();
    if (answer !== 'allow' && answer !== 'reject') fail(`Answer "allow" or "reject", not "${args.answer}".`);
    await withDaemon(async (client) => {
      const s = await findSession(client, String(args.session));
      if (s.kind !== 'acp') fail(`${s.name} is a terminal session: it has no permission requests. Use \`paseo send\`.`);
      const [request, ...more] = s.permissions ?? [];
      if (!request) fail(`${s.name} has no permission request waiting for an answer.`);
      const option = firstOption(request.options, answer);
      if (!option) {
        const offered = request.options.map((o) => `“${o.name}”`).join(', ');
        fail(`The agent offers no way to ${answer} “${request.title}”; its answers are ${offered}.`);
      }
      await client.request({ t: 'session.permit', sessionId: s.id, requestId: request.id, optionId: option.id });
      process.stdout.write(
        `Answered “${option.name}” to: ${request.title}.${more.length ? ` ${more.length} more waiting.` : ''}\n`,
      );
    });
  },
});
