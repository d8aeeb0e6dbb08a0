// PaseoConnection, step by step, against a scripted daemon on a loopback WebSocket (the real responder
// handshake and channel): welcome hands the connection over; each way an attempt can fail gives its
// ConnectionError; a CLOSE frame explains the close that follows (and never un-pairs: only the encrypted
// `revoked` and an authenticated handshake refusal do); requests end with the connection.
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { closeFrame, ResponderHandshake, type SecureChannel } from '../../src/channel/channel.js';
import { ConnectionError, PaseoConnection, type WebSocketConstructor } from '../../src/channel/client.js';
import { decodeWireFrame, FrameType } from '../../src/channel/frame.js';
import { generateKeyPair } from '../../src/channel/noise.js';

const daemonKeys = generateKeyPair();
const servers: WebSocketServer[] = [];

/** What the scripted daemon does with the device's first frame and the messages after it accepted. */
type Script = (peer: {
  ws: WebSocket;
  first: { type: number; body: Uint8Array };
  accept(): void;
  onMessage(cb: (header: Record<string, unknown>, channel: SecureChannel) => void): void;
}) => void;

async function daemon(script: Script): Promise<string> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  servers.push(wss);
  await new Promise((res) => wss.once('listening', res));
  wss.on('connection', (ws) => {
    let channel: SecureChannel | undefined;
    let onMessage: ((header: Record<string, unknown>, c: SecureChannel) => void) | undefined;
    ws.on('message', (data: Buffer) => {
      const frame = decodeWireFrame(new Uint8Array(data));
      if (!channel && frame.type !== FrameType.DATA) {
        const responder = new ResponderHandshake(daemonKeys);
        responder.readInit(frame.type, frame.body);
        script({
          ws,
          first: frame,
          accept() {
            const { frame: reply, channel: ch } = responder.accept({ deviceId: 'dev1', deviceName: 'Phone' });
            channel = ch;
            ws.send(reply);
          },
          onMessage: (cb) => (onMessage = cb),
        });
        return;
      }
      const msg = channel?.open(frame.body);
      if (channel && msg) onMessage?.(msg.header, channel);
    });
  });
  return `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ws`;
}

function open(url: string, extra: { code?: string } = {}): Promise<PaseoConnection> {
  return PaseoConnection.open({
    url,
    daemonPublicKey: daemonKeys.publicKey,
    keys: generateKeyPair(),
    clientName: 'paseo-unit/1',
    WebSocketImpl: WebSocket as unknown as WebSocketConstructor,
    ...(extra.code ? { pairing: { code: extra.code, deviceName: 'Phone' } } : {}),
  });
}

