import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AeadFactory, MAX_NOISE_NONCE, nobleChaChaPoly, noiseNonce } from '../../src/channel/aead.js';
import { generateKeyPair, HandshakeState, MAX_NOISE_PLAINTEXT_BYTES } from '../../src/channel/noise.js';
import { nodeChaChaPoly } from '../../src/daemon/node-aead.js';

const hex = (s: string): Uint8Array =>
  Uint8Array.from(s.replace(/\s+/g, '').match(/../g) ?? [], (b) => parseInt(b, 16));
const toHex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/** Fast byte equality (vitest's deep equality is slow on large typed arrays). */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const bytes = (len: number) => fc.uint8Array({ minLength: len, maxLength: len });
const sealInput = fc.record({
  key: bytes(32),
  nonce: bytes(12),
  ad: fc.uint8Array({ maxLength: 64 }),
  // small sizes often, and the whole 0..65519 range
  size: fc.oneof(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: MAX_NOISE_PLAINTEXT_BYTES })),
  seed: fc.integer({ min: 0, max: 255 }),
});

function plaintextOf(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

const impls: [string, AeadFactory, AeadFactory][] = [
  ['node seals, noble opens', nodeChaChaPoly, nobleChaChaPoly],
  ['noble seals, node opens', nobleChaChaPoly, nodeChaChaPoly],
];

describe('ChaCha20-Poly1305 implementations', () => {
  it('match the RFC 8439 section 2.8.2 AEAD vector', () => {
    const key = Uint8Array.from({ length: 32 }, (_, i) => 0x80 + i);
    const nonce = hex('070000004041424344454647');
    const ad = hex('50515253c0c1c2c3c4c5c6c7');
    const plaintext = new TextEncoder().encode(
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
    );
    for (const factory of [nobleChaChaPoly, nodeChaChaPoly]) {
      const sealed = factory(key).seal(nonce, ad, plaintext);
      expect(sealed.length).toBe(plaintext.length + 16);
      expect(toHex(sealed.subarray(0, 16))).toBe('d31a8d34648e60db7b86afbc53ef7ec2');
      expect(toHex(sealed.subarray(plaintext.length))).toBe('1ae10b594f09e26a7e902ecbd0600691');
    }
  });

  it.each([
    ['noble', nobleChaChaPoly],
    ['node', nodeChaChaPoly],
  ] as const)('%s: sealParts is seal of the parts joined, after the bytes it leaves free', (_name, factory) => {
    fc.assert(
      fc.property(
        sealInput,
        fc.array(fc.nat(), { maxLength: 3 }),
        fc.integer({ min: 0, max: 3 }),
        ({ key, nonce, ad, size, seed }, cuts, reserve) => {
          const plaintext = plaintextOf(size, seed);
          const points = [0, ...cuts.map((c) => c % (size + 1)).sort((a, b) => a - b), size];
          const parts = points.slice(1).map((end, i) => plaintext.subarray(points[i], end));
          const aead = factory(key);
          const sealed = aead.sealParts(nonce, ad, parts, reserve);
          expect(sealed.length).toBe(reserve + size + 16);
          expect(sameBytes(sealed.subarray(reserve), aead.seal(nonce, ad, plaintext))).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  it.each(impls)('%s: byte-identical output, round trip, random sizes 0..65519', (_name, sealer, opener) => {
    fc.assert(
      fc.property(sealInput, ({ key, nonce, ad, size, seed }) => {
        const plaintext = plaintextOf(size, seed);
        const sealed = sealer(key).seal(nonce, ad, plaintext);
        expect(sealed.length).toBe(plaintext.length + 16);
        expect(sameBytes(sealed, opener(key).seal(nonce, ad, plaintext))).toBe(true);
        expect(sameBytes(opener(key).open(nonce, ad, sealed), plaintext)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it.each(impls)('%s: tampering with ciphertext, tag, ad, nonce or key is rejected', (_name, sealer, opener) => {
    fc.assert(
      fc.property(
        sealInput,
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        fc.integer({ min: 0, max: 3 }),
        ({ key, nonce, ad, size, seed }, pos, flip, what) => {
          const plaintext = plaintextOf(Math.min(size, 4096), seed);
          const sealed = sealer(key).seal(nonce, ad, plaintext);
          const k = Uint8Array.from(key);
          const n = Uint8Array.from(nonce);
          const a = Uint8Array.from(ad);
          const c = Uint8Array.from(sealed);
          if (what === 0) c[pos % c.length]! ^= flip;
          else if (what === 1) n[pos % n.length]! ^= flip;
          else if (what === 2) k[pos % k.length]! ^= flip;
          else if (a.length > 0) a[pos % a.length]! ^= flip;
          else c[c.length - 1]! ^= flip;
          expect(() => opener(k).open(n, a, c)).toThrow();
        },
      ),
      { numRuns: 200 },
    );
  });

  it.each([nobleChaChaPoly, nodeChaChaPoly])(
    'rejects wrong key/nonce sizes and truncated ciphertexts (%#)',
    (factory) => {
      expect(() => factory(new Uint8Array(31))).toThrow(RangeError);
      const aead = factory(new Uint8Array(32));
      expect(() => aead.seal(new Uint8Array(8), new Uint8Array(0), new Uint8Array(1))).toThrow(RangeError);
      expect(() => aead.open(new Uint8Array(12), new Uint8Array(0), new Uint8Array(15))).toThrow(
        /shorter than the tag/,
      );
      expect(() => aead.open(new Uint8Array(12), new Uint8Array(0), new Uint8Array(16))).toThrow();
    },
  );

  it('a Noise IK handshake and transport work with node on one side and noble on the other', () => {
    const server = generateKeyPair();
    const init = new HandshakeState({
      protocolName: 'Noise_IK_25519_ChaChaPoly_SHA256',
      initiator: true,
      s: generateKeyPair(),
      rs: server.publicKey,
      aead: nobleChaChaPoly,
    });
    const resp = new HandshakeState({
      protocolName: 'Noise_IK_25519_ChaChaPoly_SHA256',
      initiator: false,
      s: server,
      aead: nodeChaChaPoly,
    });
    resp.readMessage(init.writeMessage(new Uint8Array([1])));
    init.readMessage(resp.writeMessage(new Uint8Array([2])));
    const a = init.split();
    const b = resp.split();
    const big = plaintextOf(MAX_NOISE_PLAINTEXT_BYTES, 5);
    const empty = new Uint8Array(0);
    expect(sameBytes(b.receive.decryptWithAd(empty, a.send.encryptWithAd(empty, big)), big)).toBe(true);
    expect(sameBytes(a.receive.decryptWithAd(empty, b.send.encryptWithAd(empty, big)), big)).toBe(true);
    b.send.rekey();
    a.receive.rekey();
    expect(sameBytes(a.receive.decryptWithAd(empty, b.send.encryptWithAd(empty, big)), big)).toBe(true);
  });
});

describe('sealed in pieces (the daemon sends them back to back)', () => {
  it('node:crypto pieces joined are what noble seals, with the reserved bytes in front', () => {
    const key = new Uint8Array(32).map((_, i) => i + 1);
    const nonce = noiseNonce(5n);
    const ad = new Uint8Array([1, 2, 3]);
    const node = nodeChaChaPoly(key);
    for (const parts of [[], [new Uint8Array([9])], [new Uint8Array(40).fill(7), new Uint8Array(70_000).fill(3)]]) {
      const pieces = node.sealPieces!(nonce, ad, parts, 1);
      const joined = Buffer.concat(pieces);
      const plain = Buffer.concat(parts);
      expect(joined.length).toBe(1 + plain.length + 16);
      expect(Buffer.compare(joined.subarray(1), nobleChaChaPoly(key).seal(nonce, ad, plain))).toBe(0);
      expect(Buffer.compare(Buffer.from(node.sealParts(nonce, ad, parts, 1)).subarray(1), joined.subarray(1))).toBe(0);
    }
  });
});

describe('noiseNonce', () => {
  it('is 4 zero bytes then the counter little-endian', () => {
    expect(toHex(noiseNonce(0n))).toBe('000000000000000000000000');
    expect(toHex(noiseNonce(1n))).toBe('000000000100000000000000');
    expect(toHex(noiseNonce(0x0102030405060708n))).toBe('000000000807060504030201');
    expect(toHex(noiseNonce(MAX_NOISE_NONCE))).toBe('00000000ffffffffffffffff');
    expect(() => noiseNonce(-1n)).toThrow(RangeError);
    expect(() => noiseNonce(MAX_NOISE_NONCE + 1n)).toThrow(RangeError);
  });
});
