// Noise handshake pattern table (Noise spec revision 34, sections 7.4, 7.5, 7.6) and protocol name parsing
// with psk modifiers (section 9). Isomorphic: no Node or DOM APIs.

/** A message-pattern token. */
export type NoiseToken = 'e' | 's' | 'ee' | 'es' | 'se' | 'ss' | 'psk';
/** A pre-message token (only static keys are used by the supported patterns). */
export type PreMessageToken = 'e' | 's';

/** A handshake pattern: pre-messages and messages; messages alternate, the initiator sends message 0. */
export interface HandshakePattern {
  /** Full pattern name including modifiers, e.g. `IKpsk2`. */
  readonly name: string;
  /** Pre-message tokens known in advance about the initiator (`-> s`). */
  readonly initiatorPre: readonly PreMessageToken[];
  /** Pre-message tokens known in advance about the responder (`<- s`). */
  readonly responderPre: readonly PreMessageToken[];
  /** Message token lists; even indexes are sent by the initiator. */
  readonly messages: readonly (readonly NoiseToken[])[];
  /** True when the pattern has any psk modifier. */
  readonly hasPsk: boolean;
  /** Number of psk tokens, i.e. how many 32-byte psks the handshake consumes. */
  readonly pskCount: number;
  /** True for the one-way patterns N, K, X: only the initiator sends transport messages. */
  readonly oneWay: boolean;
}

/** Protocol name components, e.g. `Noise_IKpsk2_25519_ChaChaPoly_SHA256`. */
export interface ParsedProtocolName {
  /** The pattern with modifiers applied. */
  readonly pattern: HandshakePattern;
  /** DH function name; only `25519` is supported. */
  readonly dh: '25519';
  /** Cipher name; only `ChaChaPoly` is supported. */
  readonly cipher: 'ChaChaPoly';
  /** Hash function name. */
  readonly hash: 'SHA256' | 'SHA512' | 'BLAKE2s' | 'BLAKE2b';
}

// Compact notation: pre-messages "initiatorPre|responderPre", then messages separated by ';', tokens by ','.
const BASE_PATTERNS: Readonly<Record<string, string>> = {
  // One-way (7.4)
  N: '|s; e,es',
  K: 's|s; e,es,ss',
  X: '|s; e,es,s,ss',
  // Interactive fundamental (7.5)
  NN: '|; e; e,ee',
  NK: '|s; e,es; e,ee',
  NX: '|; e; e,ee,s,es',
  XN: '|; e; e,ee; s,se',
  XK: '|s; e,es; e,ee; s,se',
  XX: '|; e; e,ee,s,es; s,se',
  KN: 's|; e; e,ee,se',
  KK: 's|s; e,es,ss; e,ee,se',
  KX: 's|; e; e,ee,se,s,es',
  IN: '|; e,s; e,ee,se',
  IK: '|s; e,es,s,ss; e,ee,se',
  IX: '|; e,s; e,ee,se,s,es',
  // Interactive deferred (7.6)
  NK1: '|s; e; e,ee,es',
  NX1: '|; e; e,ee,s; es',
  X1N: '|; e; e,ee; s; se',
  X1K: '|s; e,es; e,ee; s; se',
  XK1: '|s; e; e,ee,es; s,se',
  X1K1: '|s; e; e,ee,es; s; se',
  X1X: '|; e; e,ee,s,es; s; se',
  XX1: '|; e; e,ee,s; es,s,se',
  X1X1: '|; e; e,ee,s; es,s; se',
  K1N: 's|; e; e,ee; se',
  K1K: 's|s; e,es; e,ee; se',
  KK1: 's|s; e; e,ee,se,es',
  K1K1: 's|s; e; e,ee,es; se',
  K1X: 's|; e; e,ee,s,es; se',
  KX1: 's|; e; e,ee,se,s; es',
  K1X1: 's|; e; e,ee,s; se,es',
  I1N: '|; e,s; e,ee; se',
  I1K: '|s; e,es,s; e,ee; se',
  IK1: '|s; e,s; e,ee,se,es',
  I1K1: '|s; e,s; e,ee,es; se',
  I1X: '|; e,s; e,ee,s,es; se',
  IX1: '|; e,s; e,ee,se,s; es',
  I1X1: '|; e,s; e,ee,s; se,es',
};

