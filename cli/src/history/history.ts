// Past sessions for devices: the sessions no longer in the daemon's list (ended, removed, or from before
// the daemon restarted), read from their recordings in PASEO_HOME/recordings — listed newest first, one
// read whole (a conversation folded into a snapshot, or a terminal's output), or deleted. Every answer is
// bounded (a list fits a message header, a recording a message body); ids are checked before they name a
// file, files are opened without following links, and a damaged file is a sentence, never a crash.
import { constants } from 'node:fs';
import { lstat, open, unlink } from 'node:fs/promises';
import {
  type HistoryEntry,
  type HistoryList,
  type HistoryRecording,
  MAX_HISTORY_ENTRIES,
  MAX_HISTORY_TEXT_CHARS,
  MAX_NAME_CHARS,
  type SessionKind,
} from '../channel/messages.js';
import { clip } from '../conversation/events.js';
import { type ConversationHeader, parseConversation } from '../conversation/file.js';
import { Conversation } from '../conversation/fold.js';
import { SessionError } from '../session/errors.js';
import {
  castHeader,
  castOutput,
  findRecording,
  isSessionId,
  recordedSessionIds,
  recordingFiles,
} from '../state/recordings.js';

/** Largest `history.list` answer, in bytes of JSON (a message header holds at most 64 KiB). */
export const MAX_HISTORY_LIST_BYTES = 48 * 1024;
/** Most bytes of recording files read for one `history.read` (the newest ones; the start is left out). */
export const MAX_HISTORY_READ_BYTES = 32 * 1024 * 1024;
/** Largest body of a `history.read` answer, in bytes (a message is at most 8 MiB). */
export const MAX_HISTORY_BODY_BYTES = 7 * 1024 * 1024;
/** Most terminal output sent for a past terminal session, in bytes (its end). */
export const MAX_HISTORY_OUTPUT_BYTES = 4 * 1024 * 1024;
/** Bytes read at the start of a recording for its header, and at its end for how it ended. */
const HEAD_BYTES = 64 * 1024;

/** Sizes, adjustable by tests. */
export interface HistoryLimits {
  readBytes: number;
  bodyBytes: number;
  outputBytes: number;
}

const DEFAULT_LIMITS: HistoryLimits = {
  readBytes: MAX_HISTORY_READ_BYTES,
  bodyBytes: MAX_HISTORY_BODY_BYTES,
  outputBytes: MAX_HISTORY_OUTPUT_BYTES,
};

/** A recording file as found on disk. */
interface FileStat {
  path: string;
  size: number;
  mtimeMs: number;
}

/** The recordings of past sessions in one folder. */
export class History {
  private readonly limits: HistoryLimits;

