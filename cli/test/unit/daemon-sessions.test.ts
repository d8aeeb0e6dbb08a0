// Sessions through the real daemon in this process: devices over the encrypted channel and the owner over
// the control socket. A connection that ends is detached from every session (a departed slow viewer must
// not keep the PTY paused); resume after a reconnect is byte-exact; requests are answered or refused with
// sentences; owner-only requests are refused to devices.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectionError, PaseoConnection } from '../../src/channel/client.js';
import { MAX_SEND_BYTES } from '../../src/channel/messages.js';
import { RequestError } from '../../src/channel/requests.js';
import { ControlClient } from '../../src/commands/control-client.js';
import { type ConversationEvent, parseEventsBody, parseSnapshotBody } from '../../src/conversation/events.js';
import { type InProcessDaemon, rejection, startInProcessDaemon } from '../fixtures/daemon-in-process.js';
import { acpAgent, acpScenario } from '../fixtures/fake-acp.js';
import { agent } from '../fixtures/session-harness.js';

const KiB = 1024;

let d: InProcessDaemon;
afterEach(async () => {
  await d?.stop();
});

/** What one connection receives of a session: raw output bytes (acked or not), snapshots, the exit. */
function watch(conn: PaseoConnection | ControlClient, sessionId: string, ack: boolean) {
  const state = {
    chunks: [] as Buffer[],
    snapshots: 0,
    seq: 0,
    resized: [] as string[],
    exit: undefined as undefined | { exitCode: number | null; signal: string | null; by?: string },
    get bytes(): Buffer {
      return Buffer.concat(this.chunks);
    },
    get text(): string {
      return this.bytes.toString('utf8');
    },
  };
  conn.onMessage((msg, body) => {
    if (!('sessionId' in msg) || msg.sessionId !== sessionId) return;
    if (msg.t === 'session.output' || msg.t === 'session.snapshot') {
      if (msg.t === 'session.snapshot') state.snapshots++;
      state.chunks.push(Buffer.from(body));
      state.seq = msg.seq;
      if (ack) conn.send({ t: 'session.ack', sessionId, seq: msg.seq });
    } else if (msg.t === 'session.resized') {
      state.resized.push(`${msg.cols}x${msg.rows} by ${msg.by ?? '?'}${msg.yours ? ' (mine)' : ''}`);
    } else if (msg.t === 'session.exit') {
      state.exit = { exitCode: msg.exitCode, signal: msg.signal, ...(msg.by ? { by: msg.by } : {}) };
    }
  });
  return state;
}

const type = (conn: PaseoConnection | ControlClient, sessionId: string, text: string) =>
  conn.send({ t: 'session.input', sessionId }, new TextEncoder().encode(text));

const requestError = (p: Promise<unknown>) => rejection(p, RequestError);

