// Attacks on the encrypted channel against a real daemon: a tampered, a replayed, a reordered, a
// truncated, an oversized and a malformed frame each close the connection with a clear reason, and the
// daemon keeps running.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { InitiatorHandshake, parseCloseFrame, type SecureChannel } from '../../src/channel/channel.js';
import { decodeWireFrame, encodeWireFrame, FrameType } from '../../src/channel/frame.js';
import type { KeyPair } from '../../src/channel/noise.js';
import { pairDevice, startDaemon, type TestDaemon } from './harness.js';

interface Raw {
  ws: WebSocket;
  channel: SecureChannel;
  /** Headers of the messages received after welcome. */
  received: Record<string, unknown>[];
  /** Resolves with the CLOSE frame's reason (or 'none') and the WebSocket close code. */
  closed: Promise<{ kind: string; message: string; code: number }>;
}

/** Opens a raw connection as a paired device and completes the handshake and hello. */
async function rawConnect(d: TestDaemon, keys: KeyPair): Promise<Raw> {
  const ws = new WebSocket(d.wsUrl);
  ws.binaryType = 'nodebuffer';
  const hs = InitiatorHandshake.connect({ keys, daemonPublicKey: d.daemonPublicKey });
  let advisory = { kind: 'none', message: '' };
  const received: Record<string, unknown>[] = [];
  let welcomed = false;
  const closed = new Promise<{ kind: string; message: string; code: number }>((res) =>
    ws.on('close', (code) => res({ ...advisory, code })),
  );
  const channel = await new Promise<SecureChannel>((resolve, reject) => {
    ws.on('open', () => ws.send(hs.firstFrame));
    ws.on('error', reject);
    let ch: SecureChannel | undefined;
    ws.on('message', (data: Buffer) => {
      const frame = decodeWireFrame(new Uint8Array(data));
      if (frame.type === FrameType.CLOSE) {
        advisory = parseCloseFrame(frame.body);
        return;
      }
      if (!ch) {
        const { channel: c } = hs.readReply(frame.body);
        if (!c) return reject(new Error('refused'));
        ch = c;
        for (const f of ch.seal({ t: 'hello', client: 'attack-test' })) ws.send(f);
        return;
      }
      const msg = ch.open(frame.body);
      if (!msg) return;
      if (welcomed) received.push(msg.header);
      else if (msg.header.t === 'welcome') {
        welcomed = true;
        resolve(ch);
      }
    });
  });
  return { ws, channel, received, closed };
}

async function daemonAlive(d: TestDaemon): Promise<void> {
  const r = await fetch(`${d.url}healthz`);
  expect(r.status).toBe(200);
  expect(d.process.exitCode).toBeNull();
}

describe('attacks on the channel', () => {
  let d: TestDaemon;
  let keys: KeyPair;
  beforeAll(async () => {
    d = await startDaemon();
    const paired = await pairDevice(d);
    keys = paired.keys;
    paired.conn.close();
  });
  afterAll(async () => {
    await d?.stop();
  });

  it('a valid frame is answered', async () => {
    const raw = await rawConnect(d, keys);
    const [frame] = raw.channel.seal({ t: 'ping', nonce: 7 });
    raw.ws.send(frame!);
    await expect.poll(() => raw.received).toContainEqual({ t: 'pong', nonce: 7 });
    raw.ws.close();
  });

  it('a tampered frame closes the connection', async () => {
    const raw = await rawConnect(d, keys);
    const [frame] = raw.channel.seal({ t: 'ping', nonce: 1 });
    const bad = frame!.slice();
    bad[bad.length - 20]! ^= 0x01;
    raw.ws.send(bad);
    const c = await raw.closed;
    expect(c.kind).toBe('protocol');
    expect(c.message).toMatch(/integrity check/);
    await daemonAlive(d);
  });

  it('a replayed frame closes the connection', async () => {
    const raw = await rawConnect(d, keys);
    const [frame] = raw.channel.seal({ t: 'ping', nonce: 2 });
    raw.ws.send(frame!);
    raw.ws.send(frame!);
    const c = await raw.closed;
    expect(c.kind).toBe('protocol');
    await daemonAlive(d);
  });

  it('reordered frames close the connection', async () => {
    const raw = await rawConnect(d, keys);
    const [a] = raw.channel.seal({ t: 'ping', nonce: 3 });
    const [b] = raw.channel.seal({ t: 'ping', nonce: 4 });
    raw.ws.send(b!);
    raw.ws.send(a!);
    const c = await raw.closed;
    expect(c.kind).toBe('protocol');
    await daemonAlive(d);
  });

  it('a truncated frame closes the connection', async () => {
    const raw = await rawConnect(d, keys);
    const [frame] = raw.channel.seal({ t: 'ping', nonce: 5 });
    raw.ws.send(frame!.subarray(0, frame!.length - 3));
    expect((await raw.closed).kind).toBe('protocol');
    await daemonAlive(d);
  });

  it('an oversized frame is refused and the daemon keeps running', async () => {
    const raw = await rawConnect(d, keys);
    const huge = new Uint8Array(70_000);
    huge[0] = FrameType.DATA;
    raw.ws.send(huge);
    const c = await raw.closed;
    expect(c.code).toBe(1009); // "message too big"
    await daemonAlive(d);
  });

  it('garbage before the handshake closes the connection with a reason', async () => {
    for (const junk of [
      new Uint8Array([0xff, 1, 2, 3]),
      new Uint8Array(0),
      encodeWireFrame(FrameType.CONNECT_INIT, new Uint8Array(10)),
    ]) {
      const ws = new WebSocket(d.wsUrl);
      const result = await new Promise<{ kind: string; code: number }>((res) => {
        let kind = 'none';
        ws.on('open', () => ws.send(junk));
        ws.on('message', (data: Buffer) => {
          const f = decodeWireFrame(new Uint8Array(data));
          if (f.type === FrameType.CLOSE) kind = parseCloseFrame(f.body).kind;
        });
        ws.on('close', (code) => res({ kind, code }));
      });
      expect(result.kind).toBe('protocol');
    }
    const ws = new WebSocket(d.wsUrl);
    const textClose = await new Promise<number>((res) => {
      ws.on('open', () => ws.send('hello as text'));
      ws.on('close', (code) => res(code));
    });
    expect(textClose).toBe(4000);
    await daemonAlive(d);
  });

  it('a malformed but authentic request gets an error and the connection stays open', async () => {
    const raw = await rawConnect(d, keys);
    const replies = raw.received;
    for (const f of raw.channel.seal({ t: 'device.rename', rid: 9, deviceId: 'x', name: 42 })) raw.ws.send(f);
    for (const f of raw.channel.seal({ t: 'no.such.thing', rid: 10 })) raw.ws.send(f);
    for (const f of raw.channel.seal({ t: 'pair.create', rid: 11 })) raw.ws.send(f);
    for (const f of raw.channel.seal({ t: 'ping', nonce: 12 })) raw.ws.send(f);
    await expect.poll(() => replies.length).toBeGreaterThanOrEqual(4);
    expect(replies).toContainEqual(expect.objectContaining({ t: 'error', rid: 9, code: 'bad-request' }));
    expect(replies).toContainEqual(expect.objectContaining({ t: 'error', rid: 10, code: 'bad-request' }));
    expect(replies).toContainEqual(expect.objectContaining({ t: 'error', rid: 11, code: 'not-allowed' }));
    expect(replies).toContainEqual(expect.objectContaining({ t: 'pong', nonce: 12 }));
    expect(raw.ws.readyState).toBe(WebSocket.OPEN);
    raw.ws.close();
  });
});
