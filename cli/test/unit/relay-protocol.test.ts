// The relay framing (docs/relay.md) and the daemon's relay identity: frames round-trip and malformed ones
// are refused with RelayFrameError; a relay id derives from the signing key, and an identity file from
// before relays gains a signing key without losing its Noise key.
import { createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { toBase64Url } from '../../src/channel/encoding.js';
import { generateKeyPair } from '../../src/channel/noise.js';
import {
  closePayload,
  decodeRelayFrame,
  encodeRelayFrame,
  isRelayId,
  MAX_RELAY_FRAME_BYTES,
  parseClosePayload,
  parseRegister,
  RELAY_ID_CHARS,
  RelayFrameError,
  RelayOp,
  registerPayload,
  registrationMessage,
  relayIdOf,
} from '../../src/channel/relay-protocol.js';
import { loadOrCreateIdentity } from '../../src/daemon/identity.js';

describe('relay frames', () => {
  it('round-trip op, channel and payload', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(RelayOp.OPEN, RelayOp.DATA, RelayOp.CLOSE),
        fc.integer({ min: 1, max: 0xffffffff }),
        fc.uint8Array({ minLength: 1, maxLength: 300 }),
        (op, channel, payload) => {
          const f = decodeRelayFrame(encodeRelayFrame(op, channel, payload));
          expect(f.op).toBe(op);
          expect(f.channel).toBe(channel);
          expect([...f.payload]).toEqual([...payload]);
        },
      ),
    );
    const header = encodeRelayFrame(RelayOp.DATA, 0x01020304, new Uint8Array([9]));
    expect([...header]).toEqual([0x02, 1, 2, 3, 4, 9]);
    // A payload in pieces is the same frame as the pieces joined.
    const pieces = encodeRelayFrame(RelayOp.DATA, 7, [new Uint8Array([1, 2]), new Uint8Array(0), new Uint8Array([3])]);
    expect([...pieces]).toEqual([...encodeRelayFrame(RelayOp.DATA, 7, new Uint8Array([1, 2, 3]))]);
  });

  it('refuses frames that break the framing, each for its own reason', () => {
    const refused = (bytes: Uint8Array) => {
      try {
        decodeRelayFrame(bytes);
      } catch (err) {
        if (err instanceof RelayFrameError) return err.message;
        throw err;
      }
      throw new Error('decoded a frame that should be refused');
    };
    expect(refused(new Uint8Array([0x02, 0, 0]))).toBe('a relay frame of 3 bytes');
    expect(refused(encodeRelayFrame(0x7e as never, 1, new Uint8Array([1])))).toBe('unknown op 0x7e');
    expect(refused(encodeRelayFrame(RelayOp.DATA, 0, new Uint8Array([1])))).toBe('op 0x2 on channel 0');
    expect(refused(encodeRelayFrame(RelayOp.PING, 3, new Uint8Array(8)))).toBe('op 0x4 on channel 3');
    expect(refused(encodeRelayFrame(RelayOp.REGISTER, 1, new Uint8Array(96)))).toBe('op 0x11 on channel 1');
    expect(refused(encodeRelayFrame(RelayOp.DATA, 1))).toBe('an empty DATA frame');
    expect(refused(encodeRelayFrame(RelayOp.PING, 0, new Uint8Array(3)))).toBe('a PING or PONG of the wrong size');
    expect(refused(encodeRelayFrame(RelayOp.PONG, 0, new Uint8Array(9)))).toBe('a PING or PONG of the wrong size');
    expect(refused(encodeRelayFrame(RelayOp.CHALLENGE, 0, new Uint8Array(31)))).toBe('a short CHALLENGE');
    const oversize = encodeRelayFrame(RelayOp.DATA, 1, new Uint8Array(MAX_RELAY_FRAME_BYTES + 1 - 5));
    expect(refused(oversize)).toBe(`a relay frame of ${MAX_RELAY_FRAME_BYTES + 1} bytes`);
    // At the limits: the largest frame, a frame that is only a header, PONG and CHALLENGE of their size.
    expect(decodeRelayFrame(oversize.subarray(0, MAX_RELAY_FRAME_BYTES)).payload.length).toBe(
      MAX_RELAY_FRAME_BYTES - 5,
    );
    expect(decodeRelayFrame(encodeRelayFrame(RelayOp.CLOSE, 9))).toMatchObject({ op: RelayOp.CLOSE, channel: 9 });
    expect(decodeRelayFrame(encodeRelayFrame(RelayOp.PONG, 0, new Uint8Array(8))).op).toBe(RelayOp.PONG);
    expect(decodeRelayFrame(encodeRelayFrame(RelayOp.CHALLENGE, 0, new Uint8Array(32))).op).toBe(RelayOp.CHALLENGE);
    // ERROR may name a channel, or none.
    expect(decodeRelayFrame(encodeRelayFrame(RelayOp.ERROR, 7, new Uint8Array([0x7b]))).channel).toBe(7);
    expect(decodeRelayFrame(encodeRelayFrame(RelayOp.ERROR, 0, new Uint8Array([0x7b]))).channel).toBe(0);
    // A channel number is a 32-bit unsigned integer.
    for (const channel of [-1, 2 ** 32, 1.5]) {
      expect(() => encodeRelayFrame(RelayOp.DATA, channel, new Uint8Array([1]))).toThrow(RangeError);
    }
    expect(decodeRelayFrame(encodeRelayFrame(RelayOp.DATA, 0xffffffff, new Uint8Array([1]))).channel).toBe(0xffffffff);
  });

  it('carries a close code and reason; codes a relay may not send become 1000', () => {
    expect(parseClosePayload(closePayload(4003, 'revoked'))).toEqual({ code: 4003, reason: 'revoked' });
    expect(parseClosePayload(closePayload(4001, ''))).toEqual({ code: 4001, reason: '' });
    for (const code of [1000, 1001, 1013, 4000, 4999])
      expect(parseClosePayload(closePayload(code, 'x')).code).toBe(code);
    for (const code of [1006, 1002, 3999, 5000]) expect(parseClosePayload(closePayload(code, 'x')).code).toBe(1000);
    expect(parseClosePayload(new Uint8Array([1]))).toEqual({ code: 1000, reason: '' });
    expect(closePayload(1000, 'é'.repeat(200)).length).toBeLessThanOrEqual(125);
    expect(closePayload(1000, 'a'.repeat(123)).length).toBe(125);
  });

  it('binds a registration to the relay host, the challenge and the key', () => {
    const key = new Uint8Array(32).fill(7);
    const challenge = new Uint8Array(32).fill(1);
    const m = registrationMessage('Relay.Example.COM.', challenge, key);
    expect(m).toEqual(registrationMessage('relay.example.com', challenge, key));
    expect(m).not.toEqual(registrationMessage('other.example.com', challenge, key));
    const p = parseRegister(registerPayload(key, new Uint8Array(64).fill(2), '[::1]'));
    expect(p.host).toBe('::1');
    expect(p.signature.length).toBe(64);
    expect(() => parseRegister(new Uint8Array(50))).toThrow(RelayFrameError);
    // A key and a signature with no host, and with the longest host a REGISTER carries; one byte more is refused.
    expect(parseRegister(new Uint8Array(96)).host).toBe('');
    expect(parseRegister(new Uint8Array(96 + 255).fill(0x61)).host).toBe('a'.repeat(255));
    expect(() => parseRegister(new Uint8Array(96 + 256).fill(0x61))).toThrow(
      new RelayFrameError('a REGISTER of the wrong size'),
    );
  });

  it('derives a 20-character relay id from a key', () => {
    const id = relayIdOf(new Uint8Array(32));
    expect(id).toHaveLength(RELAY_ID_CHARS);
    expect(isRelayId(id)).toBe(true);
    expect(relayIdOf(new Uint8Array(32).fill(1))).not.toBe(id);
    expect(isRelayId('ABCDEFGHIJKLMNOPQRST')).toBe(false);
    expect(isRelayId('abc')).toBe(false);
  });
});

