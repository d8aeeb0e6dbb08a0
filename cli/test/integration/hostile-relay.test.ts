// A hostile relay. Between the real daemon (`paseo up --relay`) and the real `paseo relay` sits a link
// that sees every byte a relay sees and tampers with, replays, reorders, drops, duplicates or truncates
// frames either way, or injects plaintext CLOSE frames; a proxy in front of the relay answers a phone for
// another daemon id; a fake relay puts a responder with its own keys in the daemon's place. Each is
// detected by the endpoints, no plaintext and no pairing code crosses, and none makes the daemon accept a
// device or a device forget its pairing.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { closeFrame, InitiatorHandshake, ResponderHandshake } from '../../src/channel/channel.js';
import type { ConnectionError, PaseoConnection } from '../../src/channel/client.js';
import { decodeWireFrame, FrameType } from '../../src/channel/frame.js';
import { generateKeyPair, type KeyPair } from '../../src/channel/noise.js';
import {
  closePayload,
  decodeRelayFrame,
  encodeRelayFrame,
  parseJsonPayload,
  RELAY_DAEMON_PATH,
  RELAY_SUBPROTOCOL,
  RelayOp,
  relayError,
} from '../../src/channel/relay-protocol.js';
import { RelayPeer } from '../fixtures/relay-peer.js';
import { startDaemon, type TestDaemon } from './harness.js';
import {
  connectThroughRelay,
  failureOf,
  openPhone,
  pairThroughRelay,
  phoneUrl,
  type RelayPairing,
  relayConnected,
  relayPairing,
  startRelay,
  type TestRelay,
} from './relay-harness.js';

type Direction = 'to-daemon' | 'to-phone';
type Attack = 'tamper' | 'replay' | 'reorder' | 'drop' | 'duplicate' | 'truncate';

/**
 * The daemon's link to the relay, through the test's hands: every relay frame either way is recorded and
 * may be changed. Registration passes untouched (it is signed; the test is about the channels).
 */
class HostileLink {
  private readonly server: WebSocketServer;
  readonly ready: Promise<void>;
  /** Every relay frame that crossed, raw, both ways. */
  readonly seen: Buffer[] = [];
  /** DATA payloads per channel and direction, as forwarded. */
  private readonly history = new Map<string, Uint8Array[]>();
  private armed: { dir: Direction; attack: Attack } | undefined;
  private held: { channel: number; payload: Uint8Array } | undefined;
  private daemonWs: WebSocket | undefined;
  private relayWs: WebSocket | undefined;

