// Past sessions read from their recordings (history/history.ts): listed newest first without the sessions
// still in the list, read whole (a conversation folded into a snapshot, a terminal's output), bounded in
// size with the cut said, deleted; ids that are not session ids (path traversal among them), links and
// damaged files answered with sentences. Then the same through the daemon, over a device's connection.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_HISTORY_ENTRIES, parseResult } from '../../src/channel/messages.js';
import { RequestError } from '../../src/channel/requests.js';
import { type ConversationEvent, parseSnapshotBody } from '../../src/conversation/events.js';
import { eventLine, exitLine, headerLine } from '../../src/conversation/file.js';
import { Conversation } from '../../src/conversation/fold.js';
import { History, MAX_HISTORY_LIST_BYTES } from '../../src/history/history.js';
import { SessionError } from '../../src/session/errors.js';
import { type InProcessDaemon, rejection, startInProcessDaemon } from '../fixtures/daemon-in-process.js';
import { acpAgent, acpScenario } from '../fixtures/fake-acp.js';

const AT = '2026-03-01T10:00:00.000Z';
const ENDED = '2026-03-01T10:05:00.000Z';

const events: ConversationEvent[] = [
  { t: 'user', at: AT, text: 'Fix the greeting', by: 'Pixel 8' },
  { t: 'agent', at: AT, text: 'On it. ' },
  { t: 'agent', at: AT, text: 'Editing **greet.ts**.' },
  {
    t: 'tool',
    at: AT,
    id: 'edit-1',
    title: 'Edit src/greet.ts',
    kind: 'edit',
    status: 'pending',
    locations: ['src/greet.ts'],
  },
  {
    t: 'permission',
    at: AT,
    id: 'p1',
    toolCallId: 'edit-1',
    title: 'Edit src/greet.ts',
    options: [
      { id: 'allow', name: 'Allow once', kind: 'allow_once' },
      { id: 'reject', name: 'Reject', kind: 'reject_once' },
    ],
  },
  { t: 'answer', at: AT, id: 'p1', outcome: 'selected', optionId: 'allow', by: 'Pixel 8' },
  {
    t: 'tool',
    at: AT,
    id: 'edit-1',
    status: 'completed',
    content: [{ type: 'diff', path: 'src/greet.ts', oldText: "'Hi'", newText: "'Hello'" }],
  },
  { t: 'turn', at: AT, stopReason: 'end_turn' },
];

const header = (id: string, name = 'fixer') =>
  headerLine({
    paseo: 'conversation',
    version: 1,
    id,
    name,
    command: ['gemini', '--acp'],
    cwd: '/home/ada/project',
    startedAt: AT,
  });
const conversationText = (id: string) =>
  header(id) +
  events.map((e, i) => eventLine(i + 1, JSON.stringify(e))).join('') +
  exitLine({ exitCode: 0, signal: null }, ENDED);
const castText = (title: string, output: string[]) =>
  `${JSON.stringify({ version: 2, width: 80, height: 24, timestamp: 1772359200, command: 'bash -l', title })}\n` +
  output.map((o, i) => `${JSON.stringify([i / 10, 'o', o])}\n`).join('');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'paseo-history-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a file and sets when it last changed (seconds after AT), which orders the list. */
function write(name: string, text: string, secondsAfter = 0): void {
  writeFileSync(join(dir, name), text);
  const when = new Date(Date.parse(AT) + secondsAfter * 1000);
  utimesSync(join(dir, name), when, when);
}

const failure = (p: Promise<unknown>) => rejection(p, SessionError);

