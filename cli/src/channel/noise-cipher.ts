// Noise CipherState (spec revision 34, section 5.1) and the error type shared by the Noise modules.
// Isomorphic: no Node or DOM APIs.
import {
  AEAD_KEY_BYTES,
  AEAD_TAG_BYTES,
  type Aead,
  type AeadFactory,
  MAX_NOISE_NONCE,
  nobleChaChaPoly,
  noiseNonce,
  partsLength,
} from './aead.js';

/** Largest Noise message (handshake or transport), in bytes, per spec section 3. */
export const MAX_NOISE_MESSAGE_BYTES = 65535;
/** Largest transport plaintext, in bytes: the message limit minus the AEAD tag. */
export const MAX_NOISE_PLAINTEXT_BYTES = MAX_NOISE_MESSAGE_BYTES - AEAD_TAG_BYTES;

/** Why a Noise operation failed. */
export type NoiseErrorCode = 'decrypt-failed' | 'bad-message' | 'bad-state' | 'nonce-exhausted' | 'bad-key';

/** Every failure of the Noise layer; `code` says which kind. */
export class NoiseError extends Error {
  /** Machine-readable failure kind. */
  readonly code: NoiseErrorCode;
  /** Creates an error with a code and a human message. */
  constructor(code: NoiseErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NoiseError';
    this.code = code;
  }
}

const EMPTY = new Uint8Array(0);
const ZEROS_32 = new Uint8Array(32);

/**
 * A Noise CipherState: an optional 32-byte key k and a 64-bit nonce n.
 * Without a key, encrypt/decrypt pass data through (as the spec requires during early handshake messages).
 * The nonce advances only after a successful encryption or decryption: a failed decryption leaves it unchanged
 * (spec section 5.1). Paseo's channel treats any transport decryption failure as fatal and drops the connection,
 * so a failed state is never reused there.
 */
export class CipherState {
  #aeadFactory: AeadFactory;
  #aead: Aead | undefined;
  #key: Uint8Array | undefined;
  #n = 0n;

  /** Creates a CipherState, optionally with a key (InitializeKey) and an AEAD implementation. */
  constructor(key?: Uint8Array, aead: AeadFactory = nobleChaChaPoly) {
    this.#aeadFactory = aead;
    if (key !== undefined) this.initializeKey(key);
  }

  /** InitializeKey: sets the key (or clears it with undefined) and resets the nonce to 0. */
  initializeKey(key: Uint8Array | undefined): void {
    if (key !== undefined && (!(key instanceof Uint8Array) || key.length !== AEAD_KEY_BYTES)) {
      throw new NoiseError('bad-key', `cipher key must be ${AEAD_KEY_BYTES} bytes`);
    }
    this.#key?.fill(0);
    this.#key = key === undefined ? undefined : Uint8Array.from(key);
    // Made on first use: a handshake sets keys it never uses (after ee in IK; both transport keys of a
    // connection that ends right away), and the daemon's AEAD imports its key.
    this.#aead = undefined;
    this.#n = 0n;
  }

  /** The AEAD of the current key (undefined without one), made on first use. */
  #cipher(): Aead | undefined {
    if (this.#aead === undefined && this.#key !== undefined) this.#aead = this.#aeadFactory(this.#key);
    return this.#aead;
  }

  /** True once a key is set. */
  get hasKey(): boolean {
    return this.#key !== undefined;
  }

  /** The next nonce to be used. */
  get nonce(): bigint {
    return this.#n;
  }

  /** SetNonce: for out-of-band nonce management and tests; must stay within the 64-bit range. */
  setNonce(n: bigint): void {
    if (n < 0n || n > MAX_NOISE_NONCE) throw new NoiseError('bad-state', 'nonce out of the 64-bit range');
    this.#n = n;
  }

