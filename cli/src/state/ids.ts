// Short random identifiers for the daemon, devices, sessions and connections: one alphabet (lowercase
// base32 without the look-alikes 0/o and 1/l), URL and file-name safe.
import { randomBytes } from 'node:crypto';

const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';

/** Length of a session id, in characters. */
export const SESSION_ID_CHARS = 8;

/** A random id of `length` characters (5 bits each). */
export function randomId(length = 10): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += ALPHABET[b & 31];
  return out;
}

/** True when `text` could be an id of `length` characters from randomId (safe to use in a file name). */
export function isRandomId(text: string, length: number): boolean {
  if (text.length !== length) return false;
  for (const c of text) if (!ALPHABET.includes(c)) return false;
  return true;
}
