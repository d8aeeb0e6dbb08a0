// A session's recording files in PASEO_HOME/recordings: how they are named, which files belong to a session
// (rotated parts oldest first), which sessions have recordings there, and what a terminal recording printed.
// Shared by the session manager (which names a new recording), `paseo logs` and the daemon's history
// (history/history.ts). A session id is checked against the id alphabet before it becomes part of a path, so
// no id can name a file outside the folder.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SessionKind } from '../channel/messages.js';
import { CONVERSATION_SUFFIX } from '../conversation/file.js';
import { isRandomId, SESSION_ID_CHARS } from './ids.js';

/** File name suffixes of the recordings of each kind of session. */
export const RECORDING_SUFFIX: Record<SessionKind, string> = { pty: '.cast', acp: CONVERSATION_SUFFIX };

/** Most rotated parts (`<name>.1` …) looked for. */
const MAX_ROTATED_PARTS = 99;

/** A recording file's name: a session id, its kind's suffix, and maybe a rotated part's number. */
const RECORDING_NAME = /^([a-z2-9]{8})(\.cast|\.acp\.jsonl)(?:\.[1-9][0-9]?)?$/;

/** True when `text` could be a session id (and so is safe in a file name). */
export function isSessionId(text: string): boolean {
  return isRandomId(text, SESSION_ID_CHARS);
}

/** Recording files of a session of `kind` in `dir`, oldest first (rotated parts `<name>.N` before the current one). */
export function recordingFiles(dir: string, sessionId: string, kind: SessionKind): string[] {
  if (!isSessionId(sessionId)) return [];
  const base = join(dir, `${sessionId}${RECORDING_SUFFIX[kind]}`);
  const rotated: string[] = [];
  for (let i = 1; i <= MAX_ROTATED_PARTS && existsSync(`${base}.${i}`); i++) rotated.push(`${base}.${i}`);
  return [...rotated.reverse(), ...(existsSync(base) ? [base] : [])];
}

/** The recording of a session: a conversation if there is one, else a terminal recording; undefined if neither. */
export function findRecording(dir: string, sessionId: string): { kind: SessionKind; files: string[] } | undefined {
  for (const kind of ['acp', 'pty'] as const) {
    const files = recordingFiles(dir, sessionId, kind);
    if (files.length > 0) return { kind, files };
  }
  return undefined;
}

/** The ids of the sessions that have recordings in `dir` (none if it does not exist). */
export function recordedSessionIds(dir: string): Set<string> {
  const ids = new Set<string>();
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return ids;
  }
  for (const name of names) {
    const id = RECORDING_NAME.exec(name)?.[1];
    if (id && isSessionId(id)) ids.add(id);
  }
  return ids;
}

/**
 * The output events of an asciicast v2 file (or of its end, read from the middle of a line), concatenated.
 * The first line (the header, or a line cut in two) and malformed lines are skipped.
 */
export function castOutput(text: string): string {
  let out = '';
  for (const line of text.split('\n').slice(1)) {
    if (!line.startsWith('[')) continue;
    try {
      const ev = JSON.parse(line) as unknown;
      if (Array.isArray(ev) && ev[1] === 'o' && typeof ev[2] === 'string') out += ev[2];
    } catch {
      /* a line cut off by a crash: skip it */
    }
  }
  return out;
}

/** What the header line of an asciicast recording says that history shows; undefined if it is not one. */
export function castHeader(line: string): { title?: string; command?: string; timestamp?: number } | undefined {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null || (v as { version?: unknown }).version !== 2) return undefined;
  const h = v as Record<string, unknown>;
  return {
    ...(typeof h.title === 'string' ? { title: h.title } : {}),
    ...(typeof h.command === 'string' ? { command: h.command } : {}),
    ...(typeof h.timestamp === 'number' ? { timestamp: h.timestamp } : {}),
  };
}
