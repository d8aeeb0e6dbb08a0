import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { AeadFactory } from '../../src/channel/aead.js';
import {
  CipherState,
  generateKeyPair,
  type HandshakeOptions,
  HandshakeState,
  type KeyPair,
  keyPairFromPrivate,
  MAX_NOISE_MESSAGE_BYTES,
  MAX_NOISE_PLAINTEXT_BYTES,
  NoiseError,
  type NoiseHashes,
  nobleX25519,
  parseProtocolName,
  type X25519,
} from '../../src/channel/noise.js';
import { noiseHashFunction, noiseHkdf } from '../../src/channel/noise-symmetric.js';
import { nodeChaChaPoly } from '../../src/daemon/node-aead.js';
import { nodeNoiseHashes } from '../../src/daemon/node-hash.js';
import { nodeX25519 } from '../../src/daemon/node-x25519.js';

/** The browser's implementations and the daemon's must give the same bytes. */
interface Impl {
  dh: X25519;
  hashes?: NoiseHashes;
  aead?: AeadFactory;
}

/** @noble (the browser), node:crypto X25519 alone, and everything the daemon plugs in (node:crypto throughout). */
const IMPLS: [string, Impl][] = [
  ['noble', { dh: nobleX25519 }],
  ['node:crypto X25519', { dh: nodeX25519 }],
  ['daemon (node:crypto X25519, hashes, AEAD)', { dh: nodeX25519, hashes: nodeNoiseHashes, aead: nodeChaChaPoly }],
];

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const vectorDir = path.resolve(repoRoot, '..', 'shared', 'test-vectors', 'noise');

interface VectorMessage {
  payload: string;
  ciphertext: string;
}
interface Vector {
  protocol_name: string;
  init_prologue: string;
  init_psks?: string[];
  init_static?: string;
  init_ephemeral?: string;
  init_remote_static?: string;
  resp_prologue: string;
  resp_psks?: string[];
  resp_static?: string;
  resp_ephemeral?: string;
  resp_remote_static?: string;
  handshake_hash?: string;
  messages: VectorMessage[];
}

const hex = (s: string): Uint8Array => Uint8Array.from(s.match(/../g) ?? [], (b) => parseInt(b, 16));
const toHex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

function expectNoiseError(fn: () => unknown, code: NoiseError['code']): void {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'expected a NoiseError').toBeInstanceOf(NoiseError);
  expect((thrown as NoiseError).code).toBe(code);
}

const vectorFiles = readdirSync(vectorDir)
  .filter((f) => f.endsWith('.json'))
  .sort();
const allVectors = vectorFiles.flatMap((file) => {
  const data = JSON.parse(readFileSync(path.join(vectorDir, file), 'utf8')) as { vectors: Vector[] };
  return data.vectors.map((vector, index) => ({ file, index, vector }));
});
const supported = allVectors.filter(({ vector }) => parseProtocolName(vector.protocol_name) !== undefined);
const unsupported = allVectors.filter(({ vector }) => parseProtocolName(vector.protocol_name) === undefined);

function sideOptions(v: Vector, initiator: boolean, impl: Impl): HandshakeOptions {
  const side = initiator ? 'init' : 'resp';
  const pick = (k: 'static' | 'ephemeral' | 'remote_static'): string | undefined => v[`${side}_${k}`];
  const s = pick('static');
  const e = pick('ephemeral');
  const rs = pick('remote_static');
  const psks = v[`${side}_psks`];
  return {
    protocolName: v.protocol_name,
    initiator,
    prologue: hex(v[`${side}_prologue`]),
    ...(s !== undefined ? { s: keyPairFromPrivate(hex(s)) } : {}),
    ...(e !== undefined ? { e: keyPairFromPrivate(hex(e)) } : {}),
    ...(rs !== undefined ? { rs: hex(rs) } : {}),
    ...(psks !== undefined ? { psks: psks.map(hex) } : {}),
    ...impl,
  };
}

