// Pairing codes: alphabet, format, normalisation, expiry, single use, burning and rate limiting.
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
  MAX_CODE_FAILURES,
  PAIR_ATTEMPT_BURST,
  PAIR_ATTEMPT_REFILL_MS,
  PairingCodes,
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

  it('burns active codes after a few wrong attempts', () => {
    let now = 0;
    const codes = new PairingCodes(daemon.publicKey, () => now);
    const { code } = codes.create();
    for (let i = 0; i < MAX_CODE_FAILURES; i++) {
      now += PAIR_ATTEMPT_REFILL_MS; // stay under the rate limit
      expect(attempt(codes, 'ZZZZ-ZZZZ')).toMatchObject({ ok: false, reason: 'wrong' });
    }
    now += PAIR_ATTEMPT_REFILL_MS;
    expect(attempt(codes, code)).toMatchObject({ ok: false, reason: 'burned' });
    expect(codes.activeCount).toBe(0);
  });

  it('rate-limits attempts without counting them as failures', () => {
    let now = 0;
    const codes = new PairingCodes(daemon.publicKey, () => now);
    const { code } = codes.create();
    for (let i = 0; i < PAIR_ATTEMPT_BURST - 1; i++) attempt(codes, 'ZZZZ-ZZZZ');
    expect(attempt(codes, 'ZZZZ-ZZZZ')).toMatchObject({ reason: 'wrong' });
    expect(attempt(codes, code)).toMatchObject({ ok: false, reason: 'rate-limited' });
    now += PAIR_ATTEMPT_REFILL_MS;
    // Five wrong attempts burned the code (the rate-limited one did not count).
    expect(attempt(codes, code)).toMatchObject({ ok: false, reason: 'burned' });
  });

  it('keeps several codes apart', () => {
    const codes = new PairingCodes(daemon.publicKey);
    const a = codes.create().code;
    const b = codes.create().code;
    expect(attempt(codes, b).ok).toBe(true);
    expect(attempt(codes, a).ok).toBe(true);
  });
});
