// One-time pairing codes held in memory: created by `paseo pair`, valid CODE_TTL_MS, single use, burned
// after MAX_CODE_FAILURES wrong attempts, and pairing attempts rate-limited. Codes are never logged.
import { equalBytes } from '../channel/encoding.js';
import { CODE_TTL_MS, generateCode, pairingPsk, pairingTag } from '../channel/pairing-code.js';

/** Wrong attempts after which every active code is burned. */
export const MAX_CODE_FAILURES = 5;
/** Active codes kept at once; creating one more drops the oldest. */
export const MAX_ACTIVE_CODES = 8;
/** Pairing attempts allowed in a burst, then one per PAIR_ATTEMPT_REFILL_MS. */
export const PAIR_ATTEMPT_BURST = 5;
export const PAIR_ATTEMPT_REFILL_MS = 3_000;
/** How long a used, expired or burned code is remembered to explain why it fails, in milliseconds. */
export const SPENT_CODE_MEMORY_MS = 60 * 60 * 1000;

interface CodeEntry {
  code: string;
  psk: Uint8Array;
  expiresAt: number;
  failures: number;
}

interface SpentEntry {
  psk: Uint8Array;
  why: 'used' | 'expired' | 'burned';
  forgetAt: number;
}

/** The outcome of a pairing attempt. */
export type PairAttempt =
  | { ok: true; psk: Uint8Array }
  | { ok: false; reason: 'rate-limited' | 'wrong' | 'used' | 'expired' | 'burned'; message: string };

/** The active pairing codes of one daemon. */
export class PairingCodes {
  private active: CodeEntry[] = [];
  private spent: SpentEntry[] = [];
  private tokens = PAIR_ATTEMPT_BURST;
  private lastRefill: number;

  constructor(
    private readonly daemonPublicKey: Uint8Array,
    private readonly now: () => number = Date.now,
    private readonly ttlMs: number = CODE_TTL_MS,
  ) {
    this.lastRefill = now();
  }

  /** Creates a new code. */
  create(): { code: string; expiresAt: Date } {
    this.sweep();
    const code = generateCode();
    const expiresAt = this.now() + this.ttlMs;
    this.active.push({ code, psk: pairingPsk(code, this.daemonPublicKey), expiresAt, failures: 0 });
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
   * as a failure against every active code. Attempts beyond the rate limit are refused without counting.
   */
  attempt(tag: Uint8Array, deviceEphemeral: Uint8Array, deviceStatic: Uint8Array): PairAttempt {
    if (!this.takeToken()) {
      return {
        ok: false,
        reason: 'rate-limited',
        message: 'Too many pairing attempts. Wait a minute, then try again.',
      };
    }
    this.sweep();
    const matches = (psk: Uint8Array) => equalBytes(pairingTag(psk, deviceEphemeral, deviceStatic), tag);
    const hit = this.active.find((c) => matches(c.psk));
    if (hit) {
      this.active = this.active.filter((c) => c !== hit);
      this.spend(hit, 'used');
      return { ok: true, psk: hit.psk };
    }
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
    for (const c of this.active) c.failures++;
    for (const c of this.active.filter((x) => x.failures >= MAX_CODE_FAILURES)) this.spend(c, 'burned');
    this.active = this.active.filter((c) => c.failures < MAX_CODE_FAILURES);
    return {
      ok: false,
      reason: 'wrong',
      message: "This pairing code didn't work. Check it, or run `paseo pair` on your computer for a new one.",
    };
  }

  private takeToken(): boolean {
    const now = this.now();
    const refills = Math.floor((now - this.lastRefill) / PAIR_ATTEMPT_REFILL_MS);
    if (refills > 0) {
      this.tokens = Math.min(PAIR_ATTEMPT_BURST, this.tokens + refills);
      this.lastRefill += refills * PAIR_ATTEMPT_REFILL_MS;
    }
    if (this.tokens <= 0) return false;
    this.tokens--;
    return true;
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