function runVector(v: Vector, impl: Impl): void {
  const oneWay = parseProtocolName(v.protocol_name)?.pattern.oneWay === true;
  const init = new HandshakeState(sideOptions(v, true, impl));
  const resp = new HandshakeState(sideOptions(v, false, impl));
  let i = 0;
  for (; i < v.messages.length && !(init.isComplete && resp.isComplete); i++) {
    const m = v.messages[i]!;
    const [writer, reader] = i % 2 === 0 ? [init, resp] : [resp, init];
    const ciphertext = writer.writeMessage(hex(m.payload));
    expect(toHex(ciphertext), `handshake message ${i}`).toBe(m.ciphertext);
    expect(toHex(reader.readMessage(ciphertext)), `handshake payload ${i}`).toBe(m.payload);
  }
  expect(init.isComplete && resp.isComplete).toBe(true);
  expect(toHex(init.handshakeHash)).toBe(toHex(resp.handshakeHash));
  if (v.handshake_hash !== undefined) expect(toHex(init.handshakeHash)).toBe(v.handshake_hash);
  const ic = init.split();
  const rc = resp.split();
  for (; i < v.messages.length; i++) {
    const m = v.messages[i]!;
    const initiatorSends = oneWay || i % 2 === 0;
    const [send, receive] = initiatorSends ? [ic.send, rc.receive] : [rc.send, ic.receive];
    const ciphertext = send.encryptWithAd(new Uint8Array(0), hex(m.payload));
    expect(toHex(ciphertext), `transport message ${i}`).toBe(m.ciphertext);
    expect(toHex(receive.decryptWithAd(new Uint8Array(0), ciphertext)), `transport payload ${i}`).toBe(m.payload);
  }
}

