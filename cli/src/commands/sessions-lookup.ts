// Finding a session by what a person typed: its id, or its name.
import type { SessionInfo } from '../channel/messages.js';
import { fail } from '../ui/output.js';
import type { ControlClient } from './control-client.js';

/** The session whose id or name is `wanted`; exits with a sentence when there is none or several. */
export async function findSession(client: ControlClient, wanted: string): Promise<SessionInfo> {
  const sessions = await client.request({ t: 'sessions.list' });
  const byId = sessions.find((s) => s.id === wanted);
  if (byId) return byId;
  const byName = sessions.filter((s) => s.name === wanted);
  if (byName.length === 1) return byName[0]!;
  if (byName.length > 1) fail(`Several sessions are named "${wanted}". Use the id from \`paseo ls\`.`);
  fail(`There is no session "${wanted}". Run \`paseo ls\` to see them.`);
}
