// The keys of a Noise handshake: pre-shared key size, key pairs (generated, derived, copied in with their
// lengths checked) and DH() as Noise defines it for 25519, refusing the all-zero result of a low-order point.
// Isomorphic: no Node or DOM APIs.
import { NoiseError } from './noise-cipher.js';
import { DH_KEY_BYTES, type KeyPair, nobleX25519, publicKeyOf, type X25519 } from './x25519.js';

/** Size of a Noise pre-shared key. */
export const PSK_BYTES = 32;

export function checkKey(what: string, key: unknown, lengthBytes: number): asserts key is Uint8Array {
  if (!(key instanceof Uint8Array) || key.length !== lengthBytes) {
    throw new NoiseError('bad-key', `${what} must be ${lengthBytes} bytes`);
  }
}

/** Generates a random X25519 key pair from crypto.getRandomValues. */
export function generateKeyPair(): KeyPair {
  return nobleX25519.generateKeyPair();
}

/** Derives the key pair of a 32-byte X25519 private key (the private key is copied). */
export function keyPairFromPrivate(privateKey: Uint8Array): KeyPair {
  checkKey('private key', privateKey, DH_KEY_BYTES);
  const priv = Uint8Array.from(privateKey);
  return { publicKey: publicKeyOf(priv), privateKey: priv };
}

export function copyKeyPair(what: string, pair: KeyPair | undefined): KeyPair | undefined {
  if (pair === undefined) return undefined;
  checkKey(`${what}.privateKey`, pair.privateKey, DH_KEY_BYTES);
  checkKey(`${what}.publicKey`, pair.publicKey, DH_KEY_BYTES);
  return { publicKey: Uint8Array.from(pair.publicKey), privateKey: Uint8Array.from(pair.privateKey) };
}

/** X25519 with the all-zero (low-order input) result rejected as bad-key. */
export function dh(impl: X25519, pair: KeyPair | undefined, publicKey: Uint8Array | undefined): Uint8Array {
  if (pair === undefined || publicKey === undefined) throw new NoiseError('bad-state', 'DH with a missing key');
  let shared: Uint8Array;
  try {
    shared = impl.sharedSecret(pair.privateKey, publicKey);
  } catch (cause) {
    throw new NoiseError('bad-key', 'X25519 rejected the key (low-order point)', { cause });
  }
  let acc = 0;
  for (const byte of shared) acc |= byte;
  if (acc === 0) throw new NoiseError('bad-key', 'X25519 result is all zero (low-order point)');
  return shared;
}
