// Node-only ChaCha20-Poly1305 (OpenSSL via node:crypto) for the daemon's Noise CipherStates.
// Byte-identical to nobleChaChaPoly in cli/src/channel/aead.ts; several times faster on large messages.
import { createCipheriv, createDecipheriv, createSecretKey } from 'node:crypto';
import {
  AEAD_KEY_BYTES,
  AEAD_NONCE_BYTES,
  AEAD_TAG_BYTES,
  type Aead,
  type AeadFactory,
  checkAeadLength,
  partsLength,
} from '../channel/aead.js';

/** ChaCha20-Poly1305 through node:crypto, same wire format as nobleChaChaPoly. */
export const nodeChaChaPoly: AeadFactory = (key32: Uint8Array): Aead => {
  checkAeadLength('AEAD key', key32, AEAD_KEY_BYTES);
  // Imported once: createCipheriv with raw bytes would import the key again for every message.
  const key = createSecretKey(Uint8Array.from(key32));
  return {
    seal(nonce12, ad, plaintext) {
      checkAeadLength('AEAD nonce', nonce12, AEAD_NONCE_BYTES);
      const cipher = createCipheriv('chacha20-poly1305', key, nonce12, { authTagLength: AEAD_TAG_BYTES });
      cipher.setAAD(ad, { plaintextLength: plaintext.length });
      const body = cipher.update(plaintext);
      const tail = cipher.final();
      const tag = cipher.getAuthTag();
      const out = new Uint8Array(body.length + tail.length + tag.length);
      out.set(body, 0);
      out.set(tail, body.length);
      out.set(tag, body.length + tail.length);
      return out;
    },
    sealParts(nonce12, ad, parts, reserve) {
      // Buffer.concat: one uninitialised allocation, filled once.
      return Buffer.concat(
        this.sealPieces!(nonce12, ad, parts, reserve),
        reserve + partsLength(parts) + AEAD_TAG_BYTES,
      );
    },
    sealPieces(nonce12, ad, parts, reserve) {
      checkAeadLength('AEAD nonce', nonce12, AEAD_NONCE_BYTES);
      const cipher = createCipheriv('chacha20-poly1305', key, nonce12, { authTagLength: AEAD_TAG_BYTES });
      cipher.setAAD(ad, { plaintextLength: partsLength(parts) });
      // The first piece is small (a message's head): the reserved bytes go in front of it, joined.
      const pieces: Uint8Array[] = [];
      for (const [i, p] of parts.entries()) {
        const sealed = cipher.update(p);
        pieces.push(i === 0 ? Buffer.concat([new Uint8Array(reserve), sealed]) : sealed);
      }
      if (parts.length === 0) pieces.push(new Uint8Array(reserve));
      const tail = cipher.final();
      pieces.push(tail.length > 0 ? Buffer.concat([tail, cipher.getAuthTag()]) : cipher.getAuthTag());
      return pieces;
    },
    open(nonce12, ad, ciphertext) {
      checkAeadLength('AEAD nonce', nonce12, AEAD_NONCE_BYTES);
      if (ciphertext.length < AEAD_TAG_BYTES) throw new Error('AEAD ciphertext shorter than the tag');
      const bodyLength = ciphertext.length - AEAD_TAG_BYTES;
      const decipher = createDecipheriv('chacha20-poly1305', key, nonce12, { authTagLength: AEAD_TAG_BYTES });
      decipher.setAAD(ad, { plaintextLength: bodyLength });
      decipher.setAuthTag(ciphertext.subarray(bodyLength));
      const body = decipher.update(ciphertext.subarray(0, bodyLength));
      const tail = decipher.final(); // throws "Unsupported state or unable to authenticate data" on a bad tag
      if (tail.length === 0) return body;
      const out = new Uint8Array(body.length + tail.length);
      out.set(body, 0);
      out.set(tail, body.length);
      return out;
    },
  };
};