  constructor(private readonly relayWsUrl: string) {
    this.server = new WebSocketServer({
      host: '127.0.0.1',
      port: 0,
      perMessageDeflate: false,
      handleProtocols: (p) => (p.has(RELAY_SUBPROTOCOL) ? RELAY_SUBPROTOCOL : false),
    });
    this.ready = new Promise((res) => this.server.once('listening', () => res()));
    this.server.on('connection', (ws) => this.link(ws));
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The next DATA frame going `dir` (after the channel is up) meets `attack`. */
  arm(dir: Direction, attack: Attack): void {
    this.armed = { dir, attack };
  }

  disarm(): void {
    this.armed = undefined;
    this.held = undefined;
  }

  /** Sends a frame of the test's own towards one side. */
  inject(dir: Direction, channel: number, op: number, payload: Uint8Array): void {
    const frame = encodeRelayFrame(op as never, channel, payload);
    (dir === 'to-daemon' ? this.daemonWs : this.relayWs)?.send(frame);
  }

  /** The channel ids opened so far, newest last. */
  channels(): number[] {
    return [...new Set([...this.history.keys()].map((k) => Number(k.split(':')[0])))];
  }

  /** The DATA payloads that went `dir` on `channel`. */
  data(channel: number, dir: Direction): Uint8Array[] {
    return this.history.get(`${channel}:${dir}`) ?? [];
  }

  close(): Promise<void> {
    for (const c of this.server.clients) c.terminate();
    this.relayWs?.terminate();
    return new Promise((res) => this.server.close(() => res()));
  }

  private link(daemon: WebSocket): void {
    this.daemonWs = daemon;
    const relay = new WebSocket(`${this.relayWsUrl}${RELAY_DAEMON_PATH}`, RELAY_SUBPROTOCOL, {
      perMessageDeflate: false,
    });
    this.relayWs = relay;
    const early: Buffer[] = [];
    relay.on('open', () => {
      for (const b of early.splice(0)) relay.send(b);
    });
    daemon.on('message', (data: Buffer) => {
      if (relay.readyState === WebSocket.OPEN) this.pass('to-phone', data, (b) => relay.send(b));
      else early.push(data);
    });
    relay.on('message', (data: Buffer) => this.pass('to-daemon', data, (b) => daemon.send(b)));
    daemon.on('close', () => relay.terminate());
    relay.on('close', () => daemon.terminate());
    daemon.on('error', () => {});
    relay.on('error', () => {});
  }

  private pass(dir: Direction, data: Buffer, send: (b: Uint8Array) => void): void {
    this.seen.push(Buffer.from(data));
    const f = decodeRelayFrame(new Uint8Array(data));
    if (f.op !== RelayOp.DATA) {
      send(data);
      return;
    }
    const key = `${f.channel}:${dir}`;
    const past = this.history.get(key) ?? [];
    this.history.set(key, [...past, f.payload.slice()]);
    const out = (payload: Uint8Array) => send(encodeRelayFrame(RelayOp.DATA, f.channel, payload));
    for (const payload of this.attack(dir, f.channel, f.payload, past.at(-1))) out(payload);
  }

  /** What goes on instead of `payload` (nothing, twice, changed, with an old one, or a held one after it). */
  private attack(dir: Direction, channel: number, payload: Uint8Array, earlier: Uint8Array | undefined): Uint8Array[] {
    const a = this.armed?.dir === dir ? this.armed.attack : undefined;
    const held = this.held;
    if (!a) return [payload];
    if (a === 'reorder' && held?.channel === channel) {
      this.disarm();
      return [payload, held.payload];
    }
    if (a === 'reorder') {
      this.held = { channel, payload };
      return [];
    }
    this.disarm();
    switch (a) {
      case 'tamper': {
        const t = payload.slice();
        t[t.length - 1]! ^= 0x01;
        return [t];
      }
      case 'truncate':
        return [payload.slice(0, Math.max(2, payload.length - 8))];
      case 'drop':
        return [];
      case 'duplicate':
        return [payload, payload];
      case 'replay':
        return earlier ? [payload, earlier] : [payload];
    }
  }
}

/** How a connection ended. */
function ended(conn: PaseoConnection): Promise<ConnectionError> {
  return new Promise((resolve) => conn.onClose(resolve));
}

/** Requests at once, so frames flow both ways even when one is held back (their failures are expected). */
async function traffic(conn: PaseoConnection): Promise<void> {
  await Promise.allSettled(Array.from({ length: 4 }, () => conn.request({ t: 'sessions.list' })));
}

const ATTACKS: Attack[] = ['tamper', 'replay', 'reorder', 'drop', 'duplicate', 'truncate'];

describe('a hostile relay', () => {
  let relay: TestRelay;
  let hostile: HostileLink;
  let d: TestDaemon;
  let keys: KeyPair;
  let pairing: RelayPairing;
  const deviceName = 'Hostile-test phone Ωmega';
  let devicesBefore: string[];

  const devices = () =>
    d
      .cliJson<{ id: string }[]>(['devices', '--json'])
      .map((x) => x.id)
      .sort();
  const connect = () => connectThroughRelay(relay, pairing.relayId, pairing.daemonPublicKey, keys);

  beforeAll(async () => {
    relay = await startRelay();
    hostile = new HostileLink(relay.wsUrl);
    await hostile.ready;
    d = await startDaemon({ args: ['--relay', hostile.url] });
    await relayConnected(d);
    keys = generateKeyPair();
    const first = await pairThroughRelay(d, relay, keys, deviceName);
    pairing = first.pairing;
    first.conn.close();
    devicesBefore = devices();
  });
  afterAll(async () => {
    await d?.stop();
    await hostile?.close();
    await relay?.stop();
  });

  for (const dir of ['to-daemon', 'to-phone'] as const) {
    for (const attack of ATTACKS) {
      it(`${attack} on a frame ${dir === 'to-daemon' ? 'from the phone' : 'to the phone'}: the ${dir === 'to-daemon' ? 'daemon' : 'phone'} closes the channel, and nobody forgets anything`, async () => {
        const conn = await connect();
        const end = ended(conn);
        hostile.arm(dir, attack);
        void traffic(conn);
        const err = await end;
        hostile.disarm();
        expect(err.kind).toBe('protocol');
        expect(err.needsPairing).toBe(false);
        // The daemon kept running and its devices; the phone's keys still work.
        expect(devices()).toEqual(devicesBefore);
        const again = await connect();
        expect((await again.request({ t: 'sessions.list' })).length).toBeGreaterThanOrEqual(0);
        again.close();
      });
    }
  }

  it('plaintext CLOSE frames injected either way end the channel at most: the device stays paired', async () => {
    for (const kind of ['revoked', 'needs-pairing'] as const) {
      // Towards the phone, with the close code the daemon would use.
      let conn = await connect();
      let end = ended(conn);
      const ch = hostile.channels().at(-1)!;
      hostile.inject('to-phone', ch, RelayOp.DATA, closeFrame(kind, `Forged by the relay: ${kind}.`));
      hostile.inject('to-phone', ch, RelayOp.CLOSE, closePayload(kind === 'revoked' ? 4003 : 4001, kind));
      let err = await end;
      expect(err.kind).toBe('closed');
      expect(err.needsPairing).toBe(false);
      // Towards the daemon: it ends that connection and changes nothing else.
      conn = await connect();
      end = ended(conn);
      hostile.inject('to-daemon', hostile.channels().at(-1)!, RelayOp.DATA, closeFrame(kind, 'Forged.'));
      err = await end;
      expect(err.needsPairing).toBe(false);
      expect(devices()).toEqual(devicesBefore);
    }
    const again = await connect();
    again.close();
  });

  it('replayed handshakes make the daemon accept nobody: a used pairing and a paired device’s connect', async () => {
    // A fresh pairing through the link, recorded.
    const newKeys = generateKeyPair();
    const { conn } = await pairThroughRelay(d, relay, newKeys, 'Recorded phone');
    const ch = hostile.channels().at(-1)!;
    conn.close();
    const recorded = hostile.data(ch, 'to-daemon');
    expect(decodeWireFrame(recorded[0]!).type).toBe(FrameType.PAIR_INIT);
    const after = devices();

    // The relay replays the recorded pairing (message 1 and hello) as a new phone.
    const replay = async (frames: Uint8Array[]): Promise<number[]> => {
      const ws = new WebSocket(phoneUrl(relay, pairing.relayId));
      const types: number[] = [];
      ws.on('message', (data: Buffer) => types.push(new Uint8Array(data)[0]!));
      await new Promise((r) => ws.once('open', r));
      for (const f of frames) ws.send(f);
      await new Promise((r) => ws.once('close', r));
      return types;
    };
    expect(await replay(recorded.slice(0, 2))).toEqual([FrameType.CLOSE]); // bad-code: the code was used
    // And a paired device's recorded connect: the daemon answers message 1, but the replayed hello
    // cannot be read on the new keys, so the connection closes before it is ever welcomed.
    const connectConn = await connect();
    const cch = hostile.channels().at(-1)!;
    connectConn.close();
    const connectFrames = hostile.data(cch, 'to-daemon');
    expect(decodeWireFrame(connectFrames[0]!).type).toBe(FrameType.CONNECT_INIT);
    expect(await replay(connectFrames.slice(0, 2))).toEqual([FrameType.HANDSHAKE_REPLY, FrameType.CLOSE]);
    expect(devices()).toEqual(after);
    expect(after).toHaveLength(devicesBefore.length + 1);
  });

  it('cannot register under the daemon’s id by replaying its registration', async () => {
    const register = hostile.seen.find((b) => b[0] === RelayOp.REGISTER);
    expect(register).toBeDefined();
    const peer = await RelayPeer.connect(relay.wsUrl);
    await peer.next((f) => f.op === RelayOp.CHALLENGE);
    peer.ws.send(register!);
    const answer = await peer.next((f) => f.op === RelayOp.ERROR || f.op === RelayOp.REGISTERED);
    expect(answer.op).toBe(RelayOp.ERROR);
    expect(parseJsonPayload(answer.payload, relayError).code).toBe('bad-signature');
    await relayConnected(d); // the daemon kept its place
  });

  it('sees no plaintext and no pairing code: only handshakes and ciphertext cross the relay', async () => {
    const before = hostile.seen.length;
    const newKeys = generateKeyPair();
    const secretName = 'Canary device name 7f3a';
    const p = relayPairing(d);
    const conn = await openPhone(phoneUrl(relay, p.relayId), p.daemonPublicKey, newKeys, {
      code: p.code,
      deviceName: secretName,
    });
    const info = await conn.request({ t: 'session.create', command: ['/bin/sh'], cwd: '/', cols: 80, rows: 24 });
    let text = '';
    conn.onMessage((msg, body) => {
      if (msg.t === 'session.output') text += new TextDecoder().decode(body);
    });
    conn.send({ t: 'session.attach', sessionId: info.id, cols: 80, rows: 24 });
    conn.send({ t: 'session.input', sessionId: info.id }, new TextEncoder().encode('echo canary-$((6*7))-typed\r'));
    await expect.poll(() => text, { timeout: 10_000 }).toContain('canary-42-typed');
    await conn.request({ t: 'session.kill', sessionId: info.id });
    conn.close();

    const bytes = Buffer.concat(hostile.seen.slice(before));
    expect(bytes.length).toBeGreaterThan(2000);
    for (const secret of [
      p.code,
      p.code.replace('-', ''),
      secretName,
      'canary',
      'echo',
      'session.create',
      'sessions',
      '"t":',
      'hello',
      'welcome',
    ]) {
      expect(bytes.includes(Buffer.from(secret)), secret).toBe(false);
    }
    // Every wire frame the relay carried was a handshake message or a Noise transport message.
    const channel = hostile.channels().at(-1)!;
    for (const dir of ['to-daemon', 'to-phone'] as const) {
      for (const f of hostile.data(channel, dir)) {
        expect([FrameType.PAIR_INIT, FrameType.HANDSHAKE_REPLY, FrameType.DATA]).toContain(decodeWireFrame(f).type);
      }
    }
  });
});

describe('a relay that sends a phone somewhere else', () => {
  let relay: TestRelay;
  let a: TestDaemon;
  let b: TestDaemon;
  let keys: KeyPair;
  let pa: RelayPairing;
  let proxy: WebSocketServer;

  beforeAll(async () => {
    relay = await startRelay();
    a = await startDaemon({ args: ['--relay', relay.wsUrl] });
    b = await startDaemon({ args: ['--relay', relay.wsUrl] });
    await relayConnected(a);
    await relayConnected(b);
    keys = generateKeyPair();
    const first = await pairThroughRelay(a, relay, keys, 'Phone of A');
    pa = first.pairing;
    first.conn.close();
    const pb = relayPairing(b);
    // In front of the relay: every phone asking for A is answered by B.
    proxy = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
    await new Promise((r) => proxy.once('listening', r));
    proxy.on('connection', (phone, req) => {
      const path = (req.url ?? '').replace(pa.relayId, pb.relayId);
      const up = new WebSocket(`${relay.wsUrl}${path}`);
      const early: Buffer[] = [];
      phone.on('message', (m: Buffer) => (up.readyState === WebSocket.OPEN ? up.send(m) : early.push(m)));
      up.on('open', () => {
        for (const m of early.splice(0)) up.send(m);
      });
      up.on('message', (m: Buffer) => phone.send(m));
      up.on('close', (code) => phone.close(code >= 4000 || code === 1000 ? code : 1000));
      phone.on('close', () => up.terminate());
      up.on('error', () => {});
      phone.on('error', () => {});
    });
  });
  afterAll(async () => {
    proxy?.close();
    await a?.stop();
    await b?.stop();
    await relay?.stop();
  });

  const proxyWs = () => ({ wsUrl: `ws://127.0.0.1:${(proxy.address() as AddressInfo).port}` });

  it('another daemon cannot answer a paired phone, nor take its pairing code', async () => {
    const devicesOf = (x: TestDaemon) => x.cliJson<unknown[]>(['devices', '--json']).length;
    const [na, nb] = [devicesOf(a), devicesOf(b)];
    const err = await failureOf(connectThroughRelay(proxyWs(), pa.relayId, pa.daemonPublicKey, keys));
    expect(err?.kind).toBe('protocol');
    expect(err?.needsPairing).toBe(false);

    // A fresh code of A, sent to B: B cannot read it, and A's code stays good.
    const p = relayPairing(a);
    const pairErr = await failureOf(
      openPhone(phoneUrl(proxyWs(), p.relayId), p.daemonPublicKey, generateKeyPair(), {
        code: p.code,
        deviceName: 'Misrouted',
      }),
    );
    expect(pairErr?.kind).toBe('protocol');
    expect([devicesOf(a), devicesOf(b)]).toEqual([na, nb]);
    const ok = failureOf(
      openPhone(phoneUrl(relay, p.relayId), p.daemonPublicKey, generateKeyPair(), {
        code: p.code,
        deviceName: 'Rightly routed',
      }),
    );
    expect(await ok).toBeUndefined();
    // The phone of A still reaches A through the honest relay.
    (await connectThroughRelay(relay, pa.relayId, pa.daemonPublicKey, keys)).close();
  });
});

describe('a relay that puts a responder of its own in the daemon’s place', () => {
  let fake: WebSocketServer;
  const daemonKeys = generateKeyPair(); // the key the phone pinned
  const impostorKeys = generateKeyPair();
  const relayId = 'abcdefghijkmnpqrstuv';
  const received: number[] = [];

  beforeAll(async () => {
    fake = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
    await new Promise((r) => fake.once('listening', r));
    fake.on('connection', (phone) => {
      phone.on('message', (m: Buffer) => {
        const f = decodeWireFrame(new Uint8Array(m));
        received.push(f.type);
        // It cannot read message 1 (it lacks the pinned key) ...
        const own = new ResponderHandshake(impostorKeys);
        expect(() => own.readInit(f.type, f.body)).toThrow();
        // ... so it answers with a well-formed message 2 of a handshake it made with itself.
        const self = InitiatorHandshake.connect({ keys: generateKeyPair(), daemonPublicKey: impostorKeys.publicKey });
        const first = decodeWireFrame(self.firstFrame);
        own.readInit(first.type, first.body);
        phone.send(own.accept({ deviceId: 'impostor', deviceName: 'Impostor' }).frame);
        // and a forged refusal in plaintext for good measure.
        phone.send(closeFrame('needs-pairing', 'Forged: pair again.'));
        phone.close(4001, 'needs-pairing');
      });
    });
  });
  afterAll(() => {
    fake?.close();
  });

  const url = () => `ws://127.0.0.1:${(fake.address() as AddressInfo).port}/ws/${relayId}`;

  for (const mode of ['connect', 'pair'] as const) {
    it(`fails the phone's ${mode} handshake, and the phone keeps its pairing`, async () => {
      const err = await failureOf(
        openPhone(
          url(),
          daemonKeys.publicKey,
          generateKeyPair(),
          mode === 'pair' ? { code: 'K3X9-M2B7', deviceName: 'Phone' } : undefined,
        ),
      );
      expect(err?.kind).toBe('protocol');
      expect(err?.needsPairing).toBe(false);
      expect(received.at(-1)).toBe(mode === 'pair' ? FrameType.PAIR_INIT : FrameType.CONNECT_INIT);
    });
  }
});
