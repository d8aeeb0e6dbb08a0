// Node-only X25519 (OpenSSL via node:crypto) for the daemon's Noise handshakes. Byte-identical to
// nobleX25519 in cli/src/channel/x25519.ts (the published Noise vectors run against both) and about
// twenty times faster, so a flood of handshakes costs the daemon far less than it costs the sender.
import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { DH_KEY_BYTES, type KeyPair, type X25519 } from '../channel/x25519.js';

/** DER prefixes that wrap a raw 32-byte X25519 key (RFC 8410): PKCS#8 private, SPKI public. */
const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');
/** Imported private keys kept by value (the daemon's static key): importing one costs a scalar multiplication. */
const PRIVATE_CACHE_ENTRIES = 4;

/** Keys this module generated or imported, by the identity of the byte array handed out or passed in. */
const generatedPrivate = new WeakMap<Uint8Array, KeyObject>();
const publicByArray = new WeakMap<Uint8Array, KeyObject>();
const privateByValue = new Map<string, KeyObject>();

function checkLength(what: string, key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== DH_KEY_BYTES) throw new RangeError(`${what} must be 32 bytes`);
}

function privateKeyObject(bytes: Uint8Array): KeyObject {
  const known = generatedPrivate.get(bytes);
  if (known) return known;
  const id = Buffer.from(bytes).toString('latin1');
  let key = privateByValue.get(id);
  if (key) {
    privateByValue.delete(id); // re-inserted below: most recently used last
  } else {
    key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, bytes]), format: 'der', type: 'pkcs8' });
  }
  privateByValue.set(id, key);
  while (privateByValue.size > PRIVATE_CACHE_ENTRIES) privateByValue.delete(privateByValue.keys().next().value!);
  return key;
}

function publicKeyObject(bytes: Uint8Array): KeyObject {
  let key = publicByArray.get(bytes);
  if (!key) {
    key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, bytes]), format: 'der', type: 'spki' });
    publicByArray.set(bytes, key);
  }
  return key;
}

/** X25519 through node:crypto, same results as nobleX25519. */
export const nodeX25519: X25519 = {
  generateKeyPair(): KeyPair {
    const pair = generateKeyPairSync('x25519');
    const jwk = pair.privateKey.export({ format: 'jwk' });
    const privateKey = new Uint8Array(Buffer.from(jwk.d!, 'base64url'));
    const publicKey = new Uint8Array(Buffer.from(jwk.x!, 'base64url'));
    generatedPrivate.set(privateKey, pair.privateKey);
    publicByArray.set(publicKey, pair.publicKey);
    return { publicKey, privateKey };
  },
  sharedSecret(privateKey, publicKey) {
    checkLength('X25519 private key', privateKey);
    checkLength('X25519 public key', publicKey);
    // OpenSSL refuses low-order points ("failed during derivation"): the caller maps the throw to bad-key.
    const shared = diffieHellman({ privateKey: privateKeyObject(privateKey), publicKey: publicKeyObject(publicKey) });
    return new Uint8Array(shared.buffer, shared.byteOffset, shared.byteLength);
  },
};
