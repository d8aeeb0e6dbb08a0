// The numbered events of an ACP conversation: how many of the newest it keeps for exact resume, what a
// viewer reads from a given number (in order, bounded in events and bytes), and the snapshot a viewer
// starts from once the events it missed are gone.
import { describe, expect, it } from 'vitest';
import type { ConversationEvent } from '../../src/conversation/events.js';
import { Conversation } from '../../src/conversation/fold.js';
import { EVENTS_MESSAGE_BYTES, EventLog } from '../../src/session/acp/event-log.js';

const at = '2025-01-02T03:04:05.000Z';
/** A message chunk whose JSON is exactly `bytes` long (the text is padded with `fill`). */
const sized = (bytes: number, fill = 'x'): ConversationEvent => {
  const base = JSON.stringify({ t: 'agent', at, text: '' }).length;
  return { t: 'agent', at, text: fill.repeat(bytes - base) };
};
const BYTES = 100;
/** Events 1…n, each BYTES long, each with its own letter so that any mix-up shows. */
const events = (n: number): ConversationEvent[] =>
  Array.from({ length: n }, (_, i) => sized(BYTES, String.fromCharCode(97 + (i % 26))));

const body = (d: { messages: { body?: Uint8Array }[] } | undefined): unknown =>
  JSON.parse(Buffer.from(d?.messages[0]?.body ?? []).toString('utf8'));

describe('the event log of an ACP session', () => {
  it('numbers events from 1 and returns each one as its JSON', () => {
    const log = new EventLog(10_000);
    expect(log.endSeq).toBe(0);
    expect(log.size).toBe(0);
    const [a, b] = events(2) as [ConversationEvent, ConversationEvent];
    expect(log.append(a)).toEqual({ json: JSON.stringify(a), seq: 1 });
    expect(log.append(b)).toEqual({ json: JSON.stringify(b), seq: 2 });
    expect(log.endSeq).toBe(2);
    expect(log.size).toBe(2 * BYTES);
    expect(log.conversation.items).toEqual(Conversation.of([a, b]).items);
  });

  it('keeps the newest events that make up its capacity, and drops older ones', () => {
    const log = new EventLog(3 * BYTES);
    for (const e of events(3)) log.append(e);
    expect(log.size).toBe(3 * BYTES);
    expect(log.has(0)).toBe(true); // all three kept: a viewer at 0 resumes exactly
    log.append(sized(BYTES));
    expect(log.size).toBe(3 * BYTES);
    expect(log.has(0)).toBe(false);
    expect([1, 2, 3, 4].map((s) => log.has(s))).toEqual([true, true, true, true]);
    expect(log.has(5)).toBe(false); // a number from the future
  });

  it('keeps more than its capacity rather than fewer bytes than it promised', () => {
    const log = new EventLog(3 * BYTES - 1);
    for (const e of events(4)) log.append(e);
    expect(log.size).toBe(3 * BYTES); // two events (200 bytes) would be less than the capacity
    expect(log.has(0)).toBe(false);
    expect(log.has(1)).toBe(true);
  });

  it('always keeps the newest event, even with no capacity at all', () => {
    const log = new EventLog(0);
    for (const e of events(3)) log.append(e);
    expect(log.size).toBe(BYTES);
    expect(log.has(1)).toBe(false);
    expect(log.has(2)).toBe(true);
    const feed = log.feed('s1', 1000);
    expect(body(feed.read(2, 10))).toEqual([events(3)[2]]);
  });

  it('still reads the right events after dropping thousands of old ones', () => {
    const log = new EventLog(3 * BYTES);
    const all = events(3000);
    for (const e of all) log.append(e);
    const feed = log.feed('s1', 1000);
    expect(feed.has(2996)).toBe(false);
    expect(body(feed.read(2997, 10))).toEqual(all.slice(2997));
    for (const e of events(1500)) log.append(e);
    expect(body(feed.read(4497, 10))).toEqual(events(1500).slice(1497));
  });
});

