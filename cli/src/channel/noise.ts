// Noise Protocol Framework (revision 34): HandshakeState over 25519 + ChaChaPoly + SHA256/SHA512/BLAKE2s/BLAKE2b,
// every pattern of sections 7.4-7.6 with psk modifiers (section 9). Paseo uses Noise_IK_25519_ChaChaPoly_SHA256
// (reconnect) and Noise_IKpsk2_25519_ChaChaPoly_SHA256 (pairing). Isomorphic: no Node or DOM APIs.
import { AEAD_TAG_BYTES, type AeadFactory, nobleChaChaPoly } from './aead.js';
import { type CipherState, MAX_NOISE_MESSAGE_BYTES, NoiseError, UnusableCipherState } from './noise-cipher.js';
import { checkKey, copyKeyPair, dh, PSK_BYTES } from './noise-keys.js';
import { type HandshakePattern, type NoiseToken, parseProtocolName } from './noise-patterns.js';
import { type NoiseHashes, noiseHashFunction, SymmetricState } from './noise-symmetric.js';
import { DH_KEY_BYTES, type KeyPair, nobleX25519, type X25519 } from './x25519.js';

export {
  CipherState,
  MAX_NOISE_MESSAGE_BYTES,
  MAX_NOISE_PLAINTEXT_BYTES,
  NoiseError,
  type NoiseErrorCode,
} from './noise-cipher.js';
export { generateKeyPair, keyPairFromPrivate, PSK_BYTES } from './noise-keys.js';
export { parseProtocolName, SUPPORTED_BASE_PATTERNS } from './noise-patterns.js';
export type { NoiseHash, NoiseHashes, NoiseHashFunction } from './noise-symmetric.js';
export { DH_KEY_BYTES, type KeyPair, nobleX25519, type X25519 } from './x25519.js';

/** Options for a HandshakeState (Noise Initialize()). */
export interface HandshakeOptions {
  /** Full protocol name, e.g. `Noise_IK_25519_ChaChaPoly_SHA256`. */
  protocolName: string;
  /** True for the initiator (sends the first message). */
  initiator: boolean;
  /** Prologue bound into the handshake hash; both sides must agree. */
  prologue?: Uint8Array;
  /** Local static key pair, required when the pattern sends or pre-shares it. */
  s?: KeyPair;
  /** Fixed local ephemeral key pair: for test vectors only, never in production. */
  e?: KeyPair;
  /** Remote static public key, only for patterns with a pre-message for it (e.g. IK initiator). */
  rs?: Uint8Array;
  /** Remote ephemeral public key, only for patterns with an ephemeral pre-message (none supported today). */
  re?: Uint8Array;
  /** Pre-shared keys (32 bytes each), consumed in order of psk tokens; may also be given later with setPsks. */
  psks?: Uint8Array[];
  /** AEAD implementation; defaults to nobleChaChaPoly. */
  aead?: AeadFactory;
  /** X25519 implementation (key generation and DH); defaults to nobleX25519. */
  dh?: X25519;
  /** Hash implementations (HASH, HMAC, HKDF); default @noble's (noiseHashFunction). */
  hashes?: NoiseHashes;
}

/** Transport CipherStates after the handshake, oriented for this side. */
export interface TransportCiphers {
  /** Encrypts what this side sends. */
  send: CipherState;
  /** Decrypts what this side receives. */
  receive: CipherState;
}

type Phase = 'handshake' | 'complete' | 'split' | 'failed';

/**
 * A Noise HandshakeState. Errors found before anything changes (wrong turn, missing psk, oversize payload on
 * write) leave it usable; any other error from readMessage/writeMessage leaves it failed: later calls throw bad-state.
 */
export class HandshakeState {
  readonly #pattern: HandshakePattern;
  readonly #initiator: boolean;
  readonly #symmetric: SymmetricState;
  readonly #dh: X25519;
  #s: KeyPair | undefined;
  #e: KeyPair | undefined;
  #rs: Uint8Array | undefined;
  #re: Uint8Array | undefined;
  #psks: Uint8Array[] | undefined;
  #pskIndex = 0;
  #messageIndex = 0;
  #phase: Phase = 'handshake';