describe('the relay identity', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is created with a signing key whose signatures verify, and is stable across loads', () => {
    dir = mkdtempSync(join(tmpdir(), 'paseo-identity-'));
    const file = join(dir, 'identity.json');
    const a = loadOrCreateIdentity(file);
    const b = loadOrCreateIdentity(file);
    expect(b.relayId).toBe(a.relayId);
    expect(b.relayId).toBe(relayIdOf(a.signing.publicKey));
    const msg = new Uint8Array([1, 2, 3]);
    const pub = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: toBase64Url(b.signing.publicKey) },
      format: 'jwk',
    });
    expect(verify(null, msg, pub, a.signing.sign(msg))).toBe(true);
    expect(verify(null, new Uint8Array([1, 2, 4]), pub, a.signing.sign(msg))).toBe(false);
  });

  it('adds a signing key to an identity file from before relays, keeping its id and Noise key', () => {
    dir = mkdtempSync(join(tmpdir(), 'paseo-identity-'));
    const file = join(dir, 'identity.json');
    const keys = generateKeyPair();
    writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        daemonId: 'abcd1234',
        publicKey: toBase64Url(keys.publicKey),
        privateKey: toBase64Url(keys.privateKey),
        createdAt: '2025-01-01T00:00:00.000Z',
      }),
    );
    const id = loadOrCreateIdentity(file);
    expect(id.daemonId).toBe('abcd1234');
    expect(id.keys.publicKey).toEqual(keys.publicKey);
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    expect(saved.version).toBe(2);
    expect(saved.relayId).toBe(id.relayId);
    expect(saved.createdAt).toBe('2025-01-01T00:00:00.000Z');
    expect(loadOrCreateIdentity(file).relayId).toBe(id.relayId);
  });

  it('refuses a file whose relay id does not match its signing key', () => {
    dir = mkdtempSync(join(tmpdir(), 'paseo-identity-'));
    const file = join(dir, 'identity.json');
    loadOrCreateIdentity(file);
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    writeFileSync(file, JSON.stringify({ ...saved, relayId: 'a'.repeat(20) }));
    expect(() => loadOrCreateIdentity(file)).toThrow(/relay id/);
  });
});
