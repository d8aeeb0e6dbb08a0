// The on-disk form of a conversation (PASEO_HOME/recordings/<id>.acp.jsonl, beside the terminal
// recordings): JSON lines — a header, then `{"seq", "event"}` per event, and `{"exit", "at"}` when the
// agent ended. A file over the size cap is continued in a new one (the old one becomes `.1`), which
// starts with a header again. Parsing is pure, so `paseo logs` reads it with no daemon running.
import { type ConversationEvent, conversationEvent } from './events.js';

/** File name suffix of conversation recordings. */
export const CONVERSATION_SUFFIX = '.acp.jsonl';

/** The first line of each file. */
export interface ConversationHeader {
  paseo: 'conversation';
  version: 1;
  id: string;
  name: string;
  command: string[];
  cwd: string;
  startedAt: string;
}

/** What a file (or the concatenation of its rotated parts) holds. */
export interface ConversationFile {
  header: ConversationHeader | undefined;
  events: ConversationEvent[];
  exit: { exitCode: number | null; signal: string | null } | undefined;
  /** When the agent ended (the exit line's time, as written). */
  endedAt: string | undefined;
  /** Lines that could not be read (a line cut by a crash, say). */
  skipped: number;
}

/** The header line. */
export function headerLine(header: ConversationHeader): string {
  return `${JSON.stringify(header)}\n`;
}

/** The line of event number `seq`. */
export function eventLine(seq: number, eventJson: string): string {
  return `{"seq":${seq},"event":${eventJson}}\n`;
}

/** The line saying how the agent ended. */
export function exitLine(exit: { exitCode: number | null; signal: string | null }, at: string): string {
  return `${JSON.stringify({ exit, at })}\n`;
}

/** Reads conversation files (their text, oldest first); events are kept once each, in order. */
export function parseConversation(texts: string[]): ConversationFile {
  const out: ConversationFile = { header: undefined, events: [], exit: undefined, endedAt: undefined, skipped: 0 };
  let lastSeq = 0;
  for (const text of texts) {
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        out.skipped++;
        continue;
      }
      if (typeof value !== 'object' || value === null) {
        out.skipped++;
        continue;
      }
      const v = value as Record<string, unknown>;
      if (v.paseo === 'conversation') {
        out.header ??= v as unknown as ConversationHeader;
      } else if (typeof v.seq === 'number' && v.seq > lastSeq) {
        try {
          out.events.push(conversationEvent(v.event, 'event'));
          lastSeq = v.seq;
        } catch {
          out.skipped++;
        }
      } else if (typeof v.exit === 'object' && v.exit !== null) {
        const e = v.exit as Record<string, unknown>;
        out.exit = {
          exitCode: typeof e.exitCode === 'number' ? e.exitCode : null,
          signal: typeof e.signal === 'string' ? e.signal : null,
        };
        out.endedAt = typeof v.at === 'string' ? v.at : undefined;
      } else {
        out.skipped++;
      }
    }
  }
  return out;
}