  /** Initialize(): validates keys against the pattern and mixes the prologue and pre-messages. */
  constructor(opts: HandshakeOptions) {
    const parsed = parseProtocolName(opts.protocolName);
    if (parsed === undefined) throw new NoiseError('bad-state', `unsupported protocol name: ${opts.protocolName}`);
    const pattern = parsed.pattern;
    this.#pattern = pattern;
    this.#initiator = opts.initiator;
    this.#dh = opts.dh ?? nobleX25519;
    this.#s = copyKeyPair('s', opts.s);
    this.#e = copyKeyPair('e', opts.e);
    if (opts.rs !== undefined) checkKey('rs', opts.rs, DH_KEY_BYTES);
    if (opts.re !== undefined) checkKey('re', opts.re, DH_KEY_BYTES);
    this.#rs = opts.rs === undefined ? undefined : Uint8Array.from(opts.rs);
    this.#re = opts.re === undefined ? undefined : Uint8Array.from(opts.re);
    if (opts.psks !== undefined) this.#setPsksUnchecked(opts.psks);

    const localPre = opts.initiator ? pattern.initiatorPre : pattern.responderPre;
    const remotePre = opts.initiator ? pattern.responderPre : pattern.initiatorPre;
    const sendsStatic = pattern.messages.some((m, i) => i % 2 === (opts.initiator ? 0 : 1) && m.includes('s'));
    if ((localPre.includes('s') || sendsStatic) && this.#s === undefined) {
      throw new NoiseError('bad-key', `${pattern.name} needs the local static key pair (s)`);
    }
    if (localPre.includes('e') && this.#e === undefined)
      throw new NoiseError('bad-key', 'pattern needs a pre-shared local ephemeral (e)');
    if (remotePre.includes('s') !== (this.#rs !== undefined)) {
      throw new NoiseError(
        remotePre.includes('s') ? 'bad-key' : 'bad-state',
        remotePre.includes('s')
          ? `${pattern.name} needs the remote static public key (rs)`
          : `${pattern.name} has no pre-message for rs; the remote static key is learned during the handshake`,
      );
    }
    if (remotePre.includes('e') !== (this.#re !== undefined)) {
      throw new NoiseError(
        remotePre.includes('e') ? 'bad-key' : 'bad-state',
        're only goes with an ephemeral pre-message',
      );
    }

    this.#symmetric = new SymmetricState(
      opts.protocolName,
      (opts.hashes ?? noiseHashFunction)(parsed.hash),
      opts.aead ?? nobleChaChaPoly,
    );
    this.#symmetric.mixHash(opts.prologue ?? new Uint8Array(0));
    const initiatorKeys = opts.initiator
      ? { s: this.#s?.publicKey, e: this.#e?.publicKey }
      : { s: this.#rs, e: this.#re };
    const responderKeys = opts.initiator
      ? { s: this.#rs, e: this.#re }
      : { s: this.#s?.publicKey, e: this.#e?.publicKey };
    for (const [tokens, keys] of [
      [pattern.initiatorPre, initiatorKeys],
      [pattern.responderPre, responderKeys],
    ] as const) {
      for (const token of tokens) {
        const key = keys[token];
        if (key === undefined) throw new NoiseError('bad-key', `missing pre-message key ${token}`);
        this.#symmetric.mixHash(key);
        if (token === 'e' && pattern.hasPsk) this.#symmetric.mixKey(key);
      }
    }
  }

  #setPsksUnchecked(psks: Uint8Array[]): void {
    if (!Array.isArray(psks) || psks.length !== this.#pattern.pskCount) {
      throw new NoiseError('bad-key', `${this.#pattern.name} takes exactly ${this.#pattern.pskCount} psk(s)`);
    }
    for (const [i, psk] of psks.entries()) checkKey(`psks[${i}]`, psk, PSK_BYTES);
    this.#psks = psks.map((psk) => Uint8Array.from(psk));
  }

  /** Sets (or replaces) the psks; allowed until the first psk token has been processed. */
  setPsks(psks: Uint8Array[]): void {
    if (this.#pskIndex > 0 || this.#phase !== 'handshake') {
      throw new NoiseError('bad-state', 'psks can no longer be changed: a psk token was already processed');
    }
    this.#setPsksUnchecked(psks);
  }

  /** True once every handshake message has been written or read. */
  get isComplete(): boolean {
    return this.#phase === 'complete' || this.#phase === 'split';
  }

  /** A copy of the handshake hash h (final once isComplete); usable for channel binding. */
  get handshakeHash(): Uint8Array {
    return this.#symmetric.handshakeHash;
  }

  /** A copy of the remote static public key, once known. */
  get remoteStaticKey(): Uint8Array | undefined {
    return this.#rs === undefined ? undefined : Uint8Array.from(this.#rs);
  }

  /** A copy of the remote ephemeral public key, once known. */
  get remoteEphemeralKey(): Uint8Array | undefined {
    return this.#re === undefined ? undefined : Uint8Array.from(this.#re);
  }

  /** True when the next handshake step is this side's writeMessage. */
  get isMyTurn(): boolean {
    return this.#phase === 'handshake' && (this.#messageIndex % 2 === 0) === this.#initiator;
  }

  #tokensForTurn(writing: boolean): readonly NoiseToken[] {
    if (this.#phase !== 'handshake') {
      throw new NoiseError(
        'bad-state',
        this.#phase === 'failed' ? 'handshake already failed' : 'handshake already complete',
      );
    }
    if (this.isMyTurn !== writing)
      throw new NoiseError('bad-state', writing ? 'not our turn to write' : 'not our turn to read');
    const tokens = this.#pattern.messages[this.#messageIndex];
    if (tokens === undefined) throw new NoiseError('bad-state', 'no such handshake message');
    // Checked before anything changes, so the caller can setPsks() and try again.
    if (tokens.includes('psk') && this.#psks === undefined) {
      throw new NoiseError('bad-state', 'this message needs a psk: call setPsks() first');
    }
    return tokens;
  }

  /** Exact size of the next message written with a payload of the given size. */
  #messageSize(tokens: readonly NoiseToken[], payloadBytes: number): number {
    let hasKey = this.#symmetric.hasKey;
    let size = 0;
    for (const token of tokens) {
      if (token === 'e') {
        size += DH_KEY_BYTES;
        if (this.#pattern.hasPsk) hasKey = true;
      } else if (token === 's') {
        size += DH_KEY_BYTES + (hasKey ? AEAD_TAG_BYTES : 0);
      } else {
        hasKey = true;
      }
    }
    return size + payloadBytes + (hasKey ? AEAD_TAG_BYTES : 0);
  }

  #nextPsk(): Uint8Array {
    const psk = this.#psks?.[this.#pskIndex];
    if (psk === undefined) throw new NoiseError('bad-state', 'psk token reached but no psk set (call setPsks first)');
    this.#pskIndex += 1;
    return psk;
  }

  #mixDh(token: 'ee' | 'es' | 'se' | 'ss'): void {
    const i = this.#initiator;
    const d = this.#dh;
    const shared =
      token === 'ee'
        ? dh(d, this.#e, this.#re)
        : token === 'ss'
          ? dh(d, this.#s, this.#rs)
          : token === 'es'
            ? i
              ? dh(d, this.#e, this.#rs)
              : dh(d, this.#s, this.#re)
            : i
              ? dh(d, this.#s, this.#re)
              : dh(d, this.#e, this.#rs);
    this.#symmetric.mixKey(shared);
    shared.fill(0);
  }

  #advance(): void {
    this.#messageIndex += 1;
    if (this.#messageIndex === this.#pattern.messages.length) {
      this.#phase = 'complete';
      this.#e?.privateKey.fill(0);
    }
  }

  /** WriteMessage(payload): returns the next handshake message (at most MAX_NOISE_MESSAGE_BYTES). */
  writeMessage(payload: Uint8Array = new Uint8Array(0)): Uint8Array {
    const tokens = this.#tokensForTurn(true);
    const size = this.#messageSize(tokens, payload.length);
    if (size > MAX_NOISE_MESSAGE_BYTES) {
      throw new NoiseError('bad-message', `handshake message would be ${size} bytes (max ${MAX_NOISE_MESSAGE_BYTES})`);
    }
    try {
      const out = new Uint8Array(size);
      let at = 0;
      const put = (bytes: Uint8Array): void => {
        out.set(bytes, at);
        at += bytes.length;
      };
      for (const token of tokens) {
        if (token === 'e') {
          this.#e ??= this.#dh.generateKeyPair();
          put(this.#e.publicKey);
          this.#symmetric.mixHash(this.#e.publicKey);
          if (this.#pattern.hasPsk) this.#symmetric.mixKey(this.#e.publicKey);
        } else if (token === 's') {
          if (this.#s === undefined) throw new NoiseError('bad-state', 'missing local static key');
          put(this.#symmetric.encryptAndHash(this.#s.publicKey));
        } else if (token === 'psk') {
          this.#symmetric.mixKeyAndHash(this.#nextPsk());
        } else {
          this.#mixDh(token);
        }
      }
      put(this.#symmetric.encryptAndHash(payload));
      if (at !== size) throw new NoiseError('bad-state', 'internal error: message size mismatch');
      this.#advance();
      return out;
    } catch (error) {
      this.#fail();
      throw error;
    }
  }

  /** ReadMessage(message): processes the peer's handshake message and returns its payload. */
  readMessage(message: Uint8Array): Uint8Array {
    const tokens = this.#tokensForTurn(false);
    try {
      if (!(message instanceof Uint8Array)) throw new NoiseError('bad-message', 'message must be a Uint8Array');
      if (message.length > MAX_NOISE_MESSAGE_BYTES) {
        throw new NoiseError('bad-message', `handshake message exceeds ${MAX_NOISE_MESSAGE_BYTES} bytes`);
      }
      let at = 0;
      const take = (n: number): Uint8Array => {
        if (message.length - at < n) throw new NoiseError('bad-message', 'handshake message too short');
        const part = message.slice(at, at + n);
        at += n;
        return part;
      };
      for (const token of tokens) {
        if (token === 'e') {
          const re = take(DH_KEY_BYTES);
          this.#re = re;
          this.#symmetric.mixHash(re);
          if (this.#pattern.hasPsk) this.#symmetric.mixKey(re);
        } else if (token === 's') {
          const encrypted = take(DH_KEY_BYTES + (this.#symmetric.hasKey ? AEAD_TAG_BYTES : 0));
          this.#rs = this.#symmetric.decryptAndHash(encrypted);
        } else if (token === 'psk') {
          this.#symmetric.mixKeyAndHash(this.#nextPsk());
        } else {
          this.#mixDh(token);
        }
      }
      const rest = message.subarray(at);
      if (this.#symmetric.hasKey && rest.length < AEAD_TAG_BYTES)
        throw new NoiseError('bad-message', 'handshake message too short');
      const payload = this.#symmetric.decryptAndHash(rest);
      this.#advance();
      return payload;
    } catch (error) {
      this.#fail();
      if (error instanceof NoiseError) throw error;
      throw new NoiseError('bad-message', 'handshake message rejected', { cause: error });
    }
  }

  #fail(): void {
    this.#phase = 'failed';
    this.#e?.privateKey.fill(0);
  }

  /** Split(): transport CipherStates oriented for this side (the initiator sends with c1). Callable once. */
  split(): TransportCiphers {
    if (this.#phase !== 'complete') {
      throw new NoiseError('bad-state', this.#phase === 'split' ? 'split() already called' : 'handshake not complete');
    }
    const [c1, c2] = this.#symmetric.split();
    this.#phase = 'split';
    this.#s?.privateKey.fill(0);
    this.#s = undefined;
    for (const psk of this.#psks ?? []) psk.fill(0);
    this.#psks = undefined;
    if (this.#pattern.oneWay) {
      // One-way patterns (N, K, X): only initiator -> responder traffic exists (spec section 7.4).
      return this.#initiator
        ? { send: c1, receive: new UnusableCipherState() }
        : { send: new UnusableCipherState(), receive: c1 };
    }
    return this.#initiator ? { send: c1, receive: c2 } : { send: c2, receive: c1 };
  }
}
