// A device's connection to the real daemon, in this process (Daemon.start, a real WebSocket, the real
// client): the device record is written at `hello`, never at the handshake; a device removed between its
// handshake and its `hello` is turned away; an idle socket is closed with `timeout`; a key paired twice
// keeps one record; refusals say why; the daemon keeps running through all of it.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLOSE_CODES } from '../../src/channel/channel.js';
import { ConnectionError } from '../../src/channel/client.js';
import { encodeWireFrame, FrameType } from '../../src/channel/frame.js';
import { generateKeyPair } from '../../src/channel/noise.js';
import {
  type InProcessDaemon,
  type RawSocket,
  rejection,
  startInProcessDaemon,
} from '../fixtures/daemon-in-process.js';

/** The handshake timeout of these daemons: long enough for any handshake here, short enough to wait for. */
const HANDSHAKE_TIMEOUT_MS = 800;

let d: InProcessDaemon;
beforeEach(async () => {
  d = await startInProcessDaemon({ handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS });
});
afterEach(async () => {
  await d?.stop();
});

/** The device files in PASEO_HOME/devices. */
const deviceFiles = () => readdirSync(join(d.home, 'devices'));

const refusal = (p: Promise<unknown>) => rejection(p, ConnectionError);

/** A paired device's raw connection, past its hello and welcome. */
async function welcomedRaw(): Promise<RawSocket> {
  const { keys, conn } = await d.pair('Phone');
  conn.close();
  const raw = await d.raw();
  await raw.connectHandshake(keys);
  raw.send({ t: 'hello', client: 'raw/1' });
  await expect.poll(() => raw.received[0]?.t).toBe('welcome');
  return raw;
}