async function refusal(p: Promise<unknown>): Promise<ConnectionError> {
  const err = await p.then(
    () => expect.unreachable('the connection should have failed'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConnectionError);
  return err as ConnectionError;
}

const welcome = { t: 'welcome', daemonId: 'd1', version: '0.1.0', hostname: 'box', deviceId: 'dev1' };

afterEach(async () => {
  for (const wss of servers.splice(0)) {
    for (const c of wss.clients) c.terminate();
    await new Promise((res) => wss.close(res));
  }
});

describe('PaseoConnection.open', () => {
  it('hands the connection over after welcome; requests work and end with the close the daemon explained', async () => {
    const url = await daemon(({ ws, accept, onMessage }) => {
      accept();
      onMessage((header, channel) => {
        if (header.t === 'hello') for (const f of channel.seal(welcome)) ws.send(f);
        if (header.t === 'sessions.list')
          for (const f of channel.seal({ t: 'result', rid: header.rid, data: [] })) ws.send(f);
        if (header.t === 'devices.list') {
          ws.send(closeFrame('revoked', 'This device was removed.'));
          ws.close(4003);
        }
      });
    });
    const conn = await open(url);
    expect(conn.welcome).toEqual(welcome);
    await expect(conn.request({ t: 'sessions.list' })).resolves.toEqual([]);
    const closed = new Promise<ConnectionError>((res) => conn.onClose(res));
    const pending = await refusal(conn.request({ t: 'devices.list' }));
    // A plaintext CLOSE is display text: its message is shown, but "revoked" there un-pairs nothing.
    expect(pending).toMatchObject({ kind: 'closed', message: 'This device was removed.', authenticated: false });
    expect(pending.needsPairing).toBe(false);
    expect(await closed).toBe(pending);
    expect(conn.isOpen).toBe(false);
  });

  it('un-pairs on the encrypted `revoked` message, not on the CLOSE that follows it', async () => {
    const url = await daemon(({ ws, accept, onMessage }) => {
      accept();
      onMessage((header, channel) => {
        if (header.t === 'hello') for (const f of channel.seal(welcome)) ws.send(f);
        if (header.t === 'sessions.list') {
          for (const f of channel.seal({ t: 'revoked', message: 'This device was removed.' })) ws.send(f);
          ws.send(closeFrame('closed', 'Something else.'));
          ws.close(4003);
        }
      });
    });
    const conn = await open(url);
    const closed = new Promise<ConnectionError>((res) => conn.onClose(res));
    conn.send({ t: 'sessions.list', rid: 1 });
    const err = await closed;
    expect(err).toMatchObject({ kind: 'revoked', message: 'This device was removed.', authenticated: true });
    expect(err.needsPairing).toBe(true);
  });

  it('says the computer is unreachable when nothing listens', async () => {
    const url = await daemon(() => {});
    const port = new URL(url).port;
    await new Promise((res) => servers.pop()!.close(res));
    const err = await refusal(open(`ws://127.0.0.1:${port}/ws`));
    expect(err.kind).toBe('unreachable');
    expect(err.message).toMatch(/Could not reach the computer/);
  });

  it('passes on an authenticated refusal from the handshake reply', async () => {
    const url = await daemon(({ ws, first }) => {
      const responder = new ResponderHandshake(daemonKeys);
      responder.readInit(first.type, first.body);
      ws.send(responder.refuse('needs-pairing', 'This device needs to be paired again.'));
      ws.close(4001);
    });
    const err = await refusal(open(url));
    expect(err).toMatchObject({
      kind: 'needs-pairing',
      message: 'This device needs to be paired again.',
      authenticated: true,
    });
    expect(err.needsPairing).toBe(true);
  });

  it('does not un-pair on a plaintext CLOSE saying needs-pairing instead of the reply', async () => {
    const url = await daemon(({ ws }) => {
      ws.send(closeFrame('needs-pairing', 'This device needs to be paired again.'));
      ws.close(4001);
    });
    const err = await refusal(open(url));
    expect(err).toMatchObject({ kind: 'closed', message: 'This device needs to be paired again.' });
    expect(err.needsPairing).toBe(false);
  });

  it('gives the reason of a CLOSE frame sent before the close', async () => {
    const url = await daemon(({ ws }) => {
      ws.send(closeFrame('bad-code', 'That pairing code is wrong or has expired.'));
      ws.close(4004);
    });
    const err = await refusal(open(url, { code: 'K3X9-M2B7' }));
    expect(err).toMatchObject({ kind: 'bad-code', message: 'That pairing code is wrong or has expired.' });
  });

  it('says the connection closed before it was ready when the daemon hangs up silently', async () => {
    const url = await daemon(({ ws }) => ws.close(1000));
    const err = await refusal(open(url));
    expect(err).toMatchObject({ kind: 'closed', message: 'The connection closed before it was ready.' });
  });

  it('passes on an error the daemon sends instead of welcome', async () => {
    const url = await daemon(({ ws, accept, onMessage }) => {
      accept();
      onMessage((header, channel) => {
        if (header.t !== 'hello') return;
        for (const f of channel.seal({ t: 'error', code: 'not-allowed', message: 'This device was removed.' }))
          ws.send(f);
      });
    });
    const err = await refusal(open(url));
    expect(err).toMatchObject({ kind: 'closed', message: 'This device was removed.' });
  });

  it('refuses a frame that is not the handshake reply as a protocol error', async () => {
    const url = await daemon(({ ws }) => ws.send(new Uint8Array([FrameType.DATA, 1, 2, 3])));
    const err = await refusal(open(url));
    expect(err).toMatchObject({ kind: 'protocol', message: 'The computer did not answer the handshake.' });
  });

  it('refuses a malformed pairing code before opening a socket', async () => {
    const err = await refusal(open('ws://127.0.0.1:9/ws', { code: 'not a code' }));
    expect(err).toMatchObject({ kind: 'bad-code', message: 'That is not a valid pairing code.' });
  });
});

describe('PaseoConnection heartbeat', () => {
  it('stays open while the daemon answers its pings, and ends as lost when the link stalls', async () => {
    let answering = true;
    let pings = 0;
    const url = await daemon(({ ws, accept, onMessage }) => {
      accept();
      onMessage((header, channel) => {
        if (header.t === 'hello') for (const f of channel.seal(welcome)) ws.send(f);
        if (header.t === 'ping' && answering) {
          pings++;
          for (const f of channel.seal({ t: 'pong', nonce: header.nonce as number })) ws.send(f);
        }
      });
    });
    const conn = await open(url);
    let lost: ConnectionError | undefined;
    conn.onClose((err) => (lost = err));
    // Several deadlines pass while the daemon answers: the connection stays.
    await expect.poll(() => pings, { timeout: 10_000 }).toBeGreaterThanOrEqual(4);
    expect(conn.isOpen).toBe(true);
    // The daemon goes silent without closing (a stalled link): the device gives up on its own.
    answering = false;
    await expect.poll(() => lost, { timeout: 10_000 }).toBeDefined();
    expect(lost).toMatchObject({ kind: 'unreachable', message: 'Lost the connection to the computer.' });
  });
});

/** A scripted daemon that welcomes, answers pings, and runs `after` for every other message. */
function welcoming(after: (header: Record<string, unknown>, channel: SecureChannel, ws: WebSocket) => void) {
  return daemon(({ ws, accept, onMessage }) => {
    accept();
    onMessage((header, channel) => {
      if (header.t === 'hello') {
        expect(header.client).toBe('paseo-unit/1');
        for (const f of channel.seal(welcome)) ws.send(f);
      } else if (header.t === 'ping') {
        for (const f of channel.seal({ t: 'pong', nonce: header.nonce as number })) ws.send(f);
      } else after(header, channel, ws);
    });
  });
}

describe('PaseoConnection after welcome', () => {
  it('passes pushed messages to listeners, whole however many fragments, until they stop listening', async () => {
    const big = new Uint8Array(200_000).map((_, i) => i & 0xff);
    const url = await welcoming((header, channel, ws) => {
      if (header.t === 'session.attach') {
        for (const f of channel.seal({ t: 'session.output', sessionId: 's1', seq: big.length }, big)) ws.send(f);
        for (const f of channel.seal({ t: 'session.exit', sessionId: 's1', exitCode: 0, signal: null })) ws.send(f);
      }
    });
    const conn = await open(url);
    const got: { t: string; bytes: number }[] = [];
    const stop = conn.onMessage((msg, body) => got.push({ t: msg.t, bytes: body.length }));
    const second: string[] = [];
    conn.onMessage((msg) => second.push(msg.t));
    conn.send({ t: 'session.attach', sessionId: 's1' });
    await expect.poll(() => second).toEqual(['session.output', 'session.exit']);
    expect(got).toEqual([
      { t: 'session.output', bytes: big.length },
      { t: 'session.exit', bytes: 0 },
    ]);
    stop();
    conn.send({ t: 'session.attach', sessionId: 's1' });
    await expect.poll(() => second).toHaveLength(4);
    expect(got).toHaveLength(2);
    conn.close();
  });

  it('closes on request: listeners hear it once, later ones at once, sends are dropped, requests fail', async () => {
    const url = await welcoming(() => {});
    const conn = await open(url);
    const heard: ConnectionError[] = [];
    conn.onClose((e) => heard.push(e));
    const unheard: ConnectionError[] = [];
    conn.onClose((e) => unheard.push(e))();
    conn.close();
    conn.close();
    expect(conn.isOpen).toBe(false);
    expect(heard).toHaveLength(1);
    expect(heard[0]).toMatchObject({ kind: 'closed', message: 'The connection was closed.', authenticated: false });
    expect(unheard).toEqual([]);
    const late = await new Promise<ConnectionError>((res) => conn.onClose(res));
    expect(late).toBe(heard[0]);
    conn.send({ t: 'ping', nonce: 1 }); // dropped, no throw
    expect(await refusal(conn.request({ t: 'sessions.list' }))).toBe(heard[0]);
  });

  it('ends with protocol when the daemon sends something that is not an encrypted message', async () => {
    for (const bad of ['text', 'handshake-frame', 'garbage'] as const) {
      const url = await welcoming((header, _channel, ws) => {
        if (header.t !== 'sessions.list') return;
        if (bad === 'text') ws.send('not binary');
        else if (bad === 'handshake-frame') ws.send(Uint8Array.of(FrameType.HANDSHAKE_REPLY, 1, 2));
        else ws.send(Uint8Array.of(FrameType.DATA, 1, 2, 3));
      });
      const conn = await open(url);
      const err = await refusal(conn.request({ t: 'sessions.list' }));
      expect(err.kind, bad).toBe('protocol');
      expect(err.needsPairing).toBe(false);
      expect(conn.isOpen).toBe(false);
    }
  });

  it('ends when the daemon closes the socket without a word', async () => {
    const url = await welcoming((header, _channel, ws) => {
      if (header.t === 'sessions.list') ws.close(1000);
    });
    const conn = await open(url);
    const err = await refusal(conn.request({ t: 'sessions.list' }));
    expect(err).toMatchObject({ kind: 'closed', message: 'The connection to the computer closed.' });
  });
});

describe('PaseoConnection.open, more refusals', () => {
  it('refuses a first message on the channel that is not welcome, and a non-DATA frame before it', async () => {
    const notWelcome = await daemon(({ ws, accept, onMessage }) => {
      accept();
      onMessage((_header, channel) => {
        for (const f of channel.seal({ t: 'pong', nonce: 1 })) ws.send(f);
      });
    });
    expect(await refusal(open(notWelcome))).toMatchObject({
      kind: 'protocol',
      message: 'The computer did not say welcome.',
    });
    const frameBefore = await daemon(({ ws, accept, onMessage }) => {
      accept();
      onMessage(() => ws.send(Uint8Array.of(FrameType.HANDSHAKE_REPLY, 0)));
    });
    expect(await refusal(open(frameBefore))).toMatchObject({
      kind: 'protocol',
      message: 'Unexpected frame before welcome.',
    });
  });

  it('sends a long client name cut to what hello allows', async () => {
    let client: unknown;
    const url = await daemon(({ ws, accept, onMessage }) => {
      accept();
      onMessage((header, channel) => {
        client = header.client;
        for (const f of channel.seal(welcome)) ws.send(f);
      });
    });
    const conn = await PaseoConnection.open({
      url,
      daemonPublicKey: daemonKeys.publicKey,
      keys: generateKeyPair(),
      clientName: 'x'.repeat(100),
      WebSocketImpl: WebSocket as unknown as WebSocketConstructor,
    });
    expect(client).toBe('x'.repeat(64));
    conn.close();
  });

  it('says so when there is no WebSocket to open', async () => {
    const saved = Object.getOwnPropertyDescriptor(globalThis, 'WebSocket');
    Reflect.deleteProperty(globalThis, 'WebSocket');
    try {
      const err = await refusal(
        PaseoConnection.open({
          url: 'ws://127.0.0.1:9/ws',
          daemonPublicKey: daemonKeys.publicKey,
          keys: generateKeyPair(),
          clientName: 'x',
        }),
      );
      expect(err).toMatchObject({ kind: 'unreachable', message: 'This browser cannot open WebSockets.' });
    } finally {
      if (saved) Object.defineProperty(globalThis, 'WebSocket', saved);
    }
  });

  it('refuses a daemon key of the wrong size before opening a socket', async () => {
    const err = await refusal(
      PaseoConnection.open({
        url: 'ws://127.0.0.1:9/ws',
        daemonPublicKey: new Uint8Array(5),
        keys: generateKeyPair(),
        clientName: 'x',
        WebSocketImpl: WebSocket as unknown as WebSocketConstructor,
      }),
    );
    expect(err).toMatchObject({ kind: 'bad-code', message: 'Could not start a secure connection.' });
  });
});