describe('Noise test vectors', () => {
  it('finds vectors, supports every pattern in them, and covers IK/IKpsk2 SHA256', () => {
    const perFile = Object.fromEntries(vectorFiles.map((f) => [f, supported.filter((x) => x.file === f).length]));
    console.log(
      `Noise vectors run: ${JSON.stringify(perFile)} (total ${supported.length}, unsupported ${unsupported.length})`,
    );
    expect(supported.length).toBeGreaterThan(0);
    expect(unsupported.map((x) => x.vector.protocol_name)).toEqual([]);
    for (const file of vectorFiles) {
      for (const name of [
        'Noise_IK_25519_ChaChaPoly_SHA256',
        file.startsWith('snow') ? 'Noise_IKpsk0+psk2_25519_ChaChaPoly_SHA256' : 'Noise_IKpsk2_25519_ChaChaPoly_SHA256',
      ]) {
        expect(
          supported.some((x) => x.file === file && x.vector.protocol_name === name),
          `${file}: ${name}`,
        ).toBe(true);
      }
    }
    const names = new Set(supported.map((x) => x.vector.protocol_name.split('_')[1]));
    for (const p of ['IK', 'IKpsk1', 'IKpsk2', 'IKpsk0+psk2']) expect(names.has(p), p).toBe(true);
  });

  it.each(
    IMPLS.flatMap(([implName, impl]) =>
      supported.map((x) => [`${implName}: ${x.file} #${x.index} ${x.vector.protocol_name}`, x.vector, impl] as const),
    ),
  )('%s', (_name, vector, impl) => {
    runVector(vector, impl);
  });

  it('node:crypto and noble hashes agree on HASH, HMAC (keys shorter and longer than a block) and HKDF', () => {
    for (const name of ['SHA256', 'SHA512', 'BLAKE2s', 'BLAKE2b'] as const) {
      const noble = noiseHashFunction(name);
      const node = nodeNoiseHashes(name);
      expect(node.hashLenBytes).toBe(noble.hashLenBytes);
      for (const length of [0, 1, 32, 64, 65, 128, 129, 300]) {
        const data = Uint8Array.from({ length }, (_, i) => (i * 7 + length) & 0xff);
        expect(toHex(node.hash(data)), `${name} hash ${length}`).toBe(toHex(noble.hash(data)));
        expect(toHex(node.hmac(data, data.subarray(0, 40))), `${name} hmac key ${length}`).toBe(
          toHex(noble.hmac(data, data.subarray(0, 40))),
        );
      }
      const ck = noble.hash(utf8('ck'));
      for (const n of [2, 3] as const) {
        const ikm = utf8(`input key material ${n}`);
        expect(noiseHkdf(node, ck, ikm, n).map(toHex), `${name} hkdf ${n}`).toEqual(
          noiseHkdf(noble, ck, ikm, n).map(toHex),
        );
      }
      // Outputs are plain arrays whose slice() copies (cipher keys are cut from them and then wiped).
      const out = node.hash(utf8('x'));
      const cut = out.slice(0, 4);
      out.fill(0);
      expect(toHex(cut)).not.toBe('00000000');
    }
  });

  it('node:crypto X25519 gives the same results when keys come again (cached imports and static DH)', () => {
    const a = nobleX25519.generateKeyPair();
    const b = nobleX25519.generateKeyPair();
    const expected = toHex(nobleX25519.sharedSecret(a.privateKey, b.publicKey));
    for (let i = 0; i < 4; i++) {
      const shared = nodeX25519.sharedSecret(Uint8Array.from(a.privateKey), Uint8Array.from(b.publicKey));
      expect(toHex(shared)).toBe(expected);
      shared.fill(0); // the caller wipes its copy: the next one is whole again
    }
    // Many one-time keys in between do not change the answers.
    for (let i = 0; i < 300; i++) nodeX25519.sharedSecret(a.privateKey, nobleX25519.generateKeyPair().publicKey);
    expect(toHex(nodeX25519.sharedSecret(Uint8Array.from(a.privateKey), b.publicKey))).toBe(expected);
  });

  it('node:crypto X25519 refuses keys that are not 32 bytes, as noble does', () => {
    const a = nodeX25519.generateKeyPair();
    const key = (n: number) => new Uint8Array(n).fill(9);
    expect(() => nodeX25519.sharedSecret(key(31), a.publicKey)).toThrow(
      new RangeError('X25519 private key must be 32 bytes'),
    );
    expect(() => nodeX25519.sharedSecret(a.privateKey, key(33))).toThrow(
      new RangeError('X25519 public key must be 32 bytes'),
    );
    const notBytes = [9, 9, 9] as unknown as Uint8Array;
    expect(() => nodeX25519.sharedSecret(notBytes, a.publicKey)).toThrow(
      new RangeError('X25519 private key must be 32 bytes'),
    );
  });

  it('node:crypto and noble X25519 agree on random keys, both ways', () => {
    for (let i = 0; i < 20; i++) {
      const a = nodeX25519.generateKeyPair();
      const b = nobleX25519.generateKeyPair();
      expect(toHex(keyPairFromPrivate(a.privateKey).publicKey)).toBe(toHex(a.publicKey));
      const ab = nodeX25519.sharedSecret(a.privateKey, b.publicKey);
      expect(toHex(nobleX25519.sharedSecret(b.privateKey, a.publicKey))).toBe(toHex(ab));
      expect(toHex(nodeX25519.sharedSecret(b.privateKey, a.publicKey))).toBe(toHex(ab));
    }
  });
});

// ---- Behaviour beyond the vectors ----------------------------------------------------------------------

const IK = 'Noise_IK_25519_ChaChaPoly_SHA256';
const IKPSK2 = 'Noise_IKpsk2_25519_ChaChaPoly_SHA256';
const EMPTY = new Uint8Array(0);

function ikPair(
  protocolName = IK,
  extra: { initiator?: Partial<HandshakeOptions>; responder?: Partial<HandshakeOptions> } = {},
) {
  const client: KeyPair = generateKeyPair();
  const server: KeyPair = generateKeyPair();
  const init = new HandshakeState({
    protocolName,
    initiator: true,
    prologue: utf8('paseo/1'),
    s: client,
    rs: server.publicKey,
    ...extra.initiator,
  });
  const resp = new HandshakeState({
    protocolName,
    initiator: false,
    prologue: utf8('paseo/1'),
    s: server,
    ...extra.responder,
  });
  return { client, server, init, resp };
}

