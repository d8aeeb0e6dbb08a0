// One-time pairing codes: 8 characters from an alphabet without look-alikes (no 0/O/1/l/I), shown as
// two groups of four (`K3X9-M2B7`), and the keys derived from them for the Noise IKpsk2 pairing handshake.
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concat, utf8 } from './encoding.js';

/** The 32 characters a code is made of: digits 2–9 and capital letters except I and O. */
export const CODE_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
/** Characters in a code (without the dash): 8 × 5 bits = 40 bits. */
export const CODE_LENGTH = 8;
/** How long a code can be used, in milliseconds. */
export const CODE_TTL_MS = 5 * 60 * 1000;
/** Bytes of the pairing tag a device sends to prove it knows a code. */
export const PAIRING_TAG_BYTES = 16;

const PSK_INFO = utf8('paseo pairing psk v1');
const TAG_LABEL = utf8('paseo pairing tag v1');

/** Makes a new random code, formatted `XXXX-XXXX`. */
export function generateCode(): string {
  const bytes = new Uint8Array(CODE_LENGTH);
  crypto.getRandomValues(bytes);
  let code = '';
  for (const b of bytes) code += CODE_ALPHABET[b & 31];
  return formatCode(code);
}

/** Formats 8 code characters as `XXXX-XXXX`. */
export function formatCode(chars: string): string {
  return `${chars.slice(0, 4)}-${chars.slice(4, 8)}`;
}

/**
 * Normalises what a person typed (any case, spaces or dashes) to the 8 code characters, or returns
 * undefined when it cannot be a code.
 */
export function normalizeCode(input: string): string | undefined {
  const chars = input.toUpperCase().replace(/[\s-]/g, '');
  if (chars.length !== CODE_LENGTH) return undefined;
  for (const c of chars) if (!CODE_ALPHABET.includes(c)) return undefined;
  return chars;
}

/** The 32-byte Noise PSK for a code, bound to the daemon's static public key. */
export function pairingPsk(code: string, daemonPublicKey: Uint8Array): Uint8Array {
  const chars = normalizeCode(code);
  if (!chars) throw new Error('not a pairing code');
  return hkdf(sha256, utf8(chars), daemonPublicKey, PSK_INFO, 32);
}

/**
 * The tag a pairing device puts in its (encrypted) first handshake payload: it tells the daemon which
 * code the device holds without the daemon having to answer first, so a wrong guess is caught and
 * counted before any reply that could be attacked offline.
 */
export function pairingTag(psk: Uint8Array, deviceEphemeral: Uint8Array, deviceStatic: Uint8Array): Uint8Array {
  return hmac(sha256, psk, concat(TAG_LABEL, deviceEphemeral, deviceStatic)).slice(0, PAIRING_TAG_BYTES);
}