describe('pairing over a device connection', () => {
  it('stores the device at its hello, not at the handshake', async () => {
    const raw = await d.raw();
    await raw.pairHandshake(generateKeyPair(), d.pairingCode(), 'Half-paired');
    // Message 2 is out: the channel is up, but the device has not proved it holds the keys.
    expect(d.daemon.devices.list()).toEqual([]);
    expect(deviceFiles()).toEqual([]);
    raw.send({ t: 'hello', client: 'raw/1' });
    await expect.poll(() => raw.received[0]).toMatchObject({ t: 'welcome', deviceName: 'Half-paired' });
    expect(d.daemon.devices.list().map((x) => x.name)).toEqual(['Half-paired']);
    expect(deviceFiles()).toHaveLength(1);
    await raw.close();
  });

  it('stores nothing for a device that closes after message 2 without hello', async () => {
    const raw = await d.raw();
    await raw.pairHandshake(generateKeyPair(), d.pairingCode(), 'Gone');
    await raw.close();
    await expect.poll(() => d.daemon.connections.size).toEqual({ pending: 0, open: 0 });
    expect(d.daemon.devices.list()).toEqual([]);
    expect(deviceFiles()).toEqual([]);
    expect(d.daemon.deviceInfos()).toEqual([]);
  });

  it('keeps one record when the same key pairs twice, and closes the old record’s connections', async () => {
    const keys = generateKeyPair();
    const first = await d.pair('Tablet', keys);
    const firstEnd = new Promise<ConnectionError>((res) => first.conn.onClose(res));
    const second = await d.pair('Tablet again', keys);
    expect(second.conn.welcome.deviceId).not.toBe(first.conn.welcome.deviceId);
    const end = await firstEnd;
    expect(end.kind).toBe('closed');
    expect(end.needsPairing).toBe(false);
    expect(d.daemon.devices.list().map((x) => x.id)).toEqual([second.conn.welcome.deviceId]);
    expect(deviceFiles()).toEqual([`${second.conn.welcome.deviceId}.json`]);
    expect((await second.conn.request({ t: 'devices.list' })).map((x) => x.name)).toEqual(['Tablet again']);
    // The key reconnects to the new record, and the second pairing's connection stayed open.
    const again = await d.connect(keys);
    expect(again.welcome.deviceId).toBe(second.conn.welcome.deviceId);
    expect(second.conn.isOpen).toBe(true);
    again.close();
    second.conn.close();
  });

  it('refuses a wrong and a used code with bad-code, and stores nothing for them', async () => {
    const code = d.pairingCode();
    const wrong = code.startsWith('A') ? 'BBBB-BBBB' : 'AAAA-AAAA';
    const pair = (c: string) => d.raw().then((raw) => raw.pairHandshake(generateKeyPair(), c));
    await expect(pair(wrong)).rejects.toThrow(/"kind":"bad-code".*didn't work/);
    const owner = await d.raw(); // the right code still pairs after a wrong guess
    await owner.pairHandshake(generateKeyPair(), code, 'Owner');
    owner.send({ t: 'hello', client: 'raw/1' });
    await expect.poll(() => owner.received[0]?.t).toBe('welcome');
    await expect(pair(code)).rejects.toThrow(/"kind":"bad-code".*already used/);
    expect(d.daemon.devices.list().map((x) => x.name)).toEqual(['Owner']);
    await owner.close();
  });
});

describe('reconnecting devices', () => {
  it('turns away a device whose record is removed between its handshake and its hello', async () => {
    const { keys, conn } = await d.pair('Phone');
    const id = conn.welcome.deviceId!;
    conn.close();
    const raw = await d.raw();
    await raw.connectHandshake(keys);
    d.daemon.devices.remove(id); // the record goes; this connection is not told yet
    raw.send({ t: 'hello', client: 'raw/1' });
    const end = await raw.end();
    expect(end).toMatchObject({ kind: 'needs-pairing', code: CLOSE_CODES['needs-pairing'] });
    expect(end.message).toMatch(/needs to be paired again/);
    expect(raw.received).toEqual([]); // no welcome
    expect(d.daemon.clients.size).toBe(0);
  });

  it('revoking a device closes its connection even before its hello', async () => {
    const { keys, conn } = await d.pair('Phone');
    const id = conn.welcome.deviceId!;
    const connEnd = new Promise<ConnectionError>((res) => conn.onClose(res));
    const raw = await d.raw();
    await raw.connectHandshake(keys);
    expect(d.daemon.revokeDevice(id)).toBe(true);
    expect((await raw.end()).kind).toBe('revoked');
    expect((await connEnd).kind).toBe('revoked');
    expect(d.daemon.revokeDevice(id)).toBe(false);
    const err = await refusal(d.connect(keys));
    expect(err.kind).toBe('needs-pairing');
    expect(err.needsPairing).toBe(true);
  });

  it('refuses an unknown key with needs-pairing', async () => {
    const err = await refusal(d.connect(generateKeyPair()));
    expect(err.kind).toBe('needs-pairing');
    expect(err.message).toMatch(/needs to be paired again/);
    expect(d.daemon.connections.size).toEqual({ pending: 0, open: 0 });
  });

  it('marks the device online while connected and records when it was last seen', async () => {
    const { keys, conn } = await d.pair('Phone');
    const id = conn.welcome.deviceId!;
    expect(d.daemon.deviceInfos(id)).toEqual([expect.objectContaining({ id, online: true, current: true })]);
    expect(d.daemon.connections.size).toEqual({ pending: 0, open: 1 });
    const before = d.daemon.devices.get(id)!.lastSeenAt!;
    conn.close();
    await expect.poll(() => d.daemon.deviceInfos()[0]?.online).toBe(false);
    expect(d.daemon.deviceInfos()[0]).not.toHaveProperty('current');
    await new Promise((r) => setTimeout(r, 5));
    const again = await d.connect(keys);
    expect(again.welcome).toMatchObject({ deviceId: id, deviceName: 'Phone' });
    expect(d.daemon.devices.get(id)!.lastSeenAt! > before).toBe(true);
    again.close();
  });
});

describe('the handshake timeout', () => {
  it('closes a socket that sends nothing with timeout', async () => {
    const raw = await d.raw();
    const end = await raw.end();
    expect(end).toMatchObject({ kind: 'timeout', code: CLOSE_CODES.timeout });
    expect(end.message).toMatch(/took too long/);
    expect(d.daemon.connections.size).toEqual({ pending: 0, open: 0 });
  });

  it('closes a connection that finished its handshake but never said hello', async () => {
    const { keys, conn } = await d.pair('Phone');
    conn.close();
    const raw = await d.raw();
    await raw.connectHandshake(keys);
    expect((await raw.end()).kind).toBe('timeout');
    expect(d.daemon.clients.size).toBe(0);
  });

  it('leaves a connection that said hello open past the timeout', async () => {
    const { conn } = await d.pair('Phone');
    let closed: ConnectionError | undefined;
    conn.onClose((e) => (closed = e));
    await new Promise((r) => setTimeout(r, HANDSHAKE_TIMEOUT_MS + 300));
    expect(closed).toBeUndefined();
    expect((await conn.request({ t: 'devices.list' })).map((x) => x.name)).toEqual(['Phone']);
    conn.close();
  });
});

describe('malformed traffic', () => {
  it('closes with protocol on a first message that is not hello, or a handshake sent twice', async () => {
    const { keys, conn } = await d.pair('Phone');
    conn.close();
    const raw = await d.raw();
    await raw.connectHandshake(keys);
    raw.send({ t: 'ping', nonce: 1 });
    expect(await raw.end()).toMatchObject({ kind: 'protocol', message: 'The connection did not start with hello.' });

    const malformedHello = await d.raw();
    await malformedHello.connectHandshake(keys);
    malformedHello.send({ t: 'hello', client: 42 });
    expect((await malformedHello.end()).kind).toBe('protocol');

    const twice = await d.raw();
    await twice.connectHandshake(keys);
    twice.send({ t: 'hello', client: 'raw/1' });
    await expect.poll(() => twice.received[0]?.t).toBe('welcome');
    twice.ws.send(encodeWireFrame(FrameType.CONNECT_INIT, new Uint8Array(96)));
    expect(await twice.end()).toMatchObject({ kind: 'protocol', message: 'The connection sent a handshake twice.' });
  });

  it('closes on garbage and on text with protocol, and on a malformed frame after the handshake', async () => {
    for (const junk of [Uint8Array.of(0xff, 1), encodeWireFrame(FrameType.DATA, new Uint8Array(40))]) {
      const raw = await d.raw();
      raw.ws.send(junk);
      expect((await raw.end()).kind).toBe('protocol');
    }
    const text = await d.raw();
    text.ws.send('hello as text');
    expect(await text.end()).toMatchObject({ kind: 'protocol', code: CLOSE_CODES.protocol });
    const raw = await welcomedRaw();
    raw.ws.send(Uint8Array.of(0x42));
    expect(await raw.end()).toMatchObject({
      kind: 'protocol',
      message: 'The connection was closed because a message was malformed.',
    });
    expect((await fetch(`${d.url}healthz`)).status).toBe(200);
  });

  it('answers a malformed request with bad-request and keeps the connection', async () => {
    const raw = await welcomedRaw();
    raw.send({ t: 'device.rename', rid: 9, deviceId: 'x', name: 42 });
    raw.send({ t: 'no.such.thing', rid: 2 ** 31 });
    raw.send({ t: 'no.such.thing', rid: 2 ** 31 + 1 });
    raw.send({ t: 'no.such.thing', rid: 0 });
    raw.send({ t: 'no.such.thing', rid: 1.5 });
    raw.send({ t: 'ping', nonce: 12 });
    await expect.poll(() => raw.received.some((m) => m.t === 'pong')).toBe(true);
    const errors = raw.received.filter((m) => m.t === 'error');
    expect(errors).toHaveLength(5);
    expect(errors[0]).toMatchObject({ rid: 9, code: 'bad-request', message: expect.stringMatching(/^That request/) });
    expect(errors[1]).toMatchObject({ rid: 2 ** 31, code: 'bad-request' }); // the largest request id
    for (const e of errors.slice(2)) expect(e).not.toHaveProperty('rid');
    expect(raw.ws.readyState).toBe(raw.ws.OPEN);
    await raw.close();
  });

  it('a CLOSE frame from the device ends its connection', async () => {
    const { keys, conn } = await d.pair('Phone');
    conn.close();
    const raw = await d.raw();
    await raw.connectHandshake(keys);
    raw.send({ t: 'hello', client: 'raw/1' });
    await expect.poll(() => d.daemon.clients.size).toBe(1);
    raw.ws.send(encodeWireFrame(FrameType.CLOSE, new Uint8Array(0)));
    await expect.poll(() => d.daemon.clients.size).toBe(0);
    expect(d.daemon.connections.size).toEqual({ pending: 0, open: 0 });
    // A goodbye, not an error: the daemon sends no CLOSE of its own back.
    expect((await raw.close()).kind).toBe('none');
  });
});

describe('tailnet identity headers', () => {
  it('are ignored without the sidecar’s token: a device paired with forged headers has no tailnet identity', async () => {
    const raw = await d.raw({
      'x-paseo-sidecar-token': 'forged',
      'x-paseo-tailnet-user': 'mallory@',
      'x-paseo-tailnet-node': 'Evil laptop',
      'x-paseo-tailnet-addr': '100.64.0.66',
    });
    await raw.pairHandshake(generateKeyPair(), d.pairingCode(), 'Forger');
    raw.send({ t: 'hello', client: 'raw/1' });
    await expect.poll(() => raw.received[0]?.t).toBe('welcome');
    const [device] = d.daemon.devices.list();
    expect(device?.name).toBe('Forger');
    expect(device).not.toHaveProperty('tailnetIdentity');
    expect(d.daemon.deviceInfos()[0]).not.toHaveProperty('tailnetIdentity');
    await raw.close();
  });
});