const ONE_WAY_PATTERNS: ReadonlySet<string> = new Set(['N', 'K', 'X']);

/** Names of the supported base patterns (without modifiers). */
export const SUPPORTED_BASE_PATTERNS: readonly string[] = Object.freeze(Object.keys(BASE_PATTERNS));

function parsePreTokens(text: string): PreMessageToken[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  return trimmed.split(',').map((t) => t.trim() as PreMessageToken);
}

function parseBase(
  name: string,
): { initiatorPre: PreMessageToken[]; responderPre: PreMessageToken[]; messages: NoiseToken[][] } | undefined {
  const spec = Object.hasOwn(BASE_PATTERNS, name) ? BASE_PATTERNS[name] : undefined;
  if (spec === undefined) return undefined;
  const [pre = '', ...messageSpecs] = spec.split(';');
  const [iPre = '', rPre = ''] = pre.split('|');
  return {
    initiatorPre: parsePreTokens(iPre),
    responderPre: parsePreTokens(rPre),
    messages: messageSpecs.map((m) => m.split(',').map((t) => t.trim() as NoiseToken)),
  };
}

/**
 * Resolves a pattern name such as `XX`, `IKpsk2` or `IKpsk0+psk2`; returns undefined when unsupported.
 * psk0 goes at the start of the first message, pskN (N >= 1) at the end of message N.
 */
export function resolvePattern(fullName: string): HandshakePattern | undefined {
  const pskAt = fullName.indexOf('psk');
  const baseName = pskAt === -1 ? fullName : fullName.slice(0, pskAt);
  const base = parseBase(baseName);
  if (base === undefined) return undefined;
  const messages = base.messages;
  let pskCount = 0;
  if (pskAt !== -1) {
    const seen = new Set<number>();
    for (const modifier of fullName.slice(pskAt).split('+')) {
      const match = /^psk(0|[1-9][0-9]?)$/.exec(modifier);
      if (match === null || match[1] === undefined) return undefined;
      const index = Number(match[1]);
      if (seen.has(index) || index > messages.length) return undefined;
      seen.add(index);
      if (index === 0) messages[0]?.unshift('psk');
      else messages[index - 1]?.push('psk');
      pskCount += 1;
    }
  }
  return Object.freeze({
    name: fullName,
    initiatorPre: Object.freeze(base.initiatorPre),
    responderPre: Object.freeze(base.responderPre),
    messages: Object.freeze(messages.map((m) => Object.freeze(m))),
    hasPsk: pskCount > 0,
    pskCount,
    oneWay: ONE_WAY_PATTERNS.has(baseName),
  });
}

const HASH_NAMES: ReadonlySet<string> = new Set(['SHA256', 'SHA512', 'BLAKE2s', 'BLAKE2b']);

/**
 * Names parsed so far: every handshake parses its protocol's name again. Only supported names are kept,
 * and there are finitely many (no modifier twice, none past the last message); results are frozen.
 */
const parsedNames = new Map<string, ParsedProtocolName>();

/** Parses `Noise_<pattern>_<dh>_<cipher>_<hash>`; returns undefined for unsupported names. */
export function parseProtocolName(protocolName: string): ParsedProtocolName | undefined {
  let parsed = parsedNames.get(protocolName);
  if (parsed === undefined) {
    parsed = parseUncached(protocolName);
    if (parsed !== undefined) parsedNames.set(protocolName, parsed);
  }
  return parsed;
}

function parseUncached(protocolName: string): ParsedProtocolName | undefined {
  const parts = protocolName.split('_');
  if (parts.length !== 5) return undefined;
  const [prefix, patternName, dh, cipher, hash] = parts;
  if (prefix !== 'Noise' || dh !== '25519' || cipher !== 'ChaChaPoly') return undefined;
  if (hash === undefined || !HASH_NAMES.has(hash) || patternName === undefined) return undefined;
  const pattern = resolvePattern(patternName);
  if (pattern === undefined) return undefined;
  return Object.freeze({ pattern, dh, cipher, hash: hash as ParsedProtocolName['hash'] });
}