describe('History', () => {
  it('lists past sessions newest first, leaving out the listed ones and files that are not recordings', async () => {
    write('aaaaaaaa.acp.jsonl', conversationText('aaaaaaaa'), 10);
    write('bbbbbbbb.cast', castText('shell', ['$ ls\r\n']), 20);
    write('cccccccc.cast', castText('running', ['x']), 30);
    write('dddddddd.cast.1', castText('old part', ['first']), 1);
    write('dddddddd.cast', castText('old part', ['second']), 5);
    write('notes.txt', 'hello', 40);
    write('ABCDEFGH.cast', castText('upper', []), 40); // not an id of the alphabet
    write('a0000000.cast', castText('zero', []), 40); // 0 is not in it either
    const list = await new History(dir).list(new Set(['cccccccc']));
    expect(list.omitted).toBe(0);
    expect(list.entries.map((e) => [e.id, e.name, e.kind])).toEqual([
      ['bbbbbbbb', 'shell', 'pty'],
      ['aaaaaaaa', 'fixer', 'acp'],
      ['dddddddd', 'old part', 'pty'],
    ]);
    const acp = list.entries[1];
    expect(acp).toMatchObject({
      command: 'gemini --acp',
      cwd: '/home/ada/project',
      startedAt: AT,
      endedAt: ENDED,
      exit: { exitCode: 0, signal: null },
    });
    expect(list.entries[0]).toMatchObject({ command: 'bash -l', exit: null, startedAt: '2026-03-01T10:00:00.000Z' });
    expect(list.entries[2]?.bytes).toBe(
      Buffer.byteLength(castText('old part', ['first'])) + Buffer.byteLength(castText('old part', ['second'])),
    );
    // What a device checks the answer with accepts it.
    expect(parseResult('history.list', JSON.parse(JSON.stringify(list)))).toEqual(list);
  });

  it('keeps a list answer under its size, counting what it left out', async () => {
    const long = 'n'.repeat(500);
    for (let i = 0; i < MAX_HISTORY_ENTRIES + 20; i++) {
      const id = `aaaa${'abcdefghijkmnpqrstuvwxyz23456789'[i % 32]}${'abcdefgh'[Math.floor(i / 32)]}aa`;
      write(`${id}.cast`, `${JSON.stringify({ version: 2, title: long, command: long.repeat(3) })}\n`, i);
    }
    const list = await new History(dir).list(new Set());
    expect(list.entries.length).toBeLessThan(MAX_HISTORY_ENTRIES);
    expect(list.entries.length + list.omitted).toBe(MAX_HISTORY_ENTRIES + 20);
    expect(Buffer.byteLength(JSON.stringify(list))).toBeLessThanOrEqual(MAX_HISTORY_LIST_BYTES + 100);
    expect(list.entries[0]?.name.length).toBeLessThanOrEqual(80);
    expect(() => parseResult('history.list', JSON.parse(JSON.stringify(list)))).not.toThrow();
  });

  it('reads a conversation as the snapshot a live session would send, with how it ended', async () => {
    write('aaaaaaaa.acp.jsonl', conversationText('aaaaaaaa'));
    const { data, body } = await new History(dir).read('aaaaaaaa');
    expect(data).toMatchObject({ cut: false, skipped: 0, entry: { id: 'aaaaaaaa', exit: { exitCode: 0 } } });
    const snapshot = parseSnapshotBody(body);
    expect(snapshot).toEqual({ items: Conversation.of(events).items, omitted: 0 });
    const permission = snapshot.items.find((i) => i.t === 'permission');
    expect(permission).toMatchObject({ state: 'selected', optionId: 'allow', by: 'Pixel 8' });
    expect(snapshot.items.find((i) => i.t === 'tool')).toMatchObject({ status: 'completed' });
    expect(parseResult('history.read', { ...data }, body).body).toEqual(body);
  });

  it('reads a terminal recording, rotated parts in order', async () => {
    write('dddddddd.cast.1', castText('t', ['one ', 'two ']));
    write('dddddddd.cast', castText('t', ['three ☃']));
    const { data, body } = await new History(dir).read('dddddddd');
    expect(Buffer.from(body).toString('utf8')).toBe('one two three ☃');
    expect(data.cut).toBe(false);
  });

  it('sends the end of a long terminal recording and says that the start is cut', async () => {
    write('dddddddd.cast', castText('t', ['a'.repeat(3000), 'b'.repeat(3000), 'THE END']));
    const { data, body } = await new History(dir, { outputBytes: 4000 }).read('dddddddd');
    expect(body.length).toBe(4000);
    expect(Buffer.from(body).toString('utf8').endsWith('bTHE END')).toBe(true);
    expect(data.cut).toBe(true);
  });

  it('reads only the newest part of a large conversation and keeps the body under its size', async () => {
    const many: string[] = [header('aaaaaaaa')];
    for (let i = 1; i <= 400; i++)
      many.push(eventLine(i, JSON.stringify({ t: 'user', at: AT, text: `prompt ${i} ${'é'.repeat(200)}`, by: 'x' })));
    write('aaaaaaaa.acp.jsonl', many.join(''));
    const { data, body } = await new History(dir, { readBytes: 50_000, bodyBytes: 20_000 }).read('aaaaaaaa');
    expect(data.cut).toBe(true);
    expect(body.length).toBeLessThanOrEqual(20_000);
    const snapshot = parseSnapshotBody(body);
    expect(snapshot.items.at(-1)).toMatchObject({ text: expect.stringContaining('prompt 400 ') });
    expect(snapshot.omitted).toBeGreaterThan(0);
  });

  it('refuses ids that are not session ids, path traversal among them, before touching a file', async () => {
    mkdirSync(join(dir, 'inner'));
    write('inner/secret.cast', castText('secret', ['do not read']));
    const history = new History(join(dir, 'inner', '..', 'inner'));
    for (const id of [
      '../inner/secret',
      '..',
      '',
      'AAAAAAAA',
      'abcdefg/',
      'abc.cast',
      '%2e%2e%2fsecret',
      'aaaaaaaa\0',
    ]) {
      const err = await failure(history.read(id));
      expect(err.code).toBe('bad-request');
      expect(err.message).toBe('That is not a session id.');
      expect((await failure(history.remove(id))).code).toBe('bad-request');
    }
    expect((await failure(history.read('zzzzzzzz'))).message).toBe('There is no recording of session zzzzzzzz.');
  });

  it('does not follow a link in the recordings folder', async () => {
    const outside = join(dir, 'outside.txt');
    writeFileSync(outside, castText('outside', ['private']));
    mkdirSync(join(dir, 'rec'));
    symlinkSync(outside, join(dir, 'rec', 'aaaaaaaa.cast'));
    const history = new History(join(dir, 'rec'));
    expect((await failure(history.read('aaaaaaaa'))).code).toBe('not-found');
    expect((await history.list(new Set())).entries).toEqual([]);
  });

  it('answers a damaged recording with a sentence, and skips damaged lines of a readable one', async () => {
    write('aaaaaaaa.acp.jsonl', '\u0000\u0001garbage\n{"half":\n');
    write('bbbbbbbb.cast', 'not a cast file\n');
    const history = new History(dir);
    for (const id of ['aaaaaaaa', 'bbbbbbbb']) {
      const err = await failure(history.read(id));
      expect(err.code).toBe('failed');
      expect(err.message).toBe(
        `The recording of session ${id} is damaged: none of it could be read. The files are in the recordings folder of paseo's state folder.`,
      );
    }
    // A damaged list entry still lists, under its id.
    expect((await history.list(new Set())).entries.map((e) => e.name).sort()).toEqual(['aaaaaaaa', 'bbbbbbbb']);
    write('cccccccc.acp.jsonl', `${conversationText('cccccccc')}{"seq":99,"event":{"t":"agent"`);
    const { data } = await history.read('cccccccc');
    expect(data.skipped).toBe(1);
  });

  it('deletes every file of a past session, rotated parts included, and nothing else', async () => {
    write('dddddddd.cast.1', castText('t', ['one']));
    write('dddddddd.cast', castText('t', ['two']));
    write('aaaaaaaa.acp.jsonl', conversationText('aaaaaaaa'));
    await new History(dir).remove('dddddddd');
    expect(readdirSync(dir)).toEqual(['aaaaaaaa.acp.jsonl']);
    expect((await failure(new History(dir).remove('dddddddd'))).code).toBe('not-found');
  });
});