  constructor(
    /** PASEO_HOME/recordings. */
    private readonly dir: string,
    limits: Partial<HistoryLimits> = {},
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  /** Past sessions (every recorded session not in `listed`), newest first, as many as fit one answer. */
  async list(listed: ReadonlySet<string>): Promise<HistoryList> {
    const found: { id: string; kind: SessionKind; files: FileStat[]; lastMs: number }[] = [];
    for (const id of recordedSessionIds(this.dir)) {
      if (listed.has(id)) continue;
      const recording = await this.recording(id).catch(() => undefined);
      if (!recording) continue;
      found.push({ ...recording, id, lastMs: Math.max(...recording.files.map((f) => f.mtimeMs)) });
    }
    found.sort((a, b) => b.lastMs - a.lastMs || (a.id < b.id ? -1 : 1));
    const entries: HistoryEntry[] = [];
    let bytes = 0;
    for (const r of found.slice(0, MAX_HISTORY_ENTRIES)) {
      const entry = await this.entry(r.id, r.kind, r.files).catch(() => undefined);
      if (!entry) continue;
      bytes += Buffer.byteLength(JSON.stringify(entry)) + 1;
      if (bytes > MAX_HISTORY_LIST_BYTES) break;
      entries.push(entry);
    }
    return { entries, omitted: found.length - entries.length };
  }

  /** One past session's recording: the answer's data and its body. Throws SessionError. */
  async read(sessionId: string): Promise<{ data: HistoryRecording; body: Uint8Array }> {
    const { kind, files } = await this.existing(sessionId);
    const entry = await this.entry(sessionId, kind, files);
    const { texts, cut } = await this.newest(files);
    if (kind === 'acp') {
      const file = parseConversation(texts);
      if (!file.header && file.events.length === 0 && !file.exit) throw damaged(sessionId);
      const conversation = Conversation.of(file.events);
      let budget = this.limits.bodyBytes;
      for (;;) {
        // The snapshot counts characters; in UTF-8 they may take more bytes: shrink until it fits.
        const body = Buffer.from(JSON.stringify(conversation.snapshot(budget)), 'utf8');
        if (body.length <= this.limits.bodyBytes) return { data: { entry, cut, skipped: file.skipped }, body };
        budget = Math.floor(budget / 2);
      }
    }
    const first = texts[0] ?? '';
    if (!cut && castHeader(firstLine(first)) === undefined) throw damaged(sessionId);
    let body: Uint8Array = Buffer.from(texts.map(castOutput).join(''), 'utf8');
    const outputCut = body.length > this.limits.outputBytes;
    if (outputCut) body = body.subarray(body.length - this.limits.outputBytes);
    return { data: { entry, cut: cut || outputCut, skipped: 0 }, body };
  }

  /** Deletes a past session's recording files. Throws SessionError. */
  async remove(sessionId: string): Promise<void> {
    await this.existing(sessionId);
    for (const kind of ['acp', 'pty'] as const) {
      for (const path of recordingFiles(this.dir, sessionId, kind)) await unlink(path);
    }
  }

  /** The recording of a session that must exist. */
  private async existing(sessionId: string): Promise<{ kind: SessionKind; files: FileStat[] }> {
    if (!isSessionId(sessionId)) throw new SessionError('bad-request', 'That is not a session id.');
    const recording = await this.recording(sessionId);
    if (!recording) throw new SessionError('not-found', `There is no recording of session ${sessionId}.`);
    return recording;
  }

  /** A session's recording files (regular files only), or undefined if it has none. */
  private async recording(sessionId: string): Promise<{ kind: SessionKind; files: FileStat[] } | undefined> {
    const found = findRecording(this.dir, sessionId);
    if (!found) return undefined;
    const files: FileStat[] = [];
    for (const path of found.files) {
      const st = await lstat(path);
      if (st.isFile()) files.push({ path, size: st.size, mtimeMs: st.mtimeMs });
    }
    return files.length > 0 ? { kind: found.kind, files } : undefined;
  }

  /** What lists show of a past session: from the start of its oldest file and the end of its newest. */
  private async entry(id: string, kind: SessionKind, files: FileStat[]): Promise<HistoryEntry> {
    const oldest = files[0] as FileStat;
    const newest = files[files.length - 1] as FileStat;
    const head = firstLine(await readSlice(oldest.path, 0, Math.min(oldest.size, HEAD_BYTES)));
    const bytes = files.reduce((n, f) => n + f.size, 0);
    const changedAt = new Date(newest.mtimeMs).toISOString();
    if (kind === 'pty') {
      const h = castHeader(head);
      const started = h?.timestamp !== undefined ? new Date(h.timestamp * 1000) : undefined;
      return {
        id,
        name: text(h?.title, MAX_NAME_CHARS) || id,
        kind,
        command: text(h?.command, MAX_HISTORY_TEXT_CHARS),
        startedAt: started && !Number.isNaN(started.getTime()) ? started.toISOString() : null,
        endedAt: changedAt,
        exit: null,
        bytes,
      };
    }
    const header = parseConversation([head]).header as Partial<ConversationHeader> | undefined;
    const tailStart = Math.max(0, newest.size - HEAD_BYTES);
    const tail = parseConversation([await readSlice(newest.path, tailStart, newest.size - tailStart)]);
    const command = Array.isArray(header?.command) ? header.command.filter((a) => typeof a === 'string') : [];
    return {
      id,
      name: text(header?.name, MAX_NAME_CHARS) || id,
      kind,
      command: clip(command.join(' '), MAX_HISTORY_TEXT_CHARS),
      cwd: text(header?.cwd, MAX_HISTORY_TEXT_CHARS),
      startedAt: isoTime(header?.startedAt) ?? null,
      endedAt: (tail.exit && isoTime(tail.endedAt)) || changedAt,
      exit: tail.exit
        ? {
            exitCode: validExitCode(tail.exit.exitCode),
            signal: tail.exit.signal === null ? null : clip(tail.exit.signal, 32),
          }
        : null,
      bytes,
    };
  }

  /** The newest files' text, oldest first, up to the read limit: the first one read may be its end only. */
  private async newest(files: FileStat[]): Promise<{ texts: string[]; cut: boolean }> {
    const texts: string[] = [];
    let left = this.limits.readBytes;
    for (let i = files.length - 1; i >= 0; i--) {
      const f = files[i] as FileStat;
      if (left <= 0) return { texts, cut: true };
      const length = Math.min(f.size, left);
      texts.unshift(await readSlice(f.path, f.size - length, length));
      left -= length;
      if (length < f.size) return { texts, cut: true };
    }
    return { texts, cut: false };
  }
}

/** Reads `length` bytes at `start` of a file (not through a symbolic link) as UTF-8 text. */
async function readSlice(path: string, start: number, length: number): Promise<string> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const buffer = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await handle.read(buffer, done, length - done, start + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return buffer.subarray(0, done).toString('utf8');
  } finally {
    await handle.close();
  }
}

function firstLine(text: string): string {
  const end = text.indexOf('\n');
  return end < 0 ? text : text.slice(0, end);
}

/** A string from a file, trimmed and cut to `max` characters ('' if it is not a string). */
function text(value: unknown, max: number): string {
  return typeof value === 'string' ? clip(value.trim(), max) : '';
}

/** An ISO time from a file, if it is one. */
function isoTime(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length < 10 || value.length > 40) return undefined;
  return Number.isNaN(Date.parse(value)) ? undefined : value;
}

function validExitCode(code: number | null): number | null {
  return code !== null && Number.isInteger(code) && code >= -1 && code <= 255 ? code : null;
}

function damaged(sessionId: string): SessionError {
  return new SessionError(
    'failed',
    `The recording of session ${sessionId} is damaged: none of it could be read. The files are in the recordings folder of paseo's state folder.`,
  );
}
