// The events of a conversation, numbered 1, 2, 3… (seq = the number of the last event), the newest of
// them kept in memory for exact resume (bounded in bytes), and the whole conversation folded for
// snapshots: what a late or reconnecting viewer starts from when the events it missed are gone.
import type { ConversationEvent } from '../../conversation/events.js';
import { Conversation } from '../../conversation/fold.js';
import type { Delivery, Feed } from '../engine.js';

/** Most bytes of events in one `session.events` message. */
export const EVENTS_MESSAGE_BYTES = 256 * 1024;

/** The numbered events of one conversation. */
export class EventLog {
  /** The conversation as shown (all events folded). */
  readonly conversation = new Conversation();
  private readonly kept: string[] = []; // JSON of events first+1 … end
  private head = 0; // index of the oldest kept event in `kept`
  private first = 0; // seq of the event before the oldest kept one
  private end = 0;
  private keptBytes = 0;

  /** Keeps at least the last `capacityBytes` of events (as JSON). */
  constructor(private readonly capacityBytes: number) {}

  /** Number of the last event (0 before any). */
  get endSeq(): number {
    return this.end;
  }

  /** Bytes of events held right now. */
  get size(): number {
    return this.keptBytes;
  }

  /** Adds an event; returns its JSON and its number. */
  append(event: ConversationEvent): { json: string; seq: number } {
    const json = JSON.stringify(event);
    this.conversation.apply(event);
    this.kept.push(json);
    this.keptBytes += json.length;
    this.end++;
    // Drops the oldest while the rest still make up the capacity; the newest event always stays.
    while (
      this.head < this.kept.length - 1 &&
      this.keptBytes - (this.kept[this.head] as string).length >= this.capacityBytes
    ) {
      this.keptBytes -= (this.kept[this.head] as string).length;
      this.head++;
      this.first++;
    }
    if (this.head > 1024 && this.head * 2 > this.kept.length) {
      this.kept.splice(0, this.head);
      this.head = 0;
    }
    return { json, seq: this.end };
  }

  /** True if every event after `seq` is still kept. */
  has(seq: number): boolean {
    return seq >= this.first && seq <= this.end;
  }

  /** The feed viewers of session `sessionId` read; snapshots are capped at `snapshotBytes`. */
  feed(sessionId: string, snapshotBytes: number): Feed {
    const log = this;
    return {
      get endSeq() {
        return log.end;
      },
      has: (seq) => this.has(seq),
      read: (from, maxEvents): Delivery | undefined => {
        if (!this.has(from)) return undefined;
        const parts: string[] = [];
        let bytes = 0;
        let seq = from;
        // The first event always goes (bytes start at 0), however large.
        while (seq < this.end && parts.length < maxEvents && bytes < EVENTS_MESSAGE_BYTES) {
          const json = this.kept[this.head + (seq - this.first)] as string;
          parts.push(json);
          bytes += json.length + 1;
          seq++;
        }
        const body = Buffer.from(`[${parts.join(',')}]`);
        return { seq, messages: [{ msg: { t: 'session.events', sessionId, seq }, body }] };
      },
      snapshot: (): Delivery => {
        const body = Buffer.from(JSON.stringify(this.conversation.snapshot(snapshotBytes)));
        return { seq: this.end, messages: [{ msg: { t: 'session.conversation', sessionId, seq: this.end }, body }] };
      },
      whenSnapshotReady: (fn) => queueMicrotask(fn),
    };
  }
}
