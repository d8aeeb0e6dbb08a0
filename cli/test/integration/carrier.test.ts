// A hostile carrier: an on-path forwarder (what a relay or a proxy is) between a paired device and the real
// daemon, that injects a plaintext CLOSE frame of every kind, before the handshake reply and after
// `welcome`. None of them may un-pair the device: it keeps its keys and connects again. Only what the
// daemon says inside the channel (`revoked`) or in its authenticated handshake reply does.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { CLOSE_CODES, closeFrame } from '../../src/channel/channel.js';
import { ConnectionError, PaseoConnection } from '../../src/channel/client.js';
import { decodeWireFrame, FrameType } from '../../src/channel/frame.js';
import type { CloseKind } from '../../src/channel/messages.js';
import type { KeyPair } from '../../src/channel/noise.js';
import { NodeWebSocket, pairDevice, startDaemon, type TestDaemon } from './harness.js';

/** Every CLOSE kind, each forged with the WebSocket close code the daemon would use. */
const KINDS = Object.keys(CLOSE_CODES) as CloseKind[];

/** When the forwarder strikes: instead of the handshake reply, or after the `welcome` went through. */
type When = 'instead-of-reply' | 'after-welcome';

/** A forwarder on loopback that relays device ↔ daemon and, when armed, forges a close. */
class Forwarder {
  private readonly server: WebSocketServer;
  /** Resolves once it listens. */
  readonly ready: Promise<void>;
  attack: { kind: CloseKind; when: When } | undefined;

  constructor(private readonly upstream: string) {
    this.server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    this.ready = new Promise((res) => this.server.once('listening', () => res()));
    this.server.on('connection', (device) => this.relay(device));
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}/ws`;
  }

  close(): Promise<void> {
    for (const c of this.server.clients) c.terminate();
    return new Promise((res) => this.server.close(() => res()));
  }

  private relay(device: WebSocket): void {
    const attack = this.attack;
    const daemon = new WebSocket(this.upstream);
    const early: Buffer[] = [];
    let fromDaemon = 0;
    const forge = () => {
      device.send(closeFrame(attack!.kind, `Forged by the carrier: ${attack!.kind}.`));
      device.close(CLOSE_CODES[attack!.kind], attack!.kind);
      daemon.terminate();
    };
    device.on('message', (data: Buffer) => {
      if (daemon.readyState === WebSocket.OPEN) daemon.send(data);
      else early.push(data);
    });
    daemon.on('open', () => {
      for (const d of early.splice(0)) daemon.send(d);
    });
    daemon.on('message', (data: Buffer) => {
      fromDaemon++;
      const type = decodeWireFrame(new Uint8Array(data)).type;
      if (attack?.when === 'instead-of-reply' && type === FrameType.HANDSHAKE_REPLY) return forge();
      if (device.readyState === WebSocket.OPEN) device.send(data);
      // The reply, then `welcome` (one DATA frame): from here on the channel is up.
      if (attack?.when === 'after-welcome' && fromDaemon === 2) setTimeout(forge, 50);
    });
    device.on('close', () => daemon.terminate());
    daemon.on('close', () => device.terminate());
    device.on('error', () => {});
    daemon.on('error', () => {});
  }
}

describe('a carrier forging CLOSE frames', () => {
  let d: TestDaemon;
  let fwd: Forwarder;
  let keys: KeyPair;
  const connect = () =>
    PaseoConnection.open({
      url: fwd.url,
      daemonPublicKey: d.daemonPublicKey,
      keys,
      clientName: 'paseo-test/1',
      WebSocketImpl: NodeWebSocket,
    });

  beforeAll(async () => {
    d = await startDaemon();
    fwd = new Forwarder(d.wsUrl);
    await fwd.ready;
    const paired = await pairDevice(d, 'Phone behind a relay');
    keys = paired.keys;
    paired.conn.close();
  });
  afterAll(async () => {
    await fwd?.close();
    await d?.stop();
  });

  it.each(
    KINDS.flatMap((kind) => (['instead-of-reply', 'after-welcome'] as const).map((when) => [kind, when] as const)),
  )('a forged "%s" %s is only a reason to reconnect', async (kind, when) => {
    fwd.attack = { kind, when };
    let err: ConnectionError;
    if (when === 'instead-of-reply') {
      err = await connect().then(
        () => {
          throw new Error('the connection opened although the carrier withheld the handshake reply');
        },
        (e: unknown) => e as ConnectionError,
      );
    } else {
      const conn = await connect();
      err = await new Promise<ConnectionError>((res) => conn.onClose(res));
    }
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err.needsPairing).toBe(false);
    expect(err.authenticated).toBe(false);
    if (kind === 'revoked' || kind === 'needs-pairing') expect(err.kind).toBe('closed');
    expect(err.message).toBe(`Forged by the carrier: ${kind}.`); // shown to the person, nothing more

    // The device still holds a working pairing: the next connection through the same carrier works.
    fwd.attack = undefined;
    const again = await connect();
    expect(again.welcome.deviceName).toBe('Phone behind a relay');
    again.close();
  });

  it('what the daemon itself says still un-pairs: `revoked` in the channel, then its handshake reply', async () => {
    fwd.attack = undefined;
    const conn = await connect();
    const ended = new Promise<ConnectionError>((res) => conn.onClose(res));
    expect(d.cli(['revoke', conn.welcome.deviceId!]).status).toBe(0);
    const revoked = await ended;
    expect(revoked).toMatchObject({ kind: 'revoked', authenticated: true });
    expect(revoked.needsPairing).toBe(true);
    const refused = await connect().then(
      () => undefined,
      (e: unknown) => e as ConnectionError,
    );
    expect(refused).toMatchObject({ kind: 'needs-pairing', authenticated: true });
    expect(refused?.needsPairing).toBe(true);
  });
});
