// Pairing codes: alphabet, format, normalisation, expiry, single use, and that wrong guesses never stop
// the right code (only a budget far beyond what a flood can send in a code's life burns it).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateKeyPair } from '../../src/channel/noise.js';
import {
  CODE_ALPHABET,
  CODE_TTL_MS,
  formatCode,
  generateCode,
  normalizeCode,
  pairingPsk,
  pairingTag,
} from '../../src/channel/pairing-code.js';
import {
  CODE_SPACE,
  MAX_ACTIVE_CODES,
  MAX_GUESSES_PER_CODE,
  PairingCodes,
  SPENT_CODE_MEMORY_MS,
} from '../../src/daemon/pairing.js';

const daemon = generateKeyPair();

function tagFor(code: string) {
  const e = generateKeyPair();
  const s = generateKeyPair();
  return {
    tag: pairingTag(pairingPsk(code, daemon.publicKey), e.publicKey, s.publicKey),
    e: e.publicKey,
    s: s.publicKey,
  };
}

function attempt(codes: PairingCodes, code: string) {
  const t = tagFor(code);
  return codes.attempt(t.tag, t.e, t.s);
}

describe('code format', () => {
  it('uses 32 characters without look-alikes', () => {
    expect(CODE_ALPHABET).toHaveLength(32);
    for (const c of '01OIl') expect(CODE_ALPHABET).not.toContain(c);
  });

  it('generates XXXX-XXXX codes from the alphabet, all characters reachable', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const code = generateCode();
      expect(code).toMatch(/^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$/);
      for (const c of code.replace('-', '')) seen.add(c);
    }
    expect(seen.size).toBe(32);
  });

  it('normalises what people type', () => {
    expect(normalizeCode('k3x9-m2b7')).toBe('K3X9M2B7');
    expect(normalizeCode(' K3X9 M2B7 ')).toBe('K3X9M2B7');
    expect(normalizeCode('K3X9-M2B')).toBeUndefined();
    expect(normalizeCode('K3X9-M2B0')).toBeUndefined(); // 0 is not in the alphabet
    expect(formatCode('K3X9M2B7')).toBe('K3X9-M2B7');
  });

  it('normalisation never throws and accepts exactly the alphabet', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), (s) => {
        const n = normalizeCode(s);
        if (n !== undefined) {
          expect(n).toHaveLength(8);
          for (const c of n) expect(CODE_ALPHABET).toContain(c);
        }
      }),
    );
  });

  it('derives different PSKs for different codes and daemons', () => {
    const a = pairingPsk('K3X9-M2B7', daemon.publicKey);
    expect(a).toHaveLength(32);
    expect(pairingPsk('k3x9m2b7', daemon.publicKey)).toEqual(a);
    expect(pairingPsk('K3X9-M2B8', daemon.publicKey)).not.toEqual(a);
    expect(pairingPsk('K3X9-M2B7', generateKeyPair().publicKey)).not.toEqual(a);
  });
});