describe('sessions through the daemon', () => {
  it('detaches a closed connection from its sessions: a departed slow viewer does not keep the PTY paused', async () => {
    // A viewer counts as stalled only after a minute: only its leaving can release the PTY here.
    d = await startInProcessDaemon({
      session: { highWatermarkBytes: 16 * KiB, lowWatermarkBytes: 4 * KiB, stalledViewerMs: 60_000 },
    });
    const { conn } = await d.pair('Slow phone');
    const info = await conn.request({ t: 'session.create', command: agent(), cols: 80, rows: 24 });
    const slow = watch(conn, info.id, false);
    conn.send({ t: 'session.attach', sessionId: info.id, afterSeq: 0 });
    await expect.poll(() => slow.text).toContain('> ');
    type(conn, info.id, 'flood\r');
    await expect.poll(() => d.daemon.sessions.stats(info.id)?.ptyPaused, { timeout: 10_000 }).toBe(true);
    expect(d.daemon.sessions.get(info.id)?.viewers).toBe(1);
    const pausedAt = d.daemon.sessions.get(info.id)!.seq;

    conn.close();
    await expect.poll(() => d.daemon.sessions.get(info.id)?.viewers).toBe(0);
    // The PTY resumes once the engine next looks at its viewers (not necessarily in the same turn).
    await expect.poll(() => d.daemon.sessions.stats(info.id)?.ptyPaused).toBe(false);
    await expect
      .poll(() => d.daemon.sessions.get(info.id)!.seq, { timeout: 10_000 })
      .toBeGreaterThan(pausedAt + 256 * KiB);
    expect(d.daemon.clients.size).toBe(0);
  });

  it('resumes a reconnecting device byte for byte where it left off', async () => {
    d = await startInProcessDaemon();
    const { keys, conn: first } = await d.pair('Phone');
    // A reference viewer that stays attached from the first byte to the last.
    const reference = await d.connect(keys);
    const info = await first.request({ t: 'session.create', command: agent(), cols: 100, rows: 30 });
    const all = watch(reference, info.id, true);
    reference.send({ t: 'session.attach', sessionId: info.id, afterSeq: 0 });
    const w1 = watch(first, info.id, true);
    first.send({ t: 'session.attach', sessionId: info.id, afterSeq: 0 });
    await expect.poll(() => w1.text).toContain('> ');
    type(first, info.id, 'count 200\r');
    await expect.poll(() => w1.text).toMatch(/line 200\r+\n/);
    first.close();
    // While this device is away, the agent prints more.
    type(reference, info.id, 'count 300\r');
    await expect.poll(() => all.text).toMatch(/line 300\r+\n/);
    const again = await d.connect(keys);
    const w2 = watch(again, info.id, true);
    again.send({ t: 'session.attach', sessionId: info.id, afterSeq: w1.seq, cols: 100, rows: 30 });
    type(again, info.id, 'echo back again\r');
    await expect.poll(() => w2.text).toMatch(/back again\r+\n/);
    await expect.poll(() => all.seq).toBe(d.daemon.sessions.get(info.id)!.seq);
    await expect.poll(() => w2.seq).toBe(all.seq);
    expect(w2.snapshots).toBe(0); // from the buffer, not a snapshot
    expect(all.snapshots).toBe(0);
    expect(Buffer.concat([w1.bytes, w2.bytes]).equals(all.bytes)).toBe(true);
    expect(all.bytes.length).toBe(all.seq);
    again.close();
    reference.close();
  });

  it('follows the size of the device that typed last, says who set it, and ends sessions on request', async () => {
    d = await startInProcessDaemon();
    const a = (await d.pair('Laptop')).conn;
    const b = (await d.pair('Phone')).conn;
    const info = await a.request({ t: 'session.create', command: agent(), name: 'shared', cols: 80, rows: 24 });
    expect(info).toMatchObject({ name: 'shared', state: 'running', cols: 80, rows: 24 });
    const wa = watch(a, info.id, true);
    const wb = watch(b, info.id, true);
    a.send({ t: 'session.attach', sessionId: info.id, afterSeq: 0, cols: 90, rows: 24 });
    await expect.poll(() => wa.resized).toEqual(['90x24 by Laptop (mine)']);
    b.send({ t: 'session.attach', sessionId: info.id, afterSeq: 0, cols: 60, rows: 20 });
    await expect.poll(() => wb.resized).toEqual(['90x24 by Laptop']);
    await expect.poll(async () => (await a.request({ t: 'sessions.list' }))[0]?.viewers).toBe(2);
    await expect.poll(() => wb.text).toContain('> ');
    type(b, info.id, 'size\r');
    await expect.poll(() => wa.text, { timeout: 5000 }).toContain('size 60x20');
    expect(wa.resized.at(-1)).toBe('60x20 by Phone');
    expect(wb.resized.at(-1)).toBe('60x20 by Phone (mine)');
    b.send({ t: 'session.resize', sessionId: info.id, cols: 70, rows: 22 });
    await expect.poll(() => wa.resized.at(-1)).toBe('70x22 by Phone');
    a.send({ t: 'session.resize', sessionId: info.id, cols: 100, rows: 30, take: true });
    await expect.poll(() => wb.resized.at(-1)).toBe('100x30 by Laptop');
    // The phone's own size changes without taking: the session keeps the laptop's.
    b.send({ t: 'session.resize', sessionId: info.id, cols: 40, rows: 20 });
    await expect.poll(async () => (await a.request({ t: 'sessions.list' }))[0]).toMatchObject({ cols: 100, rows: 30 });
    expect(wb.resized.at(-1)).toBe('100x30 by Laptop');
    b.send({ t: 'session.detach', sessionId: info.id });
    await expect.poll(async () => (await a.request({ t: 'sessions.list' }))[0]?.viewers).toBe(1);
    expect(await a.request({ t: 'session.send', sessionId: info.id }, new TextEncoder().encode('echo sent\n'))).toBe(
      null,
    );
    await expect.poll(() => wa.text, { timeout: 5000 }).toMatch(/\nsent\r+\n/);
    expect(await a.request({ t: 'session.kill', sessionId: info.id })).toBe(null);
    await expect.poll(() => wa.exit).toEqual({ exitCode: null, signal: 'SIGHUP', by: 'Laptop' });
    a.close();
    b.close();
  });

  it('answers bad session requests with sentences and keeps the connection', async () => {
    d = await startInProcessDaemon();
    const { conn } = await d.pair('Phone');
    const missing = await requestError(conn.request({ t: 'session.kill', sessionId: 'nosuchid' }));
    expect(missing).toMatchObject({ code: 'not-found', message: 'There is no session "nosuchid".' });
    const notFound = await requestError(
      conn.request({ t: 'session.create', command: ['paseo-no-such-command'], cols: 80, rows: 24 }),
    );
    expect(notFound.code).toBe('failed');
    expect(notFound.message).toMatch(/"paseo-no-such-command" was not found/);
    const info = await conn.request({ t: 'session.create', command: agent(), cols: 80, rows: 24 });
    const permit = await requestError(
      conn.request({ t: 'session.permit', sessionId: info.id, requestId: 'r1', optionId: 'allow' }),
    );
    expect(permit).toMatchObject({ code: 'bad-request', message: expect.stringMatching(/terminal session/) });
    const cancel = await requestError(conn.request({ t: 'session.cancel', sessionId: info.id }));
    expect(cancel).toMatchObject({ code: 'bad-request', message: expect.stringMatching(/Ctrl-C/) });
    const tooLong = await requestError(
      conn.request({ t: 'session.send', sessionId: info.id }, new Uint8Array(MAX_SEND_BYTES + 1).fill(0x61)),
    );
    expect(tooLong).toMatchObject({ code: 'bad-request', message: 'That text is too long (at most 256 KiB).' });
    const notUtf8 = await requestError(conn.request({ t: 'session.send', sessionId: info.id }, Uint8Array.of(0xff)));
    expect(notUtf8).toMatchObject({ code: 'bad-request', message: 'That text is not valid UTF-8.' });
    // A text of exactly the largest size is taken.
    expect(
      await conn.request({ t: 'session.send', sessionId: info.id }, new Uint8Array(MAX_SEND_BYTES).fill(0x61)),
    ).toBe(null);
    expect(conn.isOpen).toBe(true);
    expect((await conn.request({ t: 'presets.list' })).length).toBeGreaterThan(0);
    conn.close();
  });

  it('refuses owner-only requests to a device and lets the owner make them on the control socket', async () => {
    d = await startInProcessDaemon();
    const { conn } = await d.pair('Phone');
    for (const t of ['status', 'pair.create', 'shutdown'] as const) {
      const err = await requestError(conn.request({ t }));
      expect(err).toMatchObject({ code: 'not-allowed', message: 'Only the computer running paseo can do that.' });
    }
    const owner = await ControlClient.connect(d.home);
    const status = await owner.request({ t: 'status' });
    expect(status).toMatchObject({ devices: 1, devicesOnline: 1, sessions: 0, home: d.home, warnings: [] });
    expect(status.listen).toEqual([`127.0.0.1:${new URL(d.url).port}`]);
    const pairing = await owner.request({ t: 'pair.create' });
    expect(pairing.url).toBe(
      `${d.url}#pair=${pairing.code}&key=${Buffer.from(d.daemonPublicKey).toString('base64url')}`,
    );
    // The owner is no device: its own list has no current device, and it renames and removes devices.
    const [device] = await owner.request({ t: 'devices.list' });
    expect(device).toMatchObject({ name: 'Phone', online: true });
    expect(device).not.toHaveProperty('current');
    const renamed = await owner.request({ t: 'device.rename', deviceId: device!.id, name: 'Renamed' });
    expect(renamed).toMatchObject({ id: device!.id, name: 'Renamed' });
    expect(d.daemon.devices.get(device!.id)?.name).toBe('Renamed');
    const gone = new Promise<ConnectionError>((res) => conn.onClose(res));
    expect(await owner.request({ t: 'device.remove', deviceId: device!.id })).toBe(null);
    expect((await gone).kind).toBe('revoked');
    const again = await requestError(owner.request({ t: 'device.remove', deviceId: device!.id }));
    expect(again).toMatchObject({ code: 'not-found', message: expect.stringMatching(/no paired device/) });
    const rename = await requestError(owner.request({ t: 'device.rename', deviceId: device!.id, name: 'x' }));
    expect(rename.code).toBe('not-found');
    // Sessions the owner starts are attributed to "the computer"; its attach works like a device's.
    const info = await owner.request({ t: 'session.create', command: agent('echo from-owner'), cols: 80, rows: 24 });
    const w = watch(owner, info.id, true);
    owner.send({ t: 'session.attach', sessionId: info.id, afterSeq: 0 });
    await expect.poll(() => w.text).toContain('from-owner');
    expect(await owner.request({ t: 'shutdown' })).toBe(null);
    await d.daemon.stopped;
    owner.close();
  });

  it('names who prompted, answered and cancelled in an ACP conversation: the device, or the computer', async () => {
    d = await startInProcessDaemon();
    const { conn } = await d.pair('Pixel 8');
    const info = await conn.request({
      t: 'session.create',
      kind: 'acp',
      command: acpAgent(acpScenario('slow')),
      cwd: '/tmp',
      cols: 80,
      rows: 24,
    });
    const events: ConversationEvent[] = [];
    conn.onMessage((msg, body) => {
      if (msg.t === 'session.events') events.push(...parseEventsBody(body));
      if (msg.t === 'session.conversation') parseSnapshotBody(body);
      if (msg.t === 'session.events' || msg.t === 'session.conversation') {
        conn.send({ t: 'session.ack', sessionId: info.id, seq: msg.seq });
      }
    });
    conn.send({ t: 'session.attach', sessionId: info.id, afterSeq: 0 });
    const session = async () => (await conn.request({ t: 'sessions.list' })).find((x) => x.id === info.id)!;
    const activity = () => expect.poll(async () => (await session()).activity, { timeout: 10_000 });
    await activity().toBe('ready');
    const owner = await ControlClient.connect(d.home);
    // The device prompts; the computer cancels the slow turn.
    const prompt = new TextEncoder().encode('run the tests');
    expect(await conn.request({ t: 'session.send', sessionId: info.id }, prompt)).toBe(null);
    await activity().toBe('working');
    expect(await owner.request({ t: 'session.cancel', sessionId: info.id })).toBe(null);
    await activity().toBe('ready');
    // The computer prompts; the device answers the permission request.
    await owner.request({ t: 'session.send', sessionId: info.id }, new TextEncoder().encode('clean up'));
    await expect.poll(async () => (await session()).permissions?.length, { timeout: 10_000 }).toBe(1);
    const [request] = (await session()).permissions!;
    const unknown = await requestError(
      conn.request({ t: 'session.permit', sessionId: info.id, requestId: request!.id, optionId: 'no-such-option' }),
    );
    expect(unknown.code).toBe('bad-request');
    const optionId = request!.options[0]!.id;
    expect(await conn.request({ t: 'session.permit', sessionId: info.id, requestId: request!.id, optionId })).toBe(
      null,
    );
    await activity().toBe('ready');
    expect(events.filter((e) => e.t === 'user').map((e) => [e.text, e.by])).toEqual([
      ['run the tests', 'Pixel 8'],
      ['clean up', 'the computer'],
    ]);
    expect(events.find((e) => e.t === 'turn')).toMatchObject({ stopReason: 'cancelled', by: 'the computer' });
    expect(events.find((e) => e.t === 'answer')).toMatchObject({ optionId, by: 'Pixel 8' });
    owner.close();
    conn.close();
  });

  it('tells every client when devices and sessions change', async () => {
    d = await startInProcessDaemon({ session: { changeThrottleMs: 10 } });
    const { conn } = await d.pair('Phone');
    const pushes: string[] = [];
    conn.onMessage((msg) => {
      if (msg.t === 'devices.changed')
        pushes.push(`devices ${msg.devices.map((x) => `${x.name}${x.online ? '' : ' (offline)'}`).join(',')}`);
      if (msg.t === 'sessions.changed') pushes.push(`sessions ${msg.sessions.length}`);
    });
    // Pushes come as things change, a session's perhaps twice (its exit, then its final state): each step
    // looks for its push among those that came after it, not at the very end.
    const since = (mark: number) => () => pushes.slice(mark);
    let mark = pushes.length;
    const second = await d.pair('Tablet');
    await expect.poll(since(mark)).toContain('devices Phone,Tablet');
    mark = pushes.length;
    const info = await conn.request({ t: 'session.create', command: agent(), cols: 80, rows: 24 });
    await expect.poll(since(mark)).toContain('sessions 1');
    mark = pushes.length;
    await conn.request({ t: 'session.kill', sessionId: info.id });
    await expect.poll(since(mark)).toContain('sessions 0');
    mark = pushes.length;
    second.conn.close();
    await expect.poll(since(mark)).toContain('devices Phone,Tablet (offline)');
    const owner = await ControlClient.connect(d.home);
    const status = await owner.request({ t: 'status' });
    expect(status).toMatchObject({ devices: 2, devicesOnline: 1 });
    mark = pushes.length;
    await owner.request({ t: 'device.rename', deviceId: second.conn.welcome.deviceId!, name: 'Old tablet' });
    await expect.poll(since(mark)).toContain('devices Phone,Old tablet (offline)');
    mark = pushes.length;
    await owner.request({ t: 'device.remove', deviceId: second.conn.welcome.deviceId! });
    await expect.poll(since(mark)).toContain('devices Phone');
    owner.close();
    const latest = await conn.request({ t: 'devices.list' });
    expect(latest.map((x) => [x.name, x.online, x.current])).toEqual([['Phone', true, true]]);
    conn.close();
  });

  it('sends a device that acknowledges more than the flow window; removes ended sessions on request', async () => {
    d = await startInProcessDaemon({ session: { highWatermarkBytes: 16 * KiB, lowWatermarkBytes: 4 * KiB } });
    const { conn } = await d.pair('Phone');
    const info = await conn.request({ t: 'session.create', command: agent('bulk 200', 'exit 4'), cols: 80, rows: 24 });
    const w = watch(conn, info.id, true);
    conn.send({ t: 'session.attach', sessionId: info.id, afterSeq: 0 });
    // Only acks let more than 16 KiB through.
    await expect.poll(() => w.exit, { timeout: 10_000 }).toEqual({ exitCode: 4, signal: null });
    expect(w.bytes.length).toBeGreaterThan(200 * KiB);
    expect(w.bytes.length).toBe(w.seq);
    const owner = await ControlClient.connect(d.home);
    expect(await owner.request({ t: 'status' })).toMatchObject({ sessions: 1, sessionsRunning: 0 });
    const running = await conn.request({ t: 'session.create', command: agent(), cols: 80, rows: 24 });
    expect(await owner.request({ t: 'status' })).toMatchObject({ sessions: 2, sessionsRunning: 1 });
    const refused = await requestError(conn.request({ t: 'session.remove', sessionId: running.id }));
    expect(refused.code).toBe('failed');
    expect(refused.message).toMatch(/is still running/);
    expect(await conn.request({ t: 'session.remove', sessionId: info.id })).toBe(null);
    expect((await conn.request({ t: 'sessions.list' })).map((x) => x.id)).toEqual([running.id]);
    owner.close();
    conn.close();
  });

  it('answers a request that fails for an unforeseen reason with internal, and logs the details', async () => {
    d = await startInProcessDaemon();
    const { conn } = await d.pair('Phone');
    const owner = await ControlClient.connect(d.home);
    // The device records can no longer be written: renaming fails inside the daemon.
    rmSync(join(d.home, 'devices'), { recursive: true, force: true });
    const err = await requestError(owner.request({ t: 'device.rename', deviceId: conn.welcome.deviceId!, name: 'x' }));
    expect(err).toMatchObject({
      code: 'internal',
      message: 'Something went wrong on the computer. The details are in the paseo log.',
    });
    expect(d.log.lines.some((l) => l.level === 'error' && l.text.startsWith('handling device.rename failed'))).toBe(
      true,
    );
    // The daemon goes on.
    expect((await owner.request({ t: 'status' })).devices).toBe(1);
    owner.close();
    conn.close();
  });

  it('closes every connection with shutdown when it stops', async () => {
    d = await startInProcessDaemon();
    const { conn } = await d.pair('Phone');
    const end = new Promise<ConnectionError>((res) => conn.onClose(res));
    await d.daemon.stop();
    expect((await end).kind).toBe('shutdown');
  });
});
