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
/** Imported public keys kept by value (paired devices' static keys): an import costs about as much as a DH. */
const PUBLIC_CACHE_ENTRIES = 256;

/** Keys this module generated or imported, by the identity of the byte array handed out or passed in. */
const generatedPrivate = new WeakMap<Uint8Array, KeyObject>();
const publicByArray = new WeakMap<Uint8Array, KeyObject>();
const privateByValue = new Map<string, KeyObject>();
const publicByValue = new Map<string, KeyObject>();

/** A least-recently-used lookup in `cache`, importing (and keeping) the key when it is not there. */
function cached(cache: Map<string, KeyObject>, limit: number, bytes: Uint8Array, load: () => KeyObject): KeyObject {
  const id = Buffer.from(bytes).toString('latin1');
  let key = cache.get(id);
  if (key)
    cache.delete(id); // re-inserted below: most recently used last
  else key = load();
  cache.set(id, key);
  while (cache.size > limit) cache.delete(cache.keys().next().value!);
  return key;
}

function checkLength(what: string, key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== DH_KEY_BYTES) throw new RangeError(`${what} must be 32 bytes`);
}

function privateKeyObject(bytes: Uint8Array): KeyObject {
  return (
    generatedPrivate.get(bytes) ??
    cached(privateByValue, PRIVATE_CACHE_ENTRIES, bytes, () =>
      createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, bytes]), format: 'der', type: 'pkcs8' }),
    )
  );
}

function publicKeyObject(bytes: Uint8Array): KeyObject {
  let key = publicByArray.get(bytes);
  if (!key) {
    key = cached(publicByValue, PUBLIC_CACHE_ENTRIES, bytes, () =>
      createPublicKey({ key: Buffer.concat([SPKI_PREFIX, bytes]), format: 'der', type: 'spki' }),
    );
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
