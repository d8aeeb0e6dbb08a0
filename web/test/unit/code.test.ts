import { describe, expect, it } from 'vitest';
import { toBase64Url } from '../../../cli/src/channel/encoding.js';
import { codeProblem, completeCode, formatCodeInput, pairFragmentInText, parsePairFragment } from '../../src/code.js';

describe('formatCodeInput', () => {
  it.each([
    ['', ''],
    ['k3x', 'K3X'],
    ['k3x9', 'K3X9'],
    ['k3x9m', 'K3X9-M'],
    ['k3x9m2b7', 'K3X9-M2B7'],
    ['K3X9-M2B7', 'K3X9-M2B7'],
    ['k3x9 m2b7', 'K3X9-M2B7'],
    ['  k3 x9-m2 b7  ', 'K3X9-M2B7'],
    ['K3X9-M2B7EXTRA', 'K3X9-M2B7'],
    ['K3X9--', 'K3X9'],
  ])('%j → %j', (raw, formatted) => {
    expect(formatCodeInput(raw)).toBe(formatted);
  });

  it('is idempotent', () => {
    for (const raw of ['abcd', 'abcde', 'k3x9m2b7', 'a-b-c-d-e-f-g-h-i']) {
      expect(formatCodeInput(formatCodeInput(raw))).toBe(formatCodeInput(raw));
    }
  });
});

describe('completeCode and codeProblem', () => {
  it('accepts a full code in any case, with or without the dash', () => {
    expect(completeCode('k3x9-m2b7')).toBe('K3X9M2B7');
    expect(completeCode('K3X9M2B7')).toBe('K3X9M2B7');
    expect(completeCode('K3X9-M2B')).toBeUndefined();
  });

  it('explains characters a code never has', () => {
    expect(codeProblem('K3X0')).toMatch(/never contain 0, 1, O or I/);
    expect(codeProblem('KOXI')).toMatch(/never contain/);
    expect(completeCode('K3X9-M2B0')).toBeUndefined();
    expect(codeProblem('K3X9-M2')).toBeUndefined();
    expect(codeProblem('')).toBeUndefined();
  });

  it('accepts lowercase l (it is the capital L)', () => {
    expect(codeProblem('llll')).toBeUndefined();
    expect(completeCode('llll-llll')).toBe('LLLLLLLL');
  });
});

describe('parsePairFragment', () => {
  const key = new Uint8Array(32).map((_, i) => i * 7);
  const keyText = toBase64Url(key);

  it('reads the code and key of a pairing link', () => {
    const frag = parsePairFragment(`#pair=K3X9-M2B7&key=${keyText}`);
    expect(frag?.code).toBe('K3X9-M2B7');
    expect(frag?.daemonPublicKey).toEqual(key);
  });

  it('keeps the code when the key is missing or malformed', () => {
    expect(parsePairFragment('#pair=K3X9-M2B7')).toEqual({ code: 'K3X9-M2B7' });
    expect(parsePairFragment('#pair=K3X9-M2B7&key=abc')).toEqual({ code: 'K3X9-M2B7' });
  });

  it('reads the relay id of a relay pairing link, and ignores one that is not a relay id', () => {
    const frag = parsePairFragment(`#pair=K3X9-M2B7&key=${keyText}&daemon=abcdefghijkmnpqrstuv`);
    expect(frag?.relayId).toBe('abcdefghijkmnpqrstuv');
    expect(parsePairFragment(`#pair=K3X9-M2B7&key=${keyText}&daemon=../../x`)?.relayId).toBeUndefined();
    expect(pairFragmentInText(`https://relay.example/#pair=K3X9M2B7&daemon=abcdefghijkmnpqrstuv`)?.relayId).toBe(
      'abcdefghijkmnpqrstuv',
    );
  });

  it('ignores fragments that are not pairing links', () => {
    expect(parsePairFragment('')).toBeUndefined();
    expect(parsePairFragment('#/')).toBeUndefined();
    expect(parsePairFragment('#/s/abc')).toBeUndefined();
    expect(parsePairFragment('#repair=1')).toBeUndefined();
  });

  it('finds a pairing link pasted into the code field', () => {
    expect(pairFragmentInText(`http://paseo.tailnet.ts.net/#pair=k3x9m2b7&key=${keyText}`)?.code).toBe('k3x9m2b7');
    expect(pairFragmentInText('K3X9-M2B7')).toBeUndefined();
  });
});
