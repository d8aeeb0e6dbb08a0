// The daemon's identity: a stable id and its static X25519 key pair, kept in PASEO_HOME/identity.json.
// Devices pin the public key when they pair, so the file is never silently replaced.
import { equalBytes, fromBase64Url, toBase64Url } from '../channel/encoding.js';
import { generateKeyPair, type KeyPair, keyPairFromPrivate } from '../channel/noise.js';
import { isPlainObject } from '../channel/validate.js';
import { randomId } from '../state/ids.js';
import { readJsonFile, StateFileError, writeJsonAtomic } from '../state/state-file.js';

/** Who this daemon is. */
export interface Identity {
  daemonId: string;
  keys: KeyPair;
  createdAt: string;
}

/** Loads the identity, creating it on first run; StateFileError if the file is damaged. */
export function loadOrCreateIdentity(file: string): Identity {
  const raw = readJsonFile(file);
  if (raw === undefined) {
    const identity: Identity = { daemonId: randomId(12), keys: generateKeyPair(), createdAt: new Date().toISOString() };
    writeJsonAtomic(file, {
      version: 1,
      daemonId: identity.daemonId,
      publicKey: toBase64Url(identity.keys.publicKey),
      privateKey: toBase64Url(identity.keys.privateKey),
      createdAt: identity.createdAt,
    });
    return identity;
  }
  if (!isPlainObject(raw) || raw.version !== 1) throw new StateFileError(file, 'not a paseo identity file');
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
  return { daemonId, keys, createdAt: typeof createdAt === 'string' ? createdAt : new Date(0).toISOString() };
}
