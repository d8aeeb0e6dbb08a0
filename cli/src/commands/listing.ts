// What the commands that list or pick things share: the `--json` flag, a table for people (or a sentence
// when there is nothing to list), and finding one entry by what a person typed (its id or its name).
import type { DeviceInfo, SessionInfo } from '../channel/messages.js';
import { fail, printJson, table } from '../ui/output.js';
import type { ControlClient } from './control-client.js';

/** The `--json` flag; `what` says what it prints, e.g. "the devices". */
export function jsonFlag(what: string) {
  return { type: 'boolean', description: `Print ${what} as JSON for scripts` } as const;
}

/** The columns of a table: each header with the cell it shows for one entry. */
export type Columns<T> = Record<string, (entry: T) => string>;

/** A list for people: a table of `columns`, or the sentence `empty` when there is nothing. */
export function listText<T>(entries: readonly T[], columns: Columns<T>, empty: string): string {
  if (entries.length === 0) return `${empty}\n`;
  const cells = Object.values(columns);
  return `${table(
    Object.keys(columns),
    entries.map((e) => cells.map((cell) => cell(e))),
  )}\n`;
}

/** Prints `entries` as JSON with --json, else as a table (or the `empty` sentence). */
export function printList<T>(
  entries: readonly T[],
  json: boolean | undefined,
  columns: Columns<T>,
  empty: string,
): void {
  if (json) printJson(entries);
  else process.stdout.write(listText(entries, columns, empty));
}

/** Prints `forScripts` as JSON with --json, else the text for people. */
export function printOutput(json: boolean | undefined, forScripts: unknown, forPeople: () => string): void {
  if (json) printJson(forScripts);
  else process.stdout.write(forPeople());
}

/** How sentences name the entries of a list, and the command that lists them. */
export interface EntryKind {
  /** e.g. "session" */
  one: string;
  /** e.g. "sessions" */
  many: string;
  /** e.g. "paseo ls" */
  listCommand: string;
  /** Names match whatever their case. */
  ignoreCase?: boolean;
}

/** Sessions: named exactly. */
export const SESSIONS: EntryKind = { one: 'session', many: 'sessions', listCommand: 'paseo ls' };
/** Paired devices: names match whatever their case. */
export const DEVICES: EntryKind = {
  one: 'paired device',
  many: 'devices',
  listCommand: 'paseo devices',
  ignoreCase: true,
};

/** The entry whose id is `wanted`, else the only one named `wanted`; or why there is none. */
export function matchEntry<T extends { id: string; name: string }>(
  entries: readonly T[],
  wanted: string,
  kind: EntryKind,
): { entry: T } | { problem: string } {
  const byId = entries.find((e) => e.id === wanted);
  if (byId) return { entry: byId };
  const key = (s: string) => (kind.ignoreCase ? s.toLowerCase() : s);
  const byName = entries.filter((e) => key(e.name) === key(wanted));
  if (byName.length === 1) return { entry: byName[0]! };
  if (byName.length > 1)
    return { problem: `Several ${kind.many} are named "${wanted}". Use the id from \`${kind.listCommand}\`.` };
  return { problem: `There is no ${kind.one} "${wanted}". Run \`${kind.listCommand}\` to see them.` };
}

/** The entry whose id or name is `wanted`; exits with a sentence when there is none or several. */
export function findEntry<T extends { id: string; name: string }>(
  entries: readonly T[],
  wanted: string,
  kind: EntryKind,
): T {
  const match = matchEntry(entries, wanted, kind);
  if ('problem' in match) fail(match.problem);
  return match.entry;
}

/** The session whose id or name is `wanted`; exits with a sentence when there is none or several. */
export async function findSession(client: ControlClient, wanted: string): Promise<SessionInfo> {
  return findEntry(await client.request({ t: 'sessions.list' }), wanted, SESSIONS);
}

/** The paired device whose id or name is `wanted`; exits with a sentence when there is none or several. */
export async function findDevice(client: ControlClient, wanted: string): Promise<DeviceInfo> {
  return findEntry(await client.request({ t: 'devices.list' }), wanted, DEVICES);
}