  /** EncryptWithAd: returns ciphertext || tag (or the plaintext when no key is set) and advances the nonce. */
  encryptWithAd(ad: Uint8Array, plaintext: Uint8Array): Uint8Array {
    const aead = this.#cipher();
    if (aead === undefined) {
      if (plaintext.length > MAX_NOISE_MESSAGE_BYTES) throw new NoiseError('bad-message', 'plaintext too large');
      return Uint8Array.from(plaintext);
    }
    if (plaintext.length > MAX_NOISE_PLAINTEXT_BYTES) {
      throw new NoiseError('bad-message', `plaintext exceeds ${MAX_NOISE_PLAINTEXT_BYTES} bytes`);
    }
    if (this.#n >= MAX_NOISE_NONCE)
      throw new NoiseError('nonce-exhausted', 'nonce exhausted; rekey is not enough, start a new session');
    const out = aead.seal(noiseNonce(this.#n), ad, plaintext);
    this.#n += 1n;
    return out;
  }

  /**
   * EncryptWithAd of the concatenation of `parts`, into a new array whose first `reserve` bytes are left
   * for the caller (a frame header). Needs a key (transport messages only).
   */
  encryptPartsWithAd(ad: Uint8Array, parts: readonly Uint8Array[], reserve: number): Uint8Array {
    const aead = this.#cipher();
    if (aead === undefined) throw new NoiseError('bad-state', 'encryptPartsWithAd needs a key');
    if (partsLength(parts) > MAX_NOISE_PLAINTEXT_BYTES) {
      throw new NoiseError('bad-message', `plaintext exceeds ${MAX_NOISE_PLAINTEXT_BYTES} bytes`);
    }
    if (this.#n >= MAX_NOISE_NONCE)
      throw new NoiseError('nonce-exhausted', 'nonce exhausted; rekey is not enough, start a new session');
    const out = aead.sealParts(noiseNonce(this.#n), ad, parts, reserve);
    this.#n += 1n;
    return out;
  }

  /**
   * encryptPartsWithAd, with the result as pieces to be sent back to back where the AEAD gives them so
   * (see Aead.sealPieces), else as one piece.
   */
  encryptPiecesWithAd(ad: Uint8Array, parts: readonly Uint8Array[], reserve: number): Uint8Array[] {
    const aead = this.#cipher();
    if (aead?.sealPieces === undefined) return [this.encryptPartsWithAd(ad, parts, reserve)];
    if (partsLength(parts) > MAX_NOISE_PLAINTEXT_BYTES) {
      throw new NoiseError('bad-message', `plaintext exceeds ${MAX_NOISE_PLAINTEXT_BYTES} bytes`);
    }
    if (this.#n >= MAX_NOISE_NONCE)
      throw new NoiseError('nonce-exhausted', 'nonce exhausted; rekey is not enough, start a new session');
    const out = aead.sealPieces(noiseNonce(this.#n), ad, parts, reserve);
    this.#n += 1n;
    return out;
  }

  /** DecryptWithAd: returns the plaintext (or the input when no key is set); throws decrypt-failed on a bad tag. */
  decryptWithAd(ad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    if (ciphertext.length > MAX_NOISE_MESSAGE_BYTES) {
      throw new NoiseError('bad-message', `message exceeds ${MAX_NOISE_MESSAGE_BYTES} bytes`);
    }
    const aead = this.#cipher();
    if (aead === undefined) return Uint8Array.from(ciphertext);
    if (ciphertext.length < AEAD_TAG_BYTES) throw new NoiseError('bad-message', 'ciphertext shorter than the AEAD tag');
    if (this.#n >= MAX_NOISE_NONCE) throw new NoiseError('nonce-exhausted', 'nonce exhausted');
    let plaintext: Uint8Array;
    try {
      plaintext = aead.open(noiseNonce(this.#n), ad, ciphertext);
    } catch (cause) {
      throw new NoiseError('decrypt-failed', 'authentication failed', { cause });
    }
    this.#n += 1n;
    return plaintext;
  }

  /** Rekey: k = first 32 bytes of ENCRYPT(k, 2^64-1, empty, 32 zero bytes); the nonce is unchanged. */
  rekey(): void {
    const aead = this.#cipher();
    if (aead === undefined) throw new NoiseError('bad-state', 'rekey without a key');
    const next = aead.seal(noiseNonce(MAX_NOISE_NONCE), EMPTY, ZEROS_32).slice(0, AEAD_KEY_BYTES);
    const n = this.#n;
    this.initializeKey(next);
    next.fill(0);
    this.#n = n;
  }
}

/** The reverse direction of a one-way pattern: any use is a bug, so every operation throws. */
export class UnusableCipherState extends CipherState {
  override encryptWithAd(): Uint8Array {
    throw new NoiseError('bad-state', 'one-way pattern: this direction has no transport cipher');
  }
  override encryptPartsWithAd(): Uint8Array {
    throw new NoiseError('bad-state', 'one-way pattern: this direction has no transport cipher');
  }
  override encryptPiecesWithAd(): Uint8Array[] {
    throw new NoiseError('bad-state', 'one-way pattern: this direction has no transport cipher');
  }
  override decryptWithAd(): Uint8Array {
    throw new NoiseError('bad-state', 'one-way pattern: this direction has no transport cipher');
  }
  override rekey(): void {
    throw new NoiseError('bad-state', 'one-way pattern: this direction has no transport cipher');
  }
}
