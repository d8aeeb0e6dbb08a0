// AEAD used by Noise CipherState: ChaCha20-Poly1305 (RFC 8439) behind a small pluggable interface, so the
// daemon can swap in node:crypto (see cli/src/daemon/node-aead.ts) while the browser keeps the noble one.
// Isomorphic: no Node or DOM APIs.
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { concat } from './encoding.js';

/** Size of a ChaCha20-Poly1305 key. */
export const AEAD_KEY_BYTES = 32;
/** Size of a ChaCha20-Poly1305 nonce. */
export const AEAD_NONCE_BYTES = 12;
/** Size of the Poly1305 authentication tag appended to every ciphertext. */
export const AEAD_TAG_BYTES = 16;

/** One AEAD key: seals and opens with caller-supplied 12-byte nonces. */
export interface Aead {
  /** Encrypts and authenticates; returns ciphertext || 16-byte tag. */
  seal(nonce12: Uint8Array, ad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /**
   * Seals the concatenation of `parts` like seal(), into a new array whose first `reserve` bytes are left
   * for the caller (a frame header): no copy of the plaintext or of the ciphertext is made for that.
   */
  sealParts(nonce12: Uint8Array, ad: Uint8Array, parts: readonly Uint8Array[], reserve: number): Uint8Array;
  /**
   * Like sealParts, but the sealed bytes come as pieces to be sent back to back (the first with `reserve`
   * bytes free in front), for an implementation whose output comes in pieces anyway: joining them would
   * copy every byte once more. Optional: sealParts serves where it is missing.
   */
  sealPieces?(nonce12: Uint8Array, ad: Uint8Array, parts: readonly Uint8Array[], reserve: number): Uint8Array[];
  /** Verifies and decrypts ciphertext || tag; throws on authentication failure. */
  open(nonce12: Uint8Array, ad: Uint8Array, ciphertext: Uint8Array): Uint8Array;
}

/** Total length of `parts`. */
export function partsLength(parts: readonly Uint8Array[]): number {
  let total = 0;
  for (const p of parts) total += p.length;
  return total;
}

/** Builds an Aead bound to one 32-byte key (the key is copied). */
export type AeadFactory = (key32: Uint8Array) => Aead;

/** Throws a RangeError unless the byte array has the expected length. */
export function checkAeadLength(what: string, bytes: Uint8Array, expectedBytes: number): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== expectedBytes) {
    throw new RangeError(`${what} must be ${expectedBytes} bytes`);
  }
}

/** Pure-JS ChaCha20-Poly1305 from @noble/ciphers; works in Node and browsers. */
export const nobleChaChaPoly: AeadFactory = (key32: Uint8Array): Aead => {
  checkAeadLength('AEAD key', key32, AEAD_KEY_BYTES);
  const key = Uint8Array.from(key32);
  return {
    seal(nonce12, ad, plaintext) {
      checkAeadLength('AEAD nonce', nonce12, AEAD_NONCE_BYTES);
      return chacha20poly1305(key, nonce12, ad).encrypt(plaintext);
    },
    sealParts(nonce12, ad, parts, reserve) {
      checkAeadLength('AEAD nonce', nonce12, AEAD_NONCE_BYTES);
      const length = partsLength(parts);
      const plaintext = parts.length === 1 ? (parts[0] as Uint8Array) : concat(...parts);
      const out = new Uint8Array(reserve + length + AEAD_TAG_BYTES);
      chacha20poly1305(key, nonce12, ad).encrypt(plaintext, out.subarray(reserve));
      return out;
    },
    open(nonce12, ad, ciphertext) {
      checkAeadLength('AEAD nonce', nonce12, AEAD_NONCE_BYTES);
      if (ciphertext.length < AEAD_TAG_BYTES) throw new Error('AEAD ciphertext shorter than the tag');
      return chacha20poly1305(key, nonce12, ad).decrypt(ciphertext);
    },
  };
};

/** Largest Noise nonce value that fits the 64-bit counter. */
export const MAX_NOISE_NONCE = 2n ** 64n - 1n;

/** Noise ChaChaPoly nonce: 4 zero bytes then the 64-bit counter little-endian. */
export function noiseNonce(n: bigint): Uint8Array {
  if (n < 0n || n > MAX_NOISE_NONCE) throw new RangeError('Noise nonce out of the 64-bit range');
  const out = new Uint8Array(AEAD_NONCE_BYTES);
  new DataView(out.buffer).setBigUint64(4, n, true);
  return out;
}