describe('history through the daemon', () => {
  let d: InProcessDaemon;
  afterEach(async () => {
    await d?.stop();
  });

  it('lets a device list, read and delete a past conversation; refuses bad ids and listed sessions', async () => {
    d = await startInProcessDaemon();
    const { conn } = await d.pair('Pixel 8');
    const info = await conn.request({
      t: 'session.create',
      command: acpAgent(acpScenario('crash')),
      cols: 80,
      rows: 24,
      kind: 'acp',
    });
    // While it is listed it is not history, and cannot be deleted.
    expect((await conn.request({ t: 'history.list' })).entries).toEqual([]);
    const listed = await rejection(conn.request({ t: 'history.remove', sessionId: info.id }), RequestError);
    expect([listed.code, listed.message]).toEqual([
      'failed',
      `${info.name} is still in the list of sessions: remove it from there first, then its history.`,
    ]);
    const running = await rejection(conn.request({ t: 'history.read', sessionId: info.id }), RequestError);
    expect(running.message).toBe('That session is still running: open it from the list of sessions.');
    await conn.request({ t: 'session.send', sessionId: info.id }, new TextEncoder().encode('go'));
    await expect.poll(() => d.daemon.sessions.get(info.id)?.state, { timeout: 10_000 }).toBe('exited');
    await conn.request({ t: 'session.remove', sessionId: info.id });

    const list = await conn.request({ t: 'history.list' });
    expect(list.entries.map((e) => [e.id, e.kind])).toEqual([[info.id, 'acp']]);
    expect(list.entries[0]?.exit).not.toBeNull();
    const read = await conn.request({ t: 'history.read', sessionId: info.id });
    expect(read.entry.id).toBe(info.id);
    const items = parseSnapshotBody(read.body).items;
    expect(items[0]).toMatchObject({ t: 'user', text: 'go', by: 'Pixel 8' });

    for (const sessionId of ['../../identity', 'identity.json', 'x'.repeat(64)]) {
      const err = await rejection(conn.request({ t: 'history.read', sessionId }), RequestError);
      expect([err.code, err.message]).toEqual(['bad-request', 'That is not a session id.']);
    }
    await conn.request({ t: 'history.remove', sessionId: info.id });
    expect((await conn.request({ t: 'history.list' })).entries).toEqual([]);
    const gone = await rejection(conn.request({ t: 'history.read', sessionId: info.id }), RequestError);
    expect(gone.code).toBe('not-found');
  });
});
