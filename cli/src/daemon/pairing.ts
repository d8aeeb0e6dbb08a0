// One-time pairing codes held in memory: created by `paseo pair`, valid CODE_TTL_MS, single use. Codes
// are never logged.
//
// Who may pair? Anyone who can reach the daemon can send a PAIR_INIT, and on loopback every sender is
// 127.0.0.1: the owner's phone and a script are told apart by one thing only, knowing the code. So a
// correct code always pairs, whatever else arrives: there is no rate limit a stranger could use up, and
// wrong guesses do not burn a code (that let 5 guesses from anyone lock the owner out). What bounds
// guessing is its cost: each guess is a whole Noise handshake (the tag sits inside the encrypted payload,
// after two X25519 operations on each side, so there is no offline test), the daemon caps handshakes in
// progress (admission.ts), and a code that has seen MAX_GUESSES_PER_CODE wrong guesses is burned all the
// same. The odds are in docs/security.md.
import { equalBytes } from '../channel/encoding.js';
import { CODE_LENGTH, CODE_TTL_MS, generateCode, pairingPsk, pairingTag } from '../channel/pairing-code.js';

/** Wrong guesses a code may see while active before it is burned: 2^20, so its odds stay ≤ 2^-20. */
export const MAX_GUESSES_PER_CODE = 2 ** 20;
/** Active codes kept at once; creating one more drops the oldest. */
export const MAX_ACTIVE_CODES = 8;
/** How long a used, expired or burned code is remembered to explain why it fails, in milliseconds. */
export const SPENT_CODE_MEMORY_MS = 60 * 60 * 1000;
/** Codes a guess can match: 32^8 = 2^40. */
export const CODE_SPACE = 2 ** (5 * CODE_LENGTH);

interface CodeEntry {
  code: string;
  psk: Uint8Array;
  expiresAt: number;
  /** Wrong guesses made while this code was active. */
  guesses: number;
}

interface SpentEntry {
  psk: Uint8Array;
  why: 'used' | 'expired' | 'burned';
  forgetAt: number;
}

/** The outcome of a pairing attempt. */
export type PairAttempt =
  | { ok: true; psk: Uint8Array }
  | { ok: false; reason: 'wrong' | 'used' | 'expired' | 'burned'; message: string };

/** The active pairing codes of one daemon. */
export class PairingCodes {
  private active: CodeEntry[] = [];
  private spent: SpentEntry[] = [];

  constructor(
    private readonly daemonPublicKey: Uint8Array,
    private readonly now: () => number = Date.now,
    private readonly ttlMs: number = CODE_TTL_MS,
    /** MAX_GUESSES_PER_CODE; smaller in tests. */
    private readonly maxGuesses: number = MAX_GUESSES_PER_CODE,
  ) {}

  /** Creates a new code. */
  create(): { code: string; expiresAt: Date } {
    this.sweep();
    const code = generateCode();
    const expiresAt = this.now() + this.ttlMs;
    this.active.push({ code, psk: pairingPsk(code, this.daemonPublicKey), expiresAt, guesses: 0 });
    while (this.active.length > MAX_ACTIVE_CODES) this.spend(this.active.shift()!, 'burned');
    return { code, expiresAt: new Date(expiresAt) };
  }

  /** Number of codes that can still be used. */
  get activeCount(): number {
    this.sweep();
    return this.active.length;
  }

  /**
   * Checks a pairing tag against the active codes. A match uses the code up (single use); a miss counts
   * as one guess against every active code, and a code that reached MAX_GUESSES_PER_CODE is burned.
   */
  attempt(tag: Uint8Array, deviceEphemeral: Uint8Array, deviceStatic: Uint8Array): PairAttempt {
    this.sweep();
    const matches = (psk: Uint8Array) => equalBytes(pairingTag(psk, deviceEphemeral, deviceStatic), tag);
    const hit = this.active.find((c) => matches(c.psk));
    if (hit) {
      this.active = this.active.filter((c) => c !== hit);
      this.spend(hit, 'used');
      return { ok: true, psk: hit.psk };
    }
    for (const c of this.active) c.guesses++;
    for (const c of this.active.filter((x) => x.guesses >= this.maxGuesses)) this.spend(c, 'burned');
    this.active = this.active.filter((c) => c.guesses < this.maxGuesses);
    const spent = this.spent.find((s) => matches(s.psk));
    if (spent) {
      const message =
        spent.why === 'used'
          ? 'This pairing code was already used. Run `paseo pair` on your computer for a new one.'
          : spent.why === 'expired'
            ? 'This pairing code has expired. Run `paseo pair` on your computer for a new one.'
            : 'This pairing code was blocked after too many wrong attempts. Run `paseo pair` on your computer for a new one.';
      return { ok: false, reason: spent.why, message };
    }
    return {
      ok: false,
      reason: 'wrong',
      message: "This pairing code didn't work. Check it, or run `paseo pair` on your computer for a new one.",
    };
  }

  private sweep(): void {
    const now = this.now();
    for (const c of this.active.filter((x) => x.expiresAt <= now)) this.spend(c, 'expired');
    this.active = this.active.filter((c) => c.expiresAt > now);
    this.spent = this.spent.filter((s) => s.forgetAt > now);
  }

  private spend(c: CodeEntry, why: SpentEntry['why']): void {
    this.spent.push({ psk: c.psk, why, forgetAt: this.now() + SPENT_CODE_MEMORY_MS });
  }
}
