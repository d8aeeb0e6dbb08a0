// Node-only X25519 (OpenSSL via node:crypto) for the daemon's Noise handshakes. Byte-identical to
// nobleX25519 in cli/src/channel/x25519.ts (the published Noise vectors run against both) and about
// twenty times faster, so a flood of handshakes costs the daemon far less than it costs the sender.
//
// What a handshake costs here is mostly key objects: a DH between two KeyObjects is one scalar
// multiplication, but importing a public key cost as much again (see withoutStacks). So keys are
// imported once and kept (the daemon's static key, paired devices' keys), ephemeral keys stay the
// KeyObjects they were generated as, and peers' ephemeral keys are imported from raw bytes where the
// runtime knows that format (Node 24), from DER elsewhere.
import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, KeyObject } from 'node:crypto';
import { DH_KEY_BYTES, type KeyPair, type X25519 } from '../channel/x25519.js';

/** DER prefixes that wrap a raw 32-byte X25519 key (RFC 8410): PKCS#8 private, SPKI public. */
const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');
/** Keys seen once, kept in case they come again (ephemeral keys never do: they only pass through here). */
const PROBATION_ENTRIES = 64;
/** Keys seen more than once (the daemon's static key, paired devices' keys), most recently used kept. */
const KEPT_ENTRIES = 256;
/** DH results of two kept keys (the daemon's static key with a paired device's: the same every handshake). */
const STATIC_DH_ENTRIES = 256;

/**
 * Imported keys by value, least recently used dropped first. A key enters the kept part only when it is
 * seen a second time, so a flood of one-time keys cannot push out the keys that come every handshake.
 */
class KeyCache {
  private readonly probation = new Map<string, KeyObject>();
  private readonly kept = new Map<string, KeyObject>();

  /** The key object of `bytes` (imported with `load` when not cached), and whether it is a kept one. */
  get(bytes: Uint8Array, load: () => KeyObject): { key: KeyObject; id: string; kept: boolean } {
    const id = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
    let key = this.kept.get(id);
    if (key) {
      this.kept.delete(id); // re-inserted: most recently used last
      this.kept.set(id, key);
      return { key, id, kept: true };
    }
    key = this.probation.get(id);
    if (key) {
      this.probation.delete(id);
      this.kept.set(id, key);
      trim(this.kept, KEPT_ENTRIES);
      return { key, id, kept: true };
    }
    key = load();
    this.probation.set(id, key);
    trim(this.probation, PROBATION_ENTRIES);
    return { key, id, kept: false };
  }
}

function trim<V>(map: Map<string, V>, limit: number): void {
  while (map.size > limit) map.delete(map.keys().next().value as string);
}

/** Keys this module generated, by the identity of the byte array handed out. */
const generatedPrivate = new WeakMap<Uint8Array, KeyObject>();
/** Public keys already looked up, by the identity of the byte array passed in (a handshake uses each twice). */
const publicByArray = new WeakMap<Uint8Array, { key: KeyObject; id: string; kept: boolean }>();
const privateByValue = new KeyCache();
const publicByValue = new KeyCache();
/** DH(static, static) results: kept keys only, so entries are as long-lived as those keys. */
const staticDh = new Map<string, Uint8Array>();

/** True when this runtime imports and exports X25519 keys as raw bytes ('raw-public', 'raw-private'). */
const RAW_FORMATS = ((): boolean => {
  try {
    const { publicKey } = generateKeyPairSync('x25519');
    const raw = publicKey.export({ format: 'raw-public' } as unknown as { format: 'der'; type: 'spki' });
    createPublicKey({ key: raw, format: 'raw-public', asymmetricKeyType: 'x25519' } as unknown as { key: Buffer });
    return raw.length === DH_KEY_BYTES;
  } catch {
    return false;
  }
})();

function checkLength(what: string, key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== DH_KEY_BYTES) throw new RangeError(`${what} must be 32 bytes`);
}