describe('reading the event log as a viewer', () => {
  it('sends the events after a number, in order, as one session.events message', () => {
    const log = new EventLog(100_000);
    const all = events(5);
    for (const e of all) log.append(e);
    const feed = log.feed('s1', 1000);
    expect(feed.endSeq).toBe(5);
    expect(feed.has(5)).toBe(true);
    expect(feed.has(6)).toBe(false);
    const d = feed.read(1, 100);
    expect(d?.seq).toBe(5);
    expect(d?.messages.map((m) => m.msg)).toEqual([{ t: 'session.events', sessionId: 's1', seq: 5 }]);
    expect(d?.messages[0]?.body?.toString()).toBe(
      `[${all
        .slice(1)
        .map((e) => JSON.stringify(e))
        .join(',')}]`,
    );
    expect(feed.read(5, 100)).toEqual({
      seq: 5,
      messages: [{ msg: { t: 'session.events', sessionId: 's1', seq: 5 }, body: Buffer.from('[]') }],
    });
  });

  it('sends at most the number of events asked for', () => {
    const log = new EventLog(100_000);
    const all = events(5);
    for (const e of all) log.append(e);
    const d = log.feed('s1', 1000).read(0, 2);
    expect(d?.seq).toBe(2);
    expect(body(d)).toEqual(all.slice(0, 2));
  });

  it('says nothing (a snapshot is needed) for events that are gone or not there yet', () => {
    const log = new EventLog(BYTES);
    for (const e of events(3)) log.append(e);
    const feed = log.feed('s1', 1000);
    expect(feed.read(1, 10)).toBeUndefined();
    expect(feed.read(4, 10)).toBeUndefined();
    expect(feed.read(2, 10)?.seq).toBe(3);
  });

  it(`fills one message up to ${EVENTS_MESSAGE_BYTES} bytes of events, then stops`, () => {
    // Each event with its comma takes half the limit: two of them fill a message exactly.
    const half = sized(EVENTS_MESSAGE_BYTES / 2 - 1);
    const log = new EventLog(10 * EVENTS_MESSAGE_BYTES);
    for (let i = 0; i < 5; i++) log.append(half);
    const feed = log.feed('s1', 1000);
    expect(feed.read(0, 100)?.seq).toBe(2);
    expect(feed.read(2, 100)?.seq).toBe(4);
    expect(body(feed.read(4, 100))).toEqual([half]);
  });

  it('sends an event larger than one message on its own', () => {
    const big = sized(EVENTS_MESSAGE_BYTES + 10);
    const log = new EventLog(10 * EVENTS_MESSAGE_BYTES);
    log.append(big);
    log.append(big);
    const d = log.feed('s1', 1000).read(0, 100);
    expect(d?.seq).toBe(1);
    expect(body(d)).toEqual([big]);
  });

  it('gives a snapshot of the whole conversation, cut to the snapshot size, at the last number', () => {
    const log = new EventLog(BYTES);
    const all = events(4);
    for (const e of all) log.append(e);
    const feed = log.feed('s2', 2 * BYTES);
    const d = feed.snapshot();
    expect(d?.seq).toBe(4);
    expect(d?.messages.map((m) => m.msg)).toEqual([{ t: 'session.conversation', sessionId: 's2', seq: 4 }]);
    expect(body(d)).toEqual(JSON.parse(JSON.stringify(Conversation.of(all).snapshot(2 * BYTES))));
    expect(body(d)).toMatchObject({ omitted: 1, items: [] }); // one item (the chunks joined), too large
    expect(body(log.feed('s2', 10 * BYTES).snapshot())).toEqual({
      omitted: 0,
      items: [{ t: 'agent', at, text: all.map((e) => (e.t === 'agent' ? e.text : '')).join('') }],
    });
  });

  it('has its snapshot ready as soon as the current task is done', async () => {
    const feed = new EventLog(BYTES).feed('s1', 1000);
    const ran: string[] = [];
    feed.whenSnapshotReady(() => ran.push('ready'));
    expect(ran).toEqual([]);
    await Promise.resolve();
    expect(ran).toEqual(['ready']);
  });
});
