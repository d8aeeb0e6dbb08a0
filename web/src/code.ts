// Pairing codes as people type them, and the pairing link's fragment. Pure: no DOM.

import { parseKey } from '../../cli/src/channel/encoding.js';
import { CODE_ALPHABET, CODE_LENGTH, normalizeCode } from '../../cli/src/channel/pairing-code.js';
import { isRelayId } from '../../cli/src/channel/relay-protocol.js';

/**
 * Formats what a person typed into a code field: capitals, letters and digits only, at most 8, with a
 * dash after the fourth (`k3x9 m2b7` → `K3X9-M2B7`). Characters a code can never contain are kept so
 * that `codeProblem` can explain them rather than have them vanish.
 */
export function formatCodeInput(raw: string): string {
  const chars = raw
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, '')
    .slice(0, CODE_LENGTH);
  return chars.length > 4 ? `${chars.slice(0, 4)}-${chars.slice(4)}` : chars;
}

/** The 8 code characters when the input is a complete, valid code; undefined otherwise. */
export function completeCode(input: string): string | undefined {
  return normalizeCode(input);
}

/** A sentence explaining why the input cannot be a code, or undefined when it may still become one. */
export function codeProblem(input: string): string | undefined {
  const chars = input.toUpperCase().replace(/[\s-]/g, '');
  const bad = [...new Set([...chars].filter((c) => !CODE_ALPHABET.includes(c)))];
  if (bad.length === 0) return undefined;
  if (bad.every((c) => '01OI'.includes(c))) {
    return 'Codes never contain 0, 1, O or I. Check the code shown on your computer.';
  }
  return 'A code is 8 letters and digits, like K3X9-M2B7.';
}

/** What a pairing link's fragment (`#pair=K3X9-M2B7&key=…[&daemon=…]`) carries. */
export interface PairFragment {
  /** The code as given (not yet validated). */
  code: string;
  /** The daemon's public key, when the link carried a valid one. */
  daemonPublicKey?: Uint8Array;
  /** The daemon's relay id, when the link is a relay's (the page is then served by the relay). */
  relayId?: string;
}

/** Reads a pairing fragment (with or without the leading `#`); undefined when it has no `pair=`. */
export function parsePairFragment(hash: string): PairFragment | undefined {
  const text = hash.startsWith('#') ? hash.slice(1) : hash;
  if (!/(^|&)pair=/.test(text)) return undefined;
  const params = new URLSearchParams(text);
  const code = (params.get('pair') ?? '').trim().slice(0, 32);
  const key = parseKey(params.get('key') ?? undefined);
  const relayId = params.get('daemon') ?? '';
  return { code, ...(key ? { daemonPublicKey: key } : {}), ...(isRelayId(relayId) ? { relayId } : {}) };
}

/** Finds a pairing fragment inside something pasted into the code field (a whole pairing link). */
export function pairFragmentInText(text: string): PairFragment | undefined {
  const at = text.indexOf('#');
  return at >= 0 && text.includes('pair=') ? parsePairFragment(text.slice(at)) : undefined;
}
