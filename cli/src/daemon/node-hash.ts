// Node-only hashing (OpenSSL via node:crypto) for the daemon's Noise handshakes: HASH, HMAC-HASH and
// Noise's HKDF, byte-identical to @noble's in cli/src/channel/noise-symmetric.ts (the published Noise
// vectors run against both). A handshake does about twenty HMACs; through OpenSSL each costs a third of
// @noble's. HMAC is built from two one-shot hashes (RFC 2104): node's own createHmac costs more than that
// for inputs this small.
import * as nodeCrypto from 'node:crypto';
import {
  type NoiseHash,
  type NoiseHashes,
  type NoiseHashFunction,
  noiseHashFunction,
} from '../channel/noise-symmetric.js';

const IPAD = 0x36;
const OPAD = 0x5c;
/** The counter bytes HKDF appends to each output's input. */
const ONE = Uint8Array.of(0x01);
const TWO = Uint8Array.of(0x02);
const THREE = Uint8Array.of(0x03);

/** node:crypto's name, block size and output size of each Noise hash. */
const ALGORITHMS: Readonly<Record<NoiseHash, { name: string; blockBytes: number; hashLenBytes: number }>> = {
  SHA256: { name: 'sha256', blockBytes: 64, hashLenBytes: 32 },
  SHA512: { name: 'sha512', blockBytes: 128, hashLenBytes: 64 },
  BLAKE2s: { name: 'blake2s256', blockBytes: 64, hashLenBytes: 32 },
  BLAKE2b: { name: 'blake2b512', blockBytes: 128, hashLenBytes: 64 },
};

/** crypto.hash (Node ≥ 20.12 and 21.7): one call instead of createHash().update().digest(). */
const oneShot = (nodeCrypto as { hash?: (algorithm: string, data: Uint8Array, encoding: 'buffer') => Buffer }).hash;

function digester(name: string): (data: Uint8Array) => Uint8Array {
  const raw = oneShot
    ? (data: Uint8Array) => oneShot(name, data, 'buffer')
    : (data: Uint8Array) => nodeCrypto.createHash(name).update(data).digest();
  // A plain Uint8Array view: Buffer's slice() does not copy, and callers rely on slice() copying.
  return (data) => {
    const b = raw(data);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  };
}

/** The padded key of HMAC (RFC 2104) XORed with `pad`, in the first `blockBytes` of `out`. */
function padKey(out: Uint8Array, key: Uint8Array, pad: number, blockBytes: number): void {
  out.fill(pad, 0, blockBytes);
  for (let i = 0; i < key.length; i++) out[i] = (key[i] as number) ^ pad;
}

function nodeHashFunction(noiseName: NoiseHash): NoiseHashFunction {
  const { name, blockBytes, hashLenBytes } = ALGORITHMS[noiseName];
  const digest = digester(name);
  /** HMAC with the key's two pads already computed (in `inner` and `outer`, whose tails are scratch space). */
  const hmacPadded = (inner: Uint8Array, outer: Uint8Array, parts: readonly Uint8Array[]): Uint8Array => {
    let at = blockBytes;
    for (const p of parts) {
      inner.set(p, at);
      at += p.length;
    }
    outer.set(digest(inner.subarray(0, at)), blockBytes);
    return digest(outer);
  };
  // The pads are built in two arrays of this hash's own, reused by every call and wiped after it (calls
  // are synchronous, never nested): a handshake does ten of them, and allocating each cost more than the
  // XOR. `inner` grows when data is longer than it has room for.
  let inner = new Uint8Array(blockBytes + 2 * hashLenBytes);
  const outer = new Uint8Array(blockBytes + hashLenBytes);
  const pads = (key: Uint8Array, dataBytes: number): void => {
    const k = key.length > blockBytes ? digest(key) : key;
    if (inner.length < blockBytes + dataBytes) inner = new Uint8Array(blockBytes + dataBytes);
    padKey(inner, k, IPAD, blockBytes);
    padKey(outer, k, OPAD, blockBytes);
  };
  const wipe = (): void => {
    inner.fill(0);
    outer.fill(0);
  };
  return {
    hashLenBytes,
    hash: digest,
    hmac(key, data) {
      pads(key, data.length);
      const out = hmacPadded(inner, outer, [data]);
      wipe();
      return out;
    },
    hkdf(chainingKey, ikm, numOutputs) {
      pads(chainingKey, ikm.length);
      const tempKey = hmacPadded(inner, outer, [ikm]);
      // The two or three outputs are HMACs under tempKey: its pads are computed once.
      pads(tempKey, hashLenBytes + 1);
      const out1 = hmacPadded(inner, outer, [ONE]);
      const out2 = hmacPadded(inner, outer, [out1, TWO]);
      const outputs = [out1, out2];
      if (numOutputs === 3) outputs.push(hmacPadded(inner, outer, [out2, THREE]));
      wipe();
      tempKey.fill(0);
      return outputs;
    },
  };
}

/** True when this runtime's node:crypto has the hash (Deno, for one, may lack the BLAKE2 ones). */
function available(noiseName: NoiseHash): boolean {
  try {
    digester(ALGORITHMS[noiseName].name)(new Uint8Array(0));
    return true;
  } catch {
    return false;
  }
}

const cache = new Map<NoiseHash, NoiseHashFunction>();

/** node:crypto's implementation of each Noise hash (@noble's where this runtime lacks one). */
export const nodeNoiseHashes: NoiseHashes = (name) => {
  let h = cache.get(name);
  if (!h) {
    h = available(name) ? nodeHashFunction(name) : noiseHashFunction(name);
    cache.set(name, h);
  }
  return h;
};