function completeIk() {
  const { init, resp, client, server } = ikPair();
  resp.readMessage(init.writeMessage(utf8('hello')));
  init.readMessage(resp.writeMessage(utf8('welcome')));
  return { client, server, init: init.split(), resp: resp.split(), initHs: init, respHs: resp };
}

describe('HandshakeState', () => {
  it('completes IK, learns the remote static key and agrees on the handshake hash', () => {
    const { client, server, init, resp } = ikPair();
    expect(init.isMyTurn).toBe(true);
    expect(resp.readMessage(init.writeMessage(utf8('hi')))).toEqual(utf8('hi'));
    expect(resp.remoteStaticKey).toEqual(client.publicKey);
    expect(init.remoteStaticKey).toEqual(server.publicKey);
    expect(init.readMessage(resp.writeMessage())).toEqual(EMPTY);
    expect(init.isComplete && resp.isComplete).toBe(true);
    expect(init.handshakeHash).toEqual(resp.handshakeHash);
    expect(init.remoteEphemeralKey).toBeInstanceOf(Uint8Array);
  });

  it('rejects a tampered handshake message (every byte of message 1, sampled bytes of message 2)', () => {
    const { client, server } = ikPair();
    const make = () => ({
      init: new HandshakeState({
        protocolName: IK,
        initiator: true,
        s: client,
        rs: server.publicKey,
        e: keyPairFromPrivate(new Uint8Array(32).fill(7)),
      }),
      resp: new HandshakeState({
        protocolName: IK,
        initiator: false,
        s: server,
        e: keyPairFromPrivate(new Uint8Array(32).fill(9)),
      }),
    });
    const msg1 = make().init.writeMessage(utf8('payload'));
    for (let at = 0; at < msg1.length; at++) {
      const bad = Uint8Array.from(msg1);
      bad[at]! ^= 0x01;
      const { resp } = make();
      expect(() => resp.readMessage(bad), `byte ${at}`).toThrow(NoiseError);
      expectNoiseError(() => resp.writeMessage(), 'bad-state'); // a failed handshake stays failed
    }
    for (const at of [0, 31, 32, 40]) {
      const { init, resp } = make();
      resp.readMessage(init.writeMessage());
      const msg2 = resp.writeMessage();
      msg2[at]! ^= 0x80;
      expect(() => init.readMessage(msg2)).toThrow(NoiseError);
    }
    const { init, resp } = make();
    const truncated = init.writeMessage().subarray(0, 40);
    expectNoiseError(() => resp.readMessage(truncated), 'bad-message');
  });

  it('rejects a wrong remote static key', () => {
    const { init } = ikPair(IK, { initiator: { rs: generateKeyPair().publicKey } });
    const resp = new HandshakeState({ protocolName: IK, initiator: false, s: generateKeyPair() });
    expectNoiseError(() => resp.readMessage(init.writeMessage()), 'decrypt-failed');
  });

  it('IKpsk2: the responder sets the psk after message 1; a wrong psk fails at message 2', () => {
    const psk = globalThis.crypto.getRandomValues(new Uint8Array(32));
    const early = ikPair(IKPSK2, { initiator: { psks: [psk] } });
    expect(early.resp.readMessage(early.init.writeMessage(utf8('tag')))).toEqual(utf8('tag'));
    expectNoiseError(() => early.resp.writeMessage(), 'bad-state'); // psk2 reached without a psk: refused, not fatal
    early.resp.setPsks([psk]);
    early.init.readMessage(early.resp.writeMessage());
    expect(early.init.handshakeHash).toEqual(early.resp.handshakeHash);
    const { init, resp } = ikPair(IKPSK2, { initiator: { psks: [psk] } });
    resp.readMessage(init.writeMessage());
    resp.setPsks([psk]);
    init.readMessage(resp.writeMessage());
    expectNoiseError(() => resp.setPsks([psk]), 'bad-state');
    const wrong = ikPair(IKPSK2, { initiator: { psks: [psk] } });
    wrong.resp.readMessage(wrong.init.writeMessage());
    wrong.resp.setPsks([new Uint8Array(32).fill(1)]);
    expectNoiseError(() => wrong.init.readMessage(wrong.resp.writeMessage()), 'decrypt-failed');
  });

  it('rejects bad keys, psks and protocol names', () => {
    const s = generateKeyPair();
    expectNoiseError(() => keyPairFromPrivate(new Uint8Array(31)), 'bad-key');
    expectNoiseError(
      () => new HandshakeState({ protocolName: IK, initiator: true, s, rs: new Uint8Array(33) }),
      'bad-key',
    );
    expectNoiseError(() => new HandshakeState({ protocolName: IK, initiator: true, s }), 'bad-key'); // rs missing
    expectNoiseError(() => new HandshakeState({ protocolName: IK, initiator: false }), 'bad-key'); // s missing
    expectNoiseError(
      () =>
        new HandshakeState({ protocolName: 'Noise_XX_25519_ChaChaPoly_SHA256', initiator: true, s, rs: s.publicKey }),
      'bad-state',
    );
    expectNoiseError(
      () =>
        new HandshakeState({ protocolName: IKPSK2, initiator: true, s, rs: s.publicKey, psks: [new Uint8Array(16)] }),
      'bad-key',
    );
    expectNoiseError(
      () => new HandshakeState({ protocolName: IKPSK2, initiator: true, s, rs: s.publicKey, psks: [] }),
      'bad-key',
    );
    for (const name of [
      'Noise_IK_448_ChaChaPoly_SHA256',
      'Noise_IK_25519_AESGCM_SHA256',
      'Noise_IK_25519_ChaChaPoly_SHA1',
      'Noise_ZZ_25519_ChaChaPoly_SHA256',
      'Noise_IKpsk3_25519_ChaChaPoly_SHA256',
      'Noise_IKpsk2+psk2_25519_ChaChaPoly_SHA256',
      'Noise_IKfallback_25519_ChaChaPoly_SHA256',
      'Noise_IK_25519_ChaChaPoly_SHA256_extra',
      'Noise_toString_25519_ChaChaPoly_SHA256',
      '',
    ]) {
      expectNoiseError(
        () => new HandshakeState({ protocolName: name, initiator: true, s, rs: s.publicKey }),
        'bad-state',
      );
    }
  });

  it.each(IMPLS)('rejects low-order and all-zero public keys (bad-key), %s', (_name, { dh }) => {
    const zero = new Uint8Array(32);
    const { init } = ikPair(IK, { initiator: { rs: zero, dh } });
    expectNoiseError(() => init.writeMessage(), 'bad-key');
    // responder receives an all-zero ephemeral
    const { init: i2, resp } = ikPair(IK, { responder: { dh } });
    const msg1 = i2.writeMessage();
    msg1.fill(0, 0, 32);
    expectNoiseError(() => resp.readMessage(msg1), 'bad-key');
    // u = 1 is a low-order point too
    const one = new Uint8Array(32);
    one[0] = 1;
    expectNoiseError(() => ikPair(IK, { initiator: { rs: one, dh } }).init.writeMessage(), 'bad-key');
  });

  it('enforces turns, completion and the 65535-byte message limit', () => {
    const { init, resp } = ikPair();
    expectNoiseError(() => resp.writeMessage(), 'bad-state');
    expectNoiseError(() => init.readMessage(new Uint8Array(100)), 'bad-state');
    expectNoiseError(() => init.split(), 'bad-state');
    // IK message 1 overhead: e (32) + encrypted s (48) + payload tag (16)
    const overhead = 32 + 48 + 16;
    expectNoiseError(() => init.writeMessage(new Uint8Array(MAX_NOISE_MESSAGE_BYTES - overhead + 1)), 'bad-message');
    const msg1 = init.writeMessage(new Uint8Array(MAX_NOISE_MESSAGE_BYTES - overhead)); // still usable after the refusal
    expect(msg1.length).toBe(MAX_NOISE_MESSAGE_BYTES);
    expectNoiseError(() => resp.readMessage(new Uint8Array(MAX_NOISE_MESSAGE_BYTES + 1)), 'bad-message');
  });

  it('split() is oriented and callable once; the state refuses further messages', () => {
    const { init, resp } = ikPair();
    resp.readMessage(init.writeMessage());
    init.readMessage(resp.writeMessage());
    const a = init.split();
    const b = resp.split();
    expect(b.receive.decryptWithAd(EMPTY, a.send.encryptWithAd(EMPTY, utf8('to daemon')))).toEqual(utf8('to daemon'));
    expect(a.receive.decryptWithAd(EMPTY, b.send.encryptWithAd(EMPTY, utf8('to device')))).toEqual(utf8('to device'));
    expectNoiseError(() => init.split(), 'bad-state');
    expectNoiseError(() => init.writeMessage(), 'bad-state');
    expect(init.handshakeHash).toEqual(resp.handshakeHash);
  });

  it('a failed handshake stays failed; a finished one says it is finished; psks are fixed once used', () => {
    const { init, resp } = ikPair();
    const msg1 = init.writeMessage();
    const tampered = msg1.slice();
    tampered[tampered.length - 1]! ^= 1;
    expectNoiseError(() => resp.readMessage(tampered), 'decrypt-failed');
    expect(resp.isComplete).toBe(false);
    expect(resp.isMyTurn).toBe(false);
    // Even the genuine message is refused now: a responder that failed cannot be retried.
    expect(() => resp.readMessage(msg1)).toThrow(new NoiseError('bad-state', 'handshake already failed'));
    const { init: i2, resp: r2, client: c2 } = ikPair();
    expect(r2.remoteStaticKey).toBeUndefined();
    expect(r2.remoteEphemeralKey).toBeUndefined();
    r2.readMessage(i2.writeMessage());
    const learned = r2.remoteStaticKey!;
    learned.fill(0); // a copy: the state keeps its own
    expect(r2.remoteStaticKey).toEqual(c2.publicKey);
    expect(r2.remoteEphemeralKey).toHaveLength(32);
    i2.readMessage(r2.writeMessage());
    expect(() => i2.writeMessage()).toThrow(new NoiseError('bad-state', 'handshake already complete'));
    expect(() => r2.readMessage(new Uint8Array(96))).toThrow(new NoiseError('bad-state', 'handshake already complete'));
    i2.split();
    expect(() => i2.split()).toThrow(new NoiseError('bad-state', 'split() already called'));
    expect(() => ikPair().init.split()).toThrow(new NoiseError('bad-state', 'handshake not complete'));
    // IKpsk2: the responder may set its psk until message 2 mixes it in, not after.
    const psk = new Uint8Array(32).fill(7);
    const p = ikPair(IKPSK2, { initiator: { psks: [psk] } });
    p.resp.readMessage(p.init.writeMessage());
    p.resp.setPsks([psk]);
    p.init.readMessage(p.resp.writeMessage());
    expectNoiseError(() => p.resp.setPsks([psk]), 'bad-state');
  });

  it('refuses handshake messages that are too short, too long, or not bytes', () => {
    const { init, resp } = ikPair();
    const msg1 = init.writeMessage();
    for (const cut of [0, 31, 32 + 47]) {
      const { init: i, resp: r } = ikPair();
      const m = i.writeMessage();
      expectNoiseError(() => r.readMessage(m.subarray(0, cut)), 'bad-message');
    }
    expectNoiseError(() => ikPair().resp.readMessage('not bytes' as unknown as Uint8Array), 'bad-message');
    resp.readMessage(msg1);
    const msg2 = resp.writeMessage();
    expectNoiseError(() => init.readMessage(msg2.subarray(0, 32 + 15)), 'bad-message');
    expect(init.isComplete).toBe(false);
  });

  it('needs the static key a pattern sends, even when the pattern has no pre-message for it', () => {
    const XX = 'Noise_XX_25519_ChaChaPoly_SHA256';
    expectNoiseError(() => new HandshakeState({ protocolName: XX, initiator: true }), 'bad-key');
    expectNoiseError(() => new HandshakeState({ protocolName: XX, initiator: false }), 'bad-key');
    const N = 'Noise_N_25519_ChaChaPoly_SHA256';
    // N: the initiator sends no static key, so it needs none.
    expect(
      () => new HandshakeState({ protocolName: N, initiator: true, rs: generateKeyPair().publicKey }),
    ).not.toThrow();
  });

  it('one-way patterns refuse the reverse direction', () => {
    const rs = generateKeyPair();
    const init = new HandshakeState({
      protocolName: 'Noise_N_25519_ChaChaPoly_BLAKE2s',
      initiator: true,
      rs: rs.publicKey,
    });
    const resp = new HandshakeState({ protocolName: 'Noise_N_25519_ChaChaPoly_BLAKE2s', initiator: false, s: rs });
    resp.readMessage(init.writeMessage());
    const a = init.split();
    const b = resp.split();
    expect(b.receive.decryptWithAd(EMPTY, a.send.encryptWithAd(EMPTY, utf8('x')))).toEqual(utf8('x'));
    expectNoiseError(() => b.send.encryptWithAd(EMPTY, utf8('x')), 'bad-state');
    expectNoiseError(() => a.receive.decryptWithAd(EMPTY, new Uint8Array(17)), 'bad-state');
  });

  it('runs every supported pattern and hash with random keys (psks where needed)', () => {
    // Every pattern once with SHA256 (the vectors already cover every hash), plus IK/IKpsk2 with every hash.
    const patterns = new Set(
      allVectors
        .map(({ vector }) => vector.protocol_name)
        .filter((n) => n.endsWith('_SHA256') || /^Noise_IK(psk2)?_/.test(n)),
    );
    for (const name of patterns) {
      const parsed = parseProtocolName(name)!;
      const p = parsed.pattern;
      const is = generateKeyPair();
      const rsKey = generateKeyPair();
      const psks = Array.from({ length: p.pskCount }, () => globalThis.crypto.getRandomValues(new Uint8Array(32)));
      const iSends = p.messages.some((m, k) => k % 2 === 0 && m.includes('s')) || p.initiatorPre.includes('s');
      const rSends = p.messages.some((m, k) => k % 2 === 1 && m.includes('s')) || p.responderPre.includes('s');
      const init = new HandshakeState({
        protocolName: name,
        initiator: true,
        psks,
        ...(iSends ? { s: is } : {}),
        ...(p.responderPre.includes('s') ? { rs: rsKey.publicKey } : {}),
      });
      const resp = new HandshakeState({
        protocolName: name,
        initiator: false,
        psks,
        ...(rSends ? { s: rsKey } : {}),
        ...(p.initiatorPre.includes('s') ? { rs: is.publicKey } : {}),
      });
      for (let k = 0; !init.isComplete; k++) {
        const [w, r] = k % 2 === 0 ? [init, resp] : [resp, init];
        expect(r.readMessage(w.writeMessage(utf8(`m${k}`))), name).toEqual(utf8(`m${k}`));
      }
      expect(resp.isComplete).toBe(true);
      expect(init.handshakeHash).toEqual(resp.handshakeHash);
      if (iSends) expect(resp.remoteStaticKey).toEqual(is.publicKey);
      if (rSends) expect(init.remoteStaticKey).toEqual(rsKey.publicKey);
      const a = init.split();
      const b = resp.split();
      expect(b.receive.decryptWithAd(EMPTY, a.send.encryptWithAd(EMPTY, utf8('t')))).toEqual(utf8('t'));
      if (!p.oneWay) expect(a.receive.decryptWithAd(EMPTY, b.send.encryptWithAd(EMPTY, utf8('u')))).toEqual(utf8('u'));
    }
  });
});

