// X25519 (the Noise `25519` DH functions) behind a small pluggable interface, like the AEAD in aead.ts:
// the daemon swaps in node:crypto (cli/src/daemon/node-x25519.ts) while the browser keeps @noble.
// Isomorphic: no Node or DOM APIs.
import { x25519 } from '@noble/curves/ed25519.js';

/** X25519 key and shared-secret size (DHLEN). */
export const DH_KEY_BYTES = 32;

/** An X25519 key pair. */
export interface KeyPair {
  /** 32-byte X25519 public key. */
  publicKey: Uint8Array;
  /** 32-byte X25519 private key. */
  privateKey: Uint8Array;
}

/** One implementation of X25519; every implementation gives the same bytes. */
export interface X25519 {
  /** GENERATE_KEYPAIR(): a fresh random key pair. */
  generateKeyPair(): KeyPair;
  /** DH(privateKey, publicKey): the 32-byte shared secret; throws on a low-order public key. */
  sharedSecret(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array;
}

/** Pure-JS X25519 from @noble/curves; works in Node and browsers. */
export const nobleX25519: X25519 = {
  generateKeyPair() {
    const random = globalThis.crypto.getRandomValues(new Uint8Array(DH_KEY_BYTES));
    const pair = { publicKey: x25519.getPublicKey(random), privateKey: Uint8Array.from(random) };
    random.fill(0);
    return pair;
  },
  sharedSecret(privateKey, publicKey) {
    return x25519.getSharedSecret(privateKey, publicKey);
  },
};

/** The public key of a 32-byte X25519 private key (pure JS; used once per identity, not per handshake). */
export function publicKeyOf(privateKey: Uint8Array): Uint8Array {
  return x25519.getPublicKey(privateKey);
}
