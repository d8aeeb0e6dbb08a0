// Short random identifiers for devices, sessions and the daemon: lowercase base32, URL safe.
import { randomBytes } from 'node:crypto';

const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';

/** A random id of `length` characters (5 bits each). */
export function randomId(length = 10): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += ALPHABET[b & 31];
  return out;
}
