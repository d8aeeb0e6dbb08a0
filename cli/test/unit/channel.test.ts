// The encrypted channel in memory: both handshakes end to end, large messages across fragments,
// refusals, and the daemon's node:crypto AEAD interoperating with the browser's noble one both ways.
import { describe, expect, it } from 'vitest';
import { nobleChaChaPoly } from '../../src/channel/aead.js';
import {
  ChannelError,
  cleanDeviceName,
  cleanLabel,
  InitiatorHandshake,
  PAIR_PROTOCOL,
  PROLOGUE,
  ResponderHandshake,
  SecureChannel,
} from '../../src/channel/channel.js';
import { utf8 } from '../../src/channel/encoding.js';
import {
  decodeWireFrame,
  encodeMessage,
  encodeWireFrame,
  FrameType,
  fragmentMessage,
  MAX_FRAGMENT_PLAINTEXT_BYTES,
} from '../../src/channel/frame.js';
import { CipherState, generateKeyPair, HandshakeState } from '../../src/channel/noise.js';
import { pairingPsk } from '../../src/channel/pairing-code.js';
import { nodeChaChaPoly } from '../../src/daemon/node-aead.js';
import { nodeX25519 } from '../../src/daemon/node-x25519.js';

const daemonKeys = generateKeyPair();

function connectPair(daemonImpl: ConstructorParameters<typeof ResponderHandshake>[1] = {}) {
  const device = generateKeyPair();
  const init = InitiatorHandshake.connect({ keys: device, daemonPublicKey: daemonKeys.publicKey });
  const responder = new ResponderHandshake(daemonKeys, daemonImpl);
  const f1 = decodeWireFrame(init.firstFrame);
  expect(f1.type).toBe(FrameType.CONNECT_INIT);
  const req = responder.readInit(f1.type, f1.body);
  expect(req).toMatchObject({ kind: 'connect' });
  expect(req.deviceKey).toEqual(device.publicKey);
  const { frame, channel: daemonSide } = responder.accept({ deviceId: 'dev1', deviceName: 'Phone' });
  const { reply, channel: deviceSide } = init.readReply(decodeWireFrame(frame).body);
  expect(reply).toEqual({ ok: true, deviceId: 'dev1', deviceName: 'Phone' });
  return { daemonSide, deviceSide: deviceSide! };
}

/** Matches a ChannelError('protocol') with this message, whatever its technical detail. */
const protocolError = (message: string) => expect.objectContaining({ name: 'ChannelError', kind: 'protocol', message });

