// What the page says about its connection, from what it knows for sure: connected; lost (the link
// stalled or dropped; when the computer was last heard from); stopped ("paseo was stopped on the
// computer", remembered across the failed attempts that follow, until it answers again); or not
// reachable yet. Pure: the header, the banners and the terminal screen all read it.
import { clockTime } from './format.js';

/** The link's state (see connection.ts). */
export type LinkStateName = 'connecting' | 'connected' | 'reconnecting' | 'stopped';

/** What the link knows. */
export interface LinkFacts {
  state: LinkStateName;
  /** Why the last attempt failed (a sentence for people) and its kind. */
  lastError?: { kind: string; message: string } | undefined;
  /** When the computer said paseo was stopping (ms since epoch), until it answers again. */
  stoppedAt?: number | undefined;
  /** When the computer was last heard from (ms since epoch), if ever. */
  lastSeenAt?: number | undefined;
  /** When the next attempt starts (ms since epoch), 0 when none is waiting. */
  retryAt: number;
  /** The computer's name. */
  hostname: string;
}

/** How the page shows it. */
export interface LinkStatus {
  /** `ok`, `wait` (trying), `down` (stopped or lost) — for the colour of the dot. */
  tone: 'ok' | 'wait' | 'down';
  /** A few words next to the dot. */
  label: string;
  /** A sentence or two for the banner, when there is something to explain. */
  banner?: string;
}

/** The status to show, at time `now`. */
export function describeLink(f: LinkFacts, now: number = Date.now()): LinkStatus {
  if (f.state === 'connected') return { tone: 'ok', label: 'Connected' };
  if (f.state === 'stopped') return { tone: 'down', label: 'Disconnected' };
  const host = f.hostname || 'your computer';
  const wait = f.retryAt > now ? Math.ceil((f.retryAt - now) / 1000) : 0;
  const retry = wait > 0 ? `Trying again in ${wait} s.` : 'Trying again…';
  if (f.stoppedAt !== undefined) {
    return {
      tone: 'down',
      label: 'Stopped on the computer',
      banner: `paseo was stopped on ${host} at ${clockTime(f.stoppedAt, now)}. Start it again with \`paseo up\`: this page reconnects by itself.`,
    };
  }
  if (f.lastSeenAt !== undefined) {
    return {
      tone: 'down',
      label: 'Connection lost',
      banner: `Lost the connection to ${host} (last heard at ${clockTime(f.lastSeenAt, now)}). ${retry}`,
    };
  }
  if (f.lastError) return { tone: 'wait', label: 'Reconnecting…', banner: `${f.lastError.message} ${retry}` };
  return { tone: 'wait', label: f.state === 'connecting' ? 'Connecting…' : 'Reconnecting…' };
}