/**
 * Runs `fn` without stack traces for the errors thrown in it. node:crypto's key import asks "is this a
 * CryptoKey?" by catching a TypeError, twice per import: capturing those stacks made up three quarters of
 * an import's cost. Errors that escape (a key OpenSSL refuses) are mapped to NoiseError by the caller.
 */
function withoutStacks<T>(fn: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return fn();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

function importPrivate(bytes: Uint8Array): KeyObject {
  return withoutStacks(() =>
    RAW_FORMATS
      ? createPrivateKey({ key: Buffer.from(bytes), format: 'raw-private', asymmetricKeyType: 'x25519' } as never)
      : createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, bytes]), format: 'der', type: 'pkcs8' }),
  );
}

function importPublic(bytes: Uint8Array): KeyObject {
  return withoutStacks(() =>
    RAW_FORMATS
      ? createPublicKey({ key: Buffer.from(bytes), format: 'raw-public', asymmetricKeyType: 'x25519' } as never)
      : createPublicKey({ key: Buffer.concat([SPKI_PREFIX, bytes]), format: 'der', type: 'spki' }),
  );
}

/** The 32 raw bytes of a generated key, as a plain Uint8Array of its own. */
function exportRaw(key: KeyObject, which: 'public' | 'private'): Uint8Array {
  if (RAW_FORMATS) {
    const raw = key.export({ format: `raw-${which}` } as never) as Buffer;
    return new Uint8Array(raw);
  }
  const jwk = key.export({ format: 'jwk' });
  return new Uint8Array(Buffer.from((which === 'public' ? jwk.x : jwk.d) as string, 'base64url'));
}

function privateKeyObject(bytes: Uint8Array): { key: KeyObject; id: string; kept: boolean } | KeyObject {
  return generatedPrivate.get(bytes) ?? privateByValue.get(bytes, () => importPrivate(bytes));
}

function publicKeyObject(bytes: Uint8Array): { key: KeyObject; id: string; kept: boolean } {
  let found = publicByArray.get(bytes);
  if (!found) {
    found = publicByValue.get(bytes, () => importPublic(bytes));
    publicByArray.set(bytes, found);
  }
  return found;
}

/** X25519 through node:crypto, same results as nobleX25519. */
export const nodeX25519: X25519 = {
  generateKeyPair(): KeyPair {
    const pair = generateKeyPairSync('x25519');
    const privateKey = exportRaw(pair.privateKey, 'private');
    const publicKey = exportRaw(pair.publicKey, 'public');
    generatedPrivate.set(privateKey, pair.privateKey);
    publicByArray.set(publicKey, { key: pair.publicKey, id: '', kept: false });
    return { publicKey, privateKey };
  },
  sharedSecret(privateKey, publicKey) {
    checkLength('X25519 private key', privateKey);
    checkLength('X25519 public key', publicKey);
    const priv = privateKeyObject(privateKey);
    const pub = publicKeyObject(publicKey);
    // Two long-lived keys (the daemon's and a paired device's): the result is the same every time. It is
    // no more secret than the daemon's static key, which stays in memory anyway. A copy goes out, since
    // the caller wipes what it gets.
    const both = !(priv instanceof KeyObject) && priv.kept && pub.kept ? priv.id + pub.id : undefined;
    const known = both === undefined ? undefined : staticDh.get(both);
    if (known) return Uint8Array.from(known);
    // OpenSSL refuses low-order points ("failed during derivation"): the caller maps the throw to bad-key.
    const shared = diffieHellman({ privateKey: priv instanceof KeyObject ? priv : priv.key, publicKey: pub.key });
    const out = new Uint8Array(shared.buffer, shared.byteOffset, shared.byteLength);
    if (both !== undefined) {
      staticDh.set(both, Uint8Array.from(out));
      trim(staticDh, STATIC_DH_ENTRIES);
    }
    return out;
  },
};
