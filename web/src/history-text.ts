// Wording for past sessions (history): how one ended and when, as people read it. Pure: no DOM.
import type { HistoryEntry } from '../../cli/src/channel/messages.js';
import { ago } from './format.js';

/** "exited (code 0)", "ended by SIGHUP", or "ended" when the recording does not say. */
export function historyHow(entry: HistoryEntry): string {
  if (entry.exit?.signal) return `ended by ${entry.exit.signal}`;
  if (entry.exit && entry.exit.exitCode !== null) return `exited (code ${entry.exit.exitCode})`;
  return 'ended';
}

/** "This conversation ended 5 min ago. It is kept as history." (a terminal session: "This session …"). */
export function historySentence(entry: HistoryEntry, now: number = Date.now()): string {
  const what = entry.kind === 'acp' ? 'This conversation' : 'This terminal session';
  return `${what} ended ${ago(entry.endedAt, now)}. It is kept as history.`;
}

/** How the agent or command ended, as a sentence; '' when the recording does not say. */
export function historyExitSentence(entry: HistoryEntry): string {
  const who = entry.kind === 'acp' ? 'The agent' : 'The command';
  if (entry.exit?.signal) return `${who} was ended by ${entry.exit.signal}.`;
  if (entry.exit && entry.exit.exitCode !== null) return `${who} exited with code ${entry.exit.exitCode}.`;
  return '';
}

/** What was left out of a recording too large to send whole, as a sentence; '' when nothing was. */
export function historyCutSentence(entry: HistoryEntry, cut: boolean, omittedItems: number, skipped: number): string {
  const parts: string[] = [];
  if (cut || omittedItems > 0) {
    parts.push(
      entry.kind === 'acp'
        ? `The start of this conversation is too long to show here: \`paseo logs ${entry.id}\` on the computer prints all of it.`
        : `Only the end of its output is shown: \`paseo logs ${entry.id}\` on the computer prints all of it.`,
    );
  }
  if (skipped > 0) parts.push(`${skipped} damaged line${skipped === 1 ? ' was' : 's were'} skipped.`);
  return parts.join(' ');
}
