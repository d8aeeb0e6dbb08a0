// `paseo logs <id>`: print a session's recorded output (its asciicast recording), or for an ACP session
// its conversation as readable text. Read from PASEO_HOME/recordings, so it works for sessions that
// were killed, and after the daemon restarted.

import { readFileSync } from 'node:fs';
import { defineCommand } from 'citty';
import { parseConversation } from '../conversation/file.js';
import { Conversation } from '../conversation/fold.js';
import { homePaths, paseoHome } from '../state/home.js';
import { castOutput, findRecording } from '../state/recordings.js';
import { fail } from '../ui/output.js';
import { conversationText } from './conversation-text.js';
import { findSession } from './listing.js';
import { withDaemon } from './shared.js';

/** A recorded conversation as text, with how the agent ended. */
export function recordedConversation(files: string[]): string {
  const file = parseConversation(files.map((f) => readFileSync(f, 'utf8')));
  const c = Conversation.of(file.events);
  let text = conversationText(c.items, c.omitted);
  if (file.exit) {
    const how = file.exit.signal ? `was ended by ${file.exit.signal}` : `exited with code ${file.exit.exitCode}`;
    text += `${text ? '\n' : ''}[the agent ${how}]\n`;
  }
  return text || '(nothing was said yet)\n';
}

export default defineCommand({
  meta: { name: 'logs', description: "Print a session's recorded output, or an ACP session's conversation." },
  args: {
    session: { type: 'positional', required: true, description: 'The session id or name, from `paseo ls`' },
    cast: {
      type: 'boolean',
      description: 'Print the paths of the recording files instead (asciicast: play them with asciinema)',
    },
  },
  async run({ args }) {
    const wanted = String(args.session);
    const find = (id: string) => {
      const found = findRecording(homePaths(paseoHome()).recordings, id);
      return { files: found?.files ?? [], acp: found?.kind === 'acp' };
    };
    // A killed session is no longer listed, but its recording stays: find it by id first.
    let found = find(wanted);
    let label = wanted;
    if (found.files.length === 0) {
      const s = await withDaemon((client) => findSession(client, wanted));
      found = find(s.id);
      label = `${s.name} (${s.id})`;
    }
    if (found.files.length === 0) fail(`No recording of ${label} was found.`);
    if (args.cast) {
      process.stdout.write(`${found.files.join('\n')}\n`);
      return;
    }
    if (found.acp) process.stdout.write(recordedConversation(found.files));
    else for (const f of found.files) process.stdout.write(castOutput(readFileSync(f, 'utf8')));
  },
});