describe('encrypted channel', () => {
  it('pairs with a code (IKpsk2) and carries messages both ways', () => {
    const device = generateKeyPair();
    const code = 'K3X9-M2B7';
    const init = InitiatorHandshake.pair({
      keys: device,
      daemonPublicKey: daemonKeys.publicKey,
      code,
      deviceName: 'My\u0007 phone\n',
    });
    const responder = new ResponderHandshake(daemonKeys);
    const f1 = decodeWireFrame(init.firstFrame);
    expect(f1.type).toBe(FrameType.PAIR_INIT);
    const req = responder.readInit(f1.type, f1.body);
    if (req.kind !== 'pair') throw new Error('expected pair');
    expect(req.deviceName).toBe('My phone');
    const { frame, channel } = responder.accept(
      { deviceId: 'd', deviceName: req.deviceName },
      pairingPsk(code, daemonKeys.publicKey),
    );
    const { channel: dev } = init.readReply(decodeWireFrame(frame).body);
    for (const f of dev!.seal({ t: 'hello', client: 'x' }))
      expect(channel.open(decodeWireFrame(f).body)?.header).toEqual({ t: 'hello', client: 'x' });
  });

  it('a device with the wrong code cannot read the reply', () => {
    const device = generateKeyPair();
    const init = InitiatorHandshake.pair({
      keys: device,
      daemonPublicKey: daemonKeys.publicKey,
      code: 'K3X9-M2B7',
      deviceName: 'x',
    });
    const responder = new ResponderHandshake(daemonKeys);
    const f1 = decodeWireFrame(init.firstFrame);
    responder.readInit(f1.type, f1.body);
    const { frame } = responder.accept(
      { deviceId: 'd', deviceName: 'x' },
      pairingPsk('K3X9-M2B8', daemonKeys.publicKey),
    );
    expect(() => init.readReply(decodeWireFrame(frame).body)).toThrow(ChannelError);
  });

  it('carries a 3 MB message across fragments, with node:crypto on the daemon side', () => {
    const { daemonSide, deviceSide } = connectPair({ aead: nodeChaChaPoly, dh: nodeX25519 });
    const body = new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 7) & 0xff);
    const frames = daemonSide.seal({ t: 'session.snapshot', sessionId: 's', seq: 1, cols: 80, rows: 24 }, body);
    expect(frames.length).toBeGreaterThan(40);
    const got = frames.map((f) => deviceSide.open(decodeWireFrame(f).body));
    expect(got.slice(0, -1).every((m) => m === undefined)).toBe(true);
    expect(got.at(-1)?.header).toEqual({ t: 'session.snapshot', sessionId: 's', seq: 1, cols: 80, rows: 24 });
    expect(Buffer.compare(got.at(-1)!.body, body)).toBe(0);
    // And the other way: noble on the device, node:crypto opening on the daemon.
    const back = deviceSide.seal({ t: 'session.input', sessionId: 's' }, body.subarray(0, 100_000));
    expect(back.length).toBe(2);
    const opened = back.map((f) => daemonSide.open(decodeWireFrame(f).body));
    expect(opened[0]).toBeUndefined(); // the first fragment alone is not a message yet
    expect(opened[1]?.header).toEqual({ t: 'session.input', sessionId: 's' });
    expect(Buffer.compare(opened[1]!.body, body.subarray(0, 100_000))).toBe(0);
  });

  it('seals messages exactly as encodeMessage, fragmentMessage and encryptWithAd would (wire-identical)', () => {
    const key = new Uint8Array(32).map((_, i) => i * 3);
    for (const aead of [nobleChaChaPoly, nodeChaChaPoly]) {
      const channel = new SecureChannel(new CipherState(key, aead), new CipherState(key, aead));
      const reference = new CipherState(key, aead);
      const opener = new SecureChannel(new CipherState(key, aead), new CipherState(key, aead));
      for (const size of [0, 1, 1000, MAX_FRAGMENT_PLAINTEXT_BYTES - 80, MAX_FRAGMENT_PLAINTEXT_BYTES, 200_000]) {
        const body = new Uint8Array(size).map((_, i) => (i * 13) & 0xff);
        const header = { t: 'session.output', sessionId: 'abcdefgh', seq: size };
        // seal and sealPieces (joined) alike: one channel seals each message both ways, one after the other.
        const whole = channel.seal(header, body);
        const pieces = channel.sealPieces(header, body).map((frame) => Buffer.concat(frame));
        const frames = [...whole, ...pieces];
        const expected = [0, 1].flatMap(() =>
          fragmentMessage(encodeMessage(header, body)).map((fragment) =>
            encodeWireFrame(FrameType.DATA, reference.encryptWithAd(new Uint8Array(0), fragment)),
          ),
        );
        expect(frames.length).toBe(expected.length);
        for (const [i, f] of frames.entries()) expect(Buffer.compare(f, expected[i]!)).toBe(0);
        for (const half of [whole, pieces]) {
          let got: ReturnType<typeof opener.open>;
          for (const f of half) got = opener.open(decodeWireFrame(f).body) ?? got;
          expect(got!.header).toEqual(header);
          expect(Buffer.compare(got!.body, body)).toBe(0);
        }
      }
    }
  });

  it('refuses an unknown device with an authenticated reason', () => {
    const device = generateKeyPair();
    const init = InitiatorHandshake.connect({ keys: device, daemonPublicKey: daemonKeys.publicKey });
    const responder = new ResponderHandshake(daemonKeys);
    const f1 = decodeWireFrame(init.firstFrame);
    responder.readInit(f1.type, f1.body);
    const refusal = responder.refuse('needs-pairing', 'This device needs to be paired again.');
    const { reply, channel } = init.readReply(decodeWireFrame(refusal).body);
    expect(reply).toEqual({ ok: false, kind: 'needs-pairing', message: 'This device needs to be paired again.' });
    expect(channel).toBeUndefined();
  });

  it('refuses a pairing message 1 whose payload is not {name, tag}', () => {
    const psk = pairingPsk('K3X9-M2B7', daemonKeys.publicKey);
    for (const payload of ['{"name":"x"}', '{"name":"x","tag":"AAAA"}', 'not json', '[]']) {
      const hs = new HandshakeState({
        protocolName: PAIR_PROTOCOL,
        initiator: true,
        prologue: PROLOGUE,
        s: generateKeyPair(),
        rs: daemonKeys.publicKey,
        psks: [psk],
      });
      const f1 = decodeWireFrame(encodeWireFrame(FrameType.PAIR_INIT, hs.writeMessage(utf8(payload))));
      const err = (() => {
        try {
          new ResponderHandshake(daemonKeys).readInit(f1.type, f1.body);
        } catch (e) {
          return e;
        }
      })();
      expect(err, payload).toBeInstanceOf(ChannelError);
      expect(err).toMatchObject({ kind: 'protocol', message: 'The pairing request was malformed.' });
    }
  });

  it('the responder refuses a second first frame, a frame that is no handshake, and use before readInit', () => {
    const device = generateKeyPair();
    const init = InitiatorHandshake.connect({ keys: device, daemonPublicKey: daemonKeys.publicKey });
    const f1 = decodeWireFrame(init.firstFrame);
    const responder = new ResponderHandshake(daemonKeys);
    expect(() => responder.accept({ deviceId: 'd', deviceName: 'x' })).toThrow('readInit must come first');
    expect(() => responder.refuse('closed', 'x')).toThrow('readInit must come first');
    for (const type of [FrameType.DATA, FrameType.HANDSHAKE_REPLY, FrameType.CLOSE]) {
      expect(() => new ResponderHandshake(daemonKeys).readInit(type, f1.body)).toThrow(
        protocolError('The connection did not start with a handshake.'),
      );
    }
    // A connect message sent as a pairing one (or garbage) is an invalid handshake message.
    expect(() => new ResponderHandshake(daemonKeys).readInit(FrameType.PAIR_INIT, f1.body)).toThrow(
      protocolError('The handshake message was invalid.'),
    );
    responder.readInit(f1.type, f1.body);
    expect(() => responder.readInit(f1.type, f1.body)).toThrow(protocolError('The handshake was started twice.'));
  });

  it('refuses a pairing device with a plain CLOSE frame (no PSK to seal it with), and needs the PSK to accept', () => {
    const init = InitiatorHandshake.pair({
      keys: generateKeyPair(),
      daemonPublicKey: daemonKeys.publicKey,
      code: 'K3X9-M2B7',
      deviceName: 'n'.repeat(200),
    });
    const responder = new ResponderHandshake(daemonKeys);
    const f1 = decodeWireFrame(init.firstFrame);
    const req = responder.readInit(f1.type, f1.body);
    expect(req.kind === 'pair' && req.deviceName).toBe('n'.repeat(80)); // the name is cut to what hello allows
    const refusal = decodeWireFrame(responder.refuse('bad-code', 'That code is wrong.'));
    expect(refusal.type).toBe(FrameType.CLOSE);
    expect(JSON.parse(new TextDecoder().decode(refusal.body))).toEqual({
      kind: 'bad-code',
      message: 'That code is wrong.',
    });
    expect(() => responder.accept({ deviceId: 'd', deviceName: 'x' })).toThrow('pairing needs the PSK');
  });

  it('a tampered or malformed DATA frame closes the channel with a sentence', () => {
    const { daemonSide, deviceSide } = connectPair();
    const [frame] = deviceSide.seal({ t: 'ping', nonce: 1 });
    const body = decodeWireFrame(frame!).body.slice();
    body[body.length - 1]! ^= 1;
    expect(() => daemonSide.open(body)).toThrow(
      protocolError('The connection was closed because a message failed its integrity check.'),
    );
    const fresh = connectPair();
    // Authentic, but its plaintext is no fragment (unknown flags): malformed.
    const raw = (
      fresh.deviceSide as unknown as { sendState: { encryptWithAd(a: Uint8Array, p: Uint8Array): Uint8Array } }
    ).sendState;
    const bogus = raw.encryptWithAd(new Uint8Array(0), Uint8Array.of(0x80, 1, 2));
    expect(() => fresh.daemonSide.open(bogus)).toThrow(
      protocolError('The connection was closed because a message was malformed.'),
    );
  });

  it('cleans names and labels: one printable line, bounded, never empty for a device', () => {
    expect(cleanDeviceName('  \u0007\u202e  ')).toBe('Unnamed device');
    expect(cleanDeviceName(' My\tphone\r\n ')).toBe('My phone');
    expect(cleanLabel('a\u2028b\u2029c\u061cd\u200ee\u2066f', 100)).toBe('a b c d e f');
    expect(cleanLabel('ab   cd', 4)).toBe('ab c');
    expect(cleanLabel('abc d', 4)).toBe('abc');
  });

  it('a device talking to the wrong daemon key fails the handshake', () => {
    const device = generateKeyPair();
    const init = InitiatorHandshake.connect({ keys: device, daemonPublicKey: generateKeyPair().publicKey });
    const responder = new ResponderHandshake(daemonKeys);
    const f1 = decodeWireFrame(init.firstFrame);
    expect(() => responder.readInit(f1.type, f1.body)).toThrow(ChannelError);
  });
});
