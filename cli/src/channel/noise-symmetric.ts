// Noise hash functions, HKDF and SymmetricState (spec revision 34, sections 4.3 and 5.2).
// Isomorphic: no Node or DOM APIs.
import { blake2b, blake2s } from '@noble/hashes/blake2.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import type { AeadFactory } from './aead.js';
import { CipherState } from './noise-cipher.js';

/** Hash functions a Noise protocol name can select. */
export type NoiseHash = 'SHA256' | 'SHA512' | 'BLAKE2s' | 'BLAKE2b';

/** One Noise hash function: HASH, HASHLEN and HMAC-HASH. */
export interface NoiseHashFunction {
  /** Output size in bytes (HASHLEN). */
  readonly hashLenBytes: number;
  /** HASH(data). */
  hash(data: Uint8Array): Uint8Array;
  /** HMAC-HASH(key, data) per RFC 2104 with this hash's block size. */
  hmac(key: Uint8Array, data: Uint8Array): Uint8Array;
  /** Noise's HKDF, when the implementation has a faster one than three HMACs through `hmac` (same bytes). */
  hkdf?(chainingKey: Uint8Array, ikm: Uint8Array, numOutputs: 2 | 3): Uint8Array[];
}

/** Which implementation of each hash a HandshakeState uses (the daemon plugs in node:crypto's). */
export type NoiseHashes = (name: NoiseHash) => NoiseHashFunction;

type NobleHash = typeof sha256 | typeof sha512 | typeof blake2s | typeof blake2b;

function wrap(h: NobleHash): NoiseHashFunction {
  return {
    hashLenBytes: h.outputLen,
    hash: (data) => h(data),
    hmac: (key, data) => hmac(h, key, data),
  };
}

const HASHES: Readonly<Record<NoiseHash, NoiseHashFunction>> = {
  SHA256: wrap(sha256),
  SHA512: wrap(sha512),
  BLAKE2s: wrap(blake2s),
  BLAKE2b: wrap(blake2b),
};

/** Returns the hash function for a Noise hash name. */
export function noiseHashFunction(name: NoiseHash): NoiseHashFunction {
  return HASHES[name];
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** Noise HKDF(chainingKey, inputKeyMaterial, numOutputs) with numOutputs 2 or 3. */
export function noiseHkdf(
  h: NoiseHashFunction,
  chainingKey: Uint8Array,
  ikm: Uint8Array,
  numOutputs: 2 | 3,
): Uint8Array[] {
  if (h.hkdf) return h.hkdf(chainingKey, ikm, numOutputs);
  const tempKey = h.hmac(chainingKey, ikm);
  const out1 = h.hmac(tempKey, Uint8Array.of(0x01));
  const out2 = h.hmac(tempKey, concat(out1, Uint8Array.of(0x02)));
  const outputs = [out1, out2];
  if (numOutputs === 3) outputs.push(h.hmac(tempKey, concat(out2, Uint8Array.of(0x03))));
  tempKey.fill(0);
  return outputs;
}

const CIPHER_KEY_BYTES = 32;

/** Truncates a HASHLEN output to a 32-byte cipher key (copying), as the spec requires for 64-byte hashes. */
function cipherKey(material: Uint8Array): Uint8Array {
  return material.slice(0, CIPHER_KEY_BYTES);
}

/** Noise SymmetricState: chaining key ck, handshake hash h and a CipherState. */
export class SymmetricState {
  readonly #hash: NoiseHashFunction;
  readonly #aead: AeadFactory;
  #ck: Uint8Array;
  #h: Uint8Array;
  readonly #cipher: CipherState;

  /** InitializeSymmetric(protocolName), with `hash` the protocol's hash function. */
  constructor(protocolName: string, hash: NoiseHashFunction, aead: AeadFactory) {
    this.#hash = hash;
    this.#aead = aead;
    const name = new TextEncoder().encode(protocolName);
    if (name.length <= this.#hash.hashLenBytes) {
      this.#h = new Uint8Array(this.#hash.hashLenBytes);
      this.#h.set(name, 0);
    } else {
      this.#h = this.#hash.hash(name);
    }
    this.#ck = Uint8Array.from(this.#h);
    this.#cipher = new CipherState(undefined, aead);
  }

  /** True once MixKey/MixKeyAndHash has set a cipher key. */
  get hasKey(): boolean {
    return this.#cipher.hasKey;
  }

  /** A copy of the handshake hash h. */
  get handshakeHash(): Uint8Array {
    return Uint8Array.from(this.#h);
  }

  /** MixKey(ikm). */
  mixKey(ikm: Uint8Array): void {
    const [ck, tempK] = noiseHkdf(this.#hash, this.#ck, ikm, 2) as [Uint8Array, Uint8Array];
    this.#ck.fill(0);
    this.#ck = ck;
    const key = cipherKey(tempK);
    this.#cipher.initializeKey(key);
    tempK.fill(0);
    key.fill(0);
  }

  /** MixHash(data): h = HASH(h || data). */
  mixHash(data: Uint8Array): void {
    this.#h = this.#hash.hash(concat(this.#h, data));
  }

  /** MixKeyAndHash(ikm), used for psk tokens. */
  mixKeyAndHash(ikm: Uint8Array): void {
    const [ck, tempH, tempK] = noiseHkdf(this.#hash, this.#ck, ikm, 3) as [Uint8Array, Uint8Array, Uint8Array];
    this.#ck.fill(0);
    this.#ck = ck;
    this.mixHash(tempH);
    const key = cipherKey(tempK);
    this.#cipher.initializeKey(key);
    tempK.fill(0);
    key.fill(0);
  }

  /** EncryptAndHash(plaintext): encrypts with h as associated data, then mixes the ciphertext into h. */
  encryptAndHash(plaintext: Uint8Array): Uint8Array {
    const ciphertext = this.#cipher.encryptWithAd(this.#h, plaintext);
    this.mixHash(ciphertext);
    return ciphertext;
  }

  /** DecryptAndHash(ciphertext): decrypts with h as associated data, then mixes the ciphertext into h. */
  decryptAndHash(ciphertext: Uint8Array): Uint8Array {
    const plaintext = this.#cipher.decryptWithAd(this.#h, ciphertext);
    this.mixHash(ciphertext);
    return plaintext;
  }

  /** Split(): the two transport CipherStates (c1 for initiator-to-responder, c2 for the reverse); wipes ck. */
  split(): [CipherState, CipherState] {
    const [k1, k2] = noiseHkdf(this.#hash, this.#ck, new Uint8Array(0), 2) as [Uint8Array, Uint8Array];
    const c1 = new CipherState(cipherKey(k1), this.#aead);
    const c2 = new CipherState(cipherKey(k2), this.#aead);
    k1.fill(0);
    k2.fill(0);
    this.#ck.fill(0);
    this.#cipher.initializeKey(undefined);
    return [c1, c2];
  }
}
