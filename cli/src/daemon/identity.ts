// The daemon's identity, kept in PASEO_HOME/identity.json: a stable id, its static X25519 key pair (the
// Noise key devices pin when they pair) and an Ed25519 signing key whose hash is its relay id (it proves
// to a relay that the daemon owns that id). The file is never silently replaced; a file from before the
// signing key gains one (version 2), keeping everything else.
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { equalBytes, fromBase64Url, toBase64Url } from '../channel/encoding.js';
import { generateKeyPair, type KeyPair, keyPairFromPrivate } from '../channel/noise.js';
import { relayIdOf } from '../channel/relay-protocol.js';
import { isPlainObject } from '../channel/validate.js';
import { randomId } from '../state/ids.js';
import { readJsonFile, StateFileError, writeJsonAtomic } from '../state/state-file.js';

/** The Ed25519 key that proves the daemon's relay id. */
export interface SigningKey {
  publicKey: Uint8Array;
  /** Signs bytes (Ed25519). */
  sign(message: Uint8Array): Uint8Array;
}

/** Who this daemon is. */
export interface Identity {
  daemonId: string;
  keys: KeyPair;
  signing: SigningKey;
  /** Where relays route to this daemon: derived from `signing.publicKey` (channel/relay-protocol.ts). */
  relayId: string;
  createdAt: string;
}

const VERSION = 2;

/** Loads the identity, creating it on first run and adding a signing key to an older file; StateFileError if damaged. */
export function loadOrCreateIdentity(file: string): Identity {
  const raw = readJsonFile(file);
  if (raw === undefined) {
    const seed = newSigningSeed();
    const identity = build(randomId(12), generateKeyPair(), seed, new Date().toISOString());
    save(file, identity, seed);
    return identity;
  }
  if (!isPlainObject(raw) || (raw.version !== 1 && raw.version !== VERSION))
    throw new StateFileError(file, 'not a paseo identity file');
  const { daemonId, publicKey, privateKey, createdAt } = raw;
  if (typeof daemonId !== 'string' || !/^[a-z0-9]{4,64}$/.test(daemonId))
    throw new StateFileError(file, 'missing a valid daemonId');
  if (typeof privateKey !== 'string' || typeof publicKey !== 'string')
    throw new StateFileError(file, 'missing its keys');
  let keys: KeyPair;
  try {
    keys = keyPairFromPrivate(fromBase64Url(privateKey));
  } catch {
    throw new StateFileError(file, 'holding an invalid private key');
  }
  let pub: Uint8Array;
  try {
    pub = fromBase64Url(publicKey);
  } catch {
    throw new StateFileError(file, 'holding an invalid public key');
  }
  if (!equalBytes(pub, keys.publicKey))
    throw new StateFileError(file, 'holding a public key that does not match its private key');
  const created = typeof createdAt === 'string' ? createdAt : new Date(0).toISOString();
  if (raw.version === 1) {
    // Written before relays: add the signing key, keep the rest (devices pinned the X25519 key).
    const seed = newSigningSeed();
    const identity = build(daemonId, keys, seed, created);
    save(file, identity, seed);
    return identity;
  }
  if (typeof raw.signingKey !== 'string') throw new StateFileError(file, 'missing its signing key');
  let seed: Uint8Array;
  try {
    seed = fromBase64Url(raw.signingKey);
    if (seed.length !== 32) throw new Error('length');
  } catch {
    throw new StateFileError(file, 'holding an invalid signing key');
  }
  const identity = build(daemonId, keys, seed, created);
  if (raw.relayId !== identity.relayId)
    throw new StateFileError(file, 'holding a relay id that does not match its signing key');
  return identity;
}

function newSigningSeed(): Uint8Array {
  const jwk = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
  return fromBase64Url(jwk.d ?? '');
}

function build(daemonId: string, keys: KeyPair, seed: Uint8Array, createdAt: string): Identity {
  const signing = signingKeyFromSeed(seed);
  return { daemonId, keys, signing, relayId: relayIdOf(signing.publicKey), createdAt };
}

/** PKCS#8 for an Ed25519 key is this fixed prefix followed by the 32-byte seed (RFC 8410). */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** The Ed25519 key with this 32-byte seed. */
export function signingKeyFromSeed(seed: Uint8Array): SigningKey {
  const privateKey: KeyObject = createPrivateKey({
    key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const publicKey = fromBase64Url(createPublicKey(privateKey).export({ format: 'jwk' }).x ?? '');
  return { publicKey, sign: (message) => new Uint8Array(sign(null, message, privateKey)) };
}

function save(file: string, identity: Identity, seed: Uint8Array): void {
  writeJsonAtomic(file, {
    version: VERSION,
    daemonId: identity.daemonId,
    publicKey: toBase64Url(identity.keys.publicKey),
    privateKey: toBase64Url(identity.keys.privateKey),
    signingKey: toBase64Url(seed),
    signingPublicKey: toBase64Url(identity.signing.publicKey),
    relayId: identity.relayId,
    createdAt: identity.createdAt,
  });
}