describe('PairingCodes', () => {
  it('accepts a code once (single use)', () => {
    const codes = new PairingCodes(daemon.publicKey);
    const { code } = codes.create();
    expect(attempt(codes, code).ok).toBe(true);
    const again = attempt(codes, code);
    expect(again).toMatchObject({ ok: false, reason: 'used' });
  });

  it('expires codes after five minutes', () => {
    let now = 1_000_000;
    const codes = new PairingCodes(daemon.publicKey, () => now);
    const { code, expiresAt } = codes.create();
    expect(expiresAt.getTime() - now).toBe(CODE_TTL_MS);
    now += CODE_TTL_MS - 1;
    const fresh = codes.create().code;
    expect(attempt(codes, fresh).ok).toBe(true);
    now += 2;
    expect(attempt(codes, code)).toMatchObject({ ok: false, reason: 'expired' });
  });

  it('pairs with the right code after any number of wrong guesses, however fast they come', () => {
    const now = 0; // all at the same instant: no rate limit a stranger could use up
    const codes = new PairingCodes(daemon.publicKey, () => now);
    const { code } = codes.create();
    const wrong = tagFor('ZZZZ-ZZZZ');
    for (let i = 0; i < 500; i++) {
      expect(codes.attempt(wrong.tag, wrong.e, wrong.s)).toMatchObject({ ok: false, reason: 'wrong' });
    }
    expect(attempt(codes, code).ok).toBe(true);
  });

  it('burns a code only after its guess budget, which keeps the odds of a guess at 2^-20', () => {
    expect(MAX_GUESSES_PER_CODE / CODE_SPACE).toBe(2 ** -20);
    const codes = new PairingCodes(daemon.publicKey, Date.now, CODE_TTL_MS, 10);
    const { code } = codes.create();
    const wrong = tagFor('ZZZZ-ZZZZ');
    for (let i = 0; i < 9; i++) codes.attempt(wrong.tag, wrong.e, wrong.s);
    expect(codes.activeCount).toBe(1);
    codes.attempt(wrong.tag, wrong.e, wrong.s);
    expect(codes.activeCount).toBe(0);
    expect(attempt(codes, code)).toMatchObject({ ok: false, reason: 'burned' });
    // A new code starts with the whole budget.
    expect(attempt(codes, codes.create().code).ok).toBe(true);
  });

  it('keeps several codes apart', () => {
    const codes = new PairingCodes(daemon.publicKey);
    const a = codes.create().code;
    const b = codes.create().code;
    expect(attempt(codes, b).ok).toBe(true);
    expect(attempt(codes, a).ok).toBe(true);
  });

  it('says why a spent code fails, in a sentence: used, expired or blocked', () => {
    let now = 0;
    const codes = new PairingCodes(daemon.publicKey, () => now, CODE_TTL_MS, 3);
    const used = codes.create().code;
    attempt(codes, used);
    const burned = codes.create().code;
    const wrong = tagFor('ZZZZ-ZZZZ');
    for (let i = 0; i < 3; i++) codes.attempt(wrong.tag, wrong.e, wrong.s);
    expect(attempt(codes, used)).toEqual({
      ok: false,
      reason: 'used',
      message: 'This pairing code was already used. Run `paseo pair` on your computer for a new one.',
    });
    expect(attempt(codes, burned)).toEqual({
      ok: false,
      reason: 'burned',
      message:
        'This pairing code was blocked after too many wrong attempts. Run `paseo pair` on your computer for a new one.',
    });
    const later = new PairingCodes(daemon.publicKey, () => now);
    const code = later.create().code;
    now = CODE_TTL_MS; // exactly at its expiry: expired
    expect(later.activeCount).toBe(0);
    expect(attempt(later, code)).toEqual({
      ok: false,
      reason: 'expired',
      message: 'This pairing code has expired. Run `paseo pair` on your computer for a new one.',
    });
    expect(attempt(later, 'ZZZZ-ZZZZ')).toEqual({
      ok: false,
      reason: 'wrong',
      message: "This pairing code didn't work. Check it, or run `paseo pair` on your computer for a new one.",
    });
  });

  it('forgets spent codes after a while: then they are just wrong', () => {
    let now = 0;
    const codes = new PairingCodes(daemon.publicKey, () => now);
    const code = codes.create().code;
    expect(attempt(codes, code).ok).toBe(true);
    now = SPENT_CODE_MEMORY_MS - 1;
    expect(attempt(codes, code)).toMatchObject({ reason: 'used' });
    now = SPENT_CODE_MEMORY_MS;
    expect(attempt(codes, code)).toMatchObject({ reason: 'wrong' });
  });

  it(`keeps at most ${MAX_ACTIVE_CODES} active codes: one more burns the oldest`, () => {
    const codes = new PairingCodes(daemon.publicKey);
    const made = Array.from({ length: MAX_ACTIVE_CODES }, () => codes.create().code);
    expect(codes.activeCount).toBe(MAX_ACTIVE_CODES);
    codes.create();
    expect(codes.activeCount).toBe(MAX_ACTIVE_CODES);
    expect(attempt(codes, made[0]!)).toMatchObject({ ok: false, reason: 'burned' });
    expect(attempt(codes, made[1]!).ok).toBe(true);
  });
});
