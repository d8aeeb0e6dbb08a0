// The fingerprint of the daemon's static key, shown by `paseo pair` and on the phone's pairing screen so a
// person can see that both name the same computer: 80 bits of SHA-256, 16 characters of the pairing-code
// alphabet in four groups (`K3X9-M2B7-Q4RT-8HZP`). Isomorphic.
import { sha256 } from '@noble/hashes/sha2.js';
import { concat, toBase32, utf8 } from './encoding.js';
import { CODE_ALPHABET } from './pairing-code.js';

/** Characters of a fingerprint (without the dashes): 16 × 5 bits = 80 bits. */
export const FINGERPRINT_CHARS = 16;

const LABEL = utf8('paseo key fingerprint v1');

/** The fingerprint of a 32-byte public key. */
export function keyFingerprint(publicKey: Uint8Array): string {
  const chars = toBase32(sha256(concat(LABEL, publicKey)), CODE_ALPHABET, FINGERPRINT_CHARS);
  return chars.match(/.{4}/g)!.join('-');
}