describe('transport CipherState', () => {
  it('rejects a replayed message and leaves the nonce unchanged', () => {
    const { init, resp } = completeIk();
    const m0 = init.send.encryptWithAd(EMPTY, utf8('one'));
    expect(resp.receive.decryptWithAd(EMPTY, m0)).toEqual(utf8('one'));
    expect(resp.receive.nonce).toBe(1n);
    expectNoiseError(() => resp.receive.decryptWithAd(EMPTY, m0), 'decrypt-failed');
    expect(resp.receive.nonce).toBe(1n);
  });

  it('rejects reordered messages (per spec the nonce only advances on success)', () => {
    const { init, resp } = completeIk();
    const m0 = init.send.encryptWithAd(EMPTY, utf8('zero'));
    const m1 = init.send.encryptWithAd(EMPTY, utf8('one'));
    expectNoiseError(() => resp.receive.decryptWithAd(EMPTY, m1), 'decrypt-failed');
    expect(resp.receive.nonce).toBe(0n);
    expect(resp.receive.decryptWithAd(EMPTY, m0)).toEqual(utf8('zero'));
    expect(resp.receive.decryptWithAd(EMPTY, m1)).toEqual(utf8('one'));
  });

  it('rejects tampering, wrong associated data, and short ciphertexts', () => {
    const { init, resp } = completeIk();
    const m = init.send.encryptWithAd(utf8('ad'), utf8('secret'));
    const bad = Uint8Array.from(m);
    bad[bad.length - 1]! ^= 1;
    expectNoiseError(() => resp.receive.decryptWithAd(utf8('ad'), bad), 'decrypt-failed');
    expectNoiseError(() => resp.receive.decryptWithAd(utf8('AD'), m), 'decrypt-failed');
    expectNoiseError(() => resp.receive.decryptWithAd(EMPTY, new Uint8Array(15)), 'bad-message');
    expect(resp.receive.decryptWithAd(utf8('ad'), m)).toEqual(utf8('secret'));
  });

  it('enforces the message size limit', () => {
    const { init, resp } = completeIk();
    expectNoiseError(
      () => init.send.encryptWithAd(EMPTY, new Uint8Array(MAX_NOISE_PLAINTEXT_BYTES + 1)),
      'bad-message',
    );
    const max = init.send.encryptWithAd(EMPTY, new Uint8Array(MAX_NOISE_PLAINTEXT_BYTES));
    expect(max.length).toBe(MAX_NOISE_MESSAGE_BYTES);
    expect(resp.receive.decryptWithAd(EMPTY, max).length).toBe(MAX_NOISE_PLAINTEXT_BYTES);
    expectNoiseError(
      () => resp.receive.decryptWithAd(EMPTY, new Uint8Array(MAX_NOISE_MESSAGE_BYTES + 1)),
      'bad-message',
    );
  });

  it('signals nonce exhaustion at 2^64-1', () => {
    const key = new Uint8Array(32).fill(3);
    const a = new CipherState(key);
    const b = new CipherState(key);
    a.setNonce(2n ** 64n - 2n);
    b.setNonce(2n ** 64n - 2n);
    expect(b.decryptWithAd(EMPTY, a.encryptWithAd(EMPTY, utf8('last')))).toEqual(utf8('last'));
    expect(a.nonce).toBe(2n ** 64n - 1n);
    expectNoiseError(() => a.encryptWithAd(EMPTY, utf8('x')), 'nonce-exhausted');
    expectNoiseError(() => b.decryptWithAd(EMPTY, new Uint8Array(16)), 'nonce-exhausted');
    expectNoiseError(() => a.setNonce(2n ** 64n), 'bad-state');
  });

  it('rekey keeps both sides in step and changes the key', () => {
    const { init, resp } = completeIk();
    init.send.rekey();
    const m = init.send.encryptWithAd(EMPTY, utf8('after rekey'));
    expectNoiseError(() => resp.receive.decryptWithAd(EMPTY, m), 'decrypt-failed');
    resp.receive.rekey();
    expect(resp.receive.decryptWithAd(EMPTY, m)).toEqual(utf8('after rekey'));
    expectNoiseError(() => new CipherState().rekey(), 'bad-state');
  });

  it('passes data through without a key, and rejects a wrong-length key', () => {
    const c = new CipherState();
    expect(c.hasKey).toBe(false);
    expect(c.encryptWithAd(EMPTY, utf8('plain'))).toEqual(utf8('plain'));
    expectNoiseError(() => new CipherState(new Uint8Array(16)), 'bad-key');
  });
});
