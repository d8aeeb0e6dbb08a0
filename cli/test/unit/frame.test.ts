import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeMessage,
  decodeWireFrame,
  encodeLengthPrefixed,
  encodeMessage,
  encodeWireFrame,
  FRAGMENT_FLAG_FINAL,
  FrameError,
  type FrameErrorCode,
  FrameType,
  fragmentMessage,
  LengthPrefixedDecoder,
  MAX_FRAGMENT_PLAINTEXT_BYTES,
  MAX_HEADER_BYTES,
  MAX_LENGTH_PREFIXED_BYTES,
  MAX_MESSAGE_BYTES,
  MAX_WIRE_FRAME_BYTES,
  Reassembler,
} from '../../src/channel/frame.js';

const FRAME_TYPES = Object.values(FrameType);
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

function expectFrameError(fn: () => unknown, code?: FrameErrorCode): void {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'expected a FrameError').toBeInstanceOf(FrameError);
  if (code !== undefined) expect((thrown as FrameError).code).toBe(code);
}

/** Runs fn; any exception other than FrameError fails the property. */
function onlyFrameErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof FrameError)) throw error;
  }
}

function patterned(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 131 + seed * 7) & 0xff;
  return out;
}

/** Fast byte equality (vitest's deep equality is slow on large typed arrays). */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Splits bytes at the given (sorted, deduplicated) cut points. */
function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...points, bytes.length]) {
    chunks.push(bytes.subarray(prev, p));
    prev = p;
  }
  return chunks;
}

function hasProtoKey(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  return Object.keys(value).some((k) => k === '__proto__' || hasProtoKey((value as Record<string, unknown>)[k]));
}

const headerArb = fc
  .dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 8 })
  .filter((h) => !hasProtoKey(h));
const bodyArb = fc.uint8Array({ maxLength: 2048 });

/** Mutations of a valid encoding: flip, truncate, extend, or overwrite a byte. */
const mutate = (valid: Uint8Array, kind: number, pos: number, value: number): Uint8Array => {
  const out = Uint8Array.from(valid);
  if (kind === 0 && out.length > 0) out[pos % out.length] = value;
  if (kind === 1) return out.subarray(0, pos % (out.length + 1));
  if (kind === 2) return concat([out, Uint8Array.of(value)]);
  if (kind === 3 && out.length > 0) out[pos % Math.min(out.length, 8)]! ^= value | 1;
  return out;
};

describe('wire frames', () => {
  it('round-trip every type with random bodies', () => {
    fc.assert(
      fc.property(fc.constantFrom(...FRAME_TYPES), fc.uint8Array({ maxLength: 4096 }), (type, body) => {
        const frame = encodeWireFrame(type, body);
        expect(frame.length).toBe(body.length + 1);
        const decoded = decodeWireFrame(frame);
        expect(decoded.type).toBe(type);
        expect(decoded.body).toEqual(body);
      }),
    );
    const max = encodeWireFrame(FrameType.DATA, new Uint8Array(65535));
    expect(max.length).toBe(MAX_WIRE_FRAME_BYTES);
    expect(decodeWireFrame(max).body.length).toBe(65535);
  });

  it('rejects empty, unknown-type and oversize frames', () => {
    expectFrameError(() => decodeWireFrame(new Uint8Array(0)), 'empty');
    expectFrameError(() => decodeWireFrame(Uint8Array.of(0x00, 1)), 'unknown-type');
    expectFrameError(() => decodeWireFrame(Uint8Array.of(0xff)), 'unknown-type');
    expectFrameError(() => decodeWireFrame(new Uint8Array(MAX_WIRE_FRAME_BYTES + 1).fill(FrameType.DATA)), 'too-large');
    expectFrameError(() => encodeWireFrame(FrameType.DATA, new Uint8Array(65536)), 'too-large');
    expectFrameError(() => encodeWireFrame(0x42 as FrameType, new Uint8Array(0)), 'unknown-type');
  });

  it('random bytes decode or throw FrameError, nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => onlyFrameErrors(() => decodeWireFrame(bytes))),
      { numRuns: 500 },
    );
  });
});

describe('fragments', () => {
  it('fragment and reassemble random messages at random fragment sizes', () => {
    // at most ~3000 fragments per message, so tiny fragment sizes go with small messages
    const caseArb = fc
      .oneof(fc.integer({ min: 2, max: 40 }), fc.integer({ min: 2, max: MAX_FRAGMENT_PLAINTEXT_BYTES }))
      .chain((maxPlaintextBytes) =>
        fc.record({
          maxPlaintextBytes: fc.constant(maxPlaintextBytes),
          size: fc.oneof(
            fc.integer({ min: 0, max: 300 }),
            fc.integer({ min: 0, max: Math.min(200_000, (maxPlaintextBytes - 1) * 3000) }),
          ),
          seed: fc.integer({ min: 0, max: 255 }),
        }),
      );
    fc.assert(
      fc.property(caseArb, ({ size, maxPlaintextBytes, seed }) => {
        const message = patterned(size, seed);
        const fragments = fragmentMessage(message, maxPlaintextBytes);
        expect(fragments.length).toBe(Math.max(1, Math.ceil(size / (maxPlaintextBytes - 1))));
        const r = new Reassembler();
        let whole: Uint8Array | undefined;
        fragments.forEach((f, i) => {
          const last = i === fragments.length - 1;
          if (f.length > maxPlaintextBytes) throw new Error(`fragment ${i} too long`);
          if (f[0] !== (last ? FRAGMENT_FLAG_FINAL : 0)) throw new Error(`fragment ${i} has flags ${f[0]}`);
          const out = r.push(f);
          if (last) whole = out;
          else if (out !== undefined) throw new Error(`message returned early at fragment ${i}`);
        });
        expect(whole !== undefined && sameBytes(whole, message)).toBe(true);
        expect(r.pendingBytes).toBe(0);
        // the reassembler is reusable for the next message
        expect(r.push(fragmentMessage(utf8('next'))[0]!)).toEqual(utf8('next'));
      }),
      { numRuns: 150 },
    );
  });

  it('default fragments fit a Noise transport plaintext', () => {
    const fragments = fragmentMessage(new Uint8Array(3 * MAX_FRAGMENT_PLAINTEXT_BYTES));
    expect(fragments.every((f) => f.length <= MAX_FRAGMENT_PLAINTEXT_BYTES)).toBe(true);
    expect(MAX_FRAGMENT_PLAINTEXT_BYTES).toBe(65535 - 16);
    expect(fragmentMessage(new Uint8Array(0))).toEqual([Uint8Array.of(FRAGMENT_FLAG_FINAL)]);
  });

  it('rejects unknown flags, empty fragments, bad sizes and messages over MAX_MESSAGE_BYTES', () => {
    const r = new Reassembler();
    expectFrameError(() => r.push(new Uint8Array(0)), 'empty');
    expectFrameError(() => r.push(Uint8Array.of(0x00)), 'empty');
    for (const flags of [0x02, 0x80, 0x03, 0xff]) expectFrameError(() => r.push(Uint8Array.of(flags, 1)), 'bad-flags');
    expectFrameError(() => fragmentMessage(new Uint8Array(10), 1), 'bad-argument');
    expectFrameError(() => fragmentMessage(new Uint8Array(10), MAX_FRAGMENT_PLAINTEXT_BYTES + 1), 'bad-argument');
    expectFrameError(() => fragmentMessage(new Uint8Array(MAX_MESSAGE_BYTES + 1)), 'too-large');
    // exactly MAX_MESSAGE_BYTES reassembles; one byte more is rejected
    const fragments = fragmentMessage(new Uint8Array(MAX_MESSAGE_BYTES));
    let whole: Uint8Array | undefined;
    for (const f of fragments) whole = r.push(f);
    expect(whole?.length).toBe(MAX_MESSAGE_BYTES);
    const over = fragments.slice(0, -1).map((f) => f);
    for (const f of over) expect(r.push(f)).toBeUndefined();
    const lastData = fragments[fragments.length - 1]!.length - 1;
    expectFrameError(() => r.push(patternedFinal(lastData + 1)), 'too-large');
    expect(r.pendingBytes).toBe(0);
  });

  it('holds messages to 8 MiB, as docs/protocol.md says: whatever the constant, not one byte more', () => {
    const EIGHT_MIB = 8 * 1024 * 1024; // written out: the protocol's number, not the code's constant
    // Sending: a body filling exactly 8 MiB encodes and fragments; one byte more does not.
    const largest = encodeMessage({}, new Uint8Array(EIGHT_MIB - 6));
    expect(largest.length).toBe(EIGHT_MIB);
    expectFrameError(() => encodeMessage({}, new Uint8Array(EIGHT_MIB - 5)), 'too-large');
    expectFrameError(() => fragmentMessage(new Uint8Array(EIGHT_MIB + 1)), 'too-large');
    expectFrameError(() => decodeMessage(new Uint8Array(EIGHT_MIB + 1)), 'too-large');
    // Receiving: 8 MiB reassembles; a peer that sends one byte more is cut off, whatever it claims.
    const r = new Reassembler();
    const fragments = fragmentMessage(largest);
    let whole: Uint8Array | undefined;
    for (const f of fragments) whole = r.push(f);
    expect(whole?.length).toBe(EIGHT_MIB);
    const body = fragments.slice(0, -1);
    for (const f of body) expect(r.push(f)).toBeUndefined();
    const lastDataBytes = fragments.at(-1)!.length - 1;
    expectFrameError(() => r.push(patternedFinal(lastDataBytes + 1)), 'too-large');
    // The control socket's stream: frames of an 8 MiB message (and 4 bytes of slack), nothing larger.
    expect(new LengthPrefixedDecoder().push(encodeLengthPrefixed(largest))[0]?.length).toBe(EIGHT_MIB);
    expectFrameError(() => encodeLengthPrefixed(new Uint8Array(EIGHT_MIB + 5)), 'too-large');
    const prefix = new Uint8Array(4);
    new DataView(prefix.buffer).setUint32(0, EIGHT_MIB + 5, false);
    expectFrameError(() => new LengthPrefixedDecoder().push(prefix), 'too-large');
  });

  it('random and mutated fragments are accepted or throw FrameError, nothing else', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 30 }), (fragments) => {
        const r = new Reassembler();
        for (const f of fragments) onlyFrameErrors(() => r.push(f));
      }),
      { numRuns: 300 },
    );
  });
});

function patternedFinal(dataBytes: number): Uint8Array {
  const out = new Uint8Array(1 + dataBytes);
  out[0] = FRAGMENT_FLAG_FINAL;
  return out;
}

describe('message codec', () => {
  it('round-trips random headers and bodies', () => {
    fc.assert(
      fc.property(headerArb, bodyArb, (header, body) => {
        const decoded = decodeMessage(encodeMessage(header, body));
        expect(decoded.header).toEqual(JSON.parse(JSON.stringify(header)));
        expect(decoded.body).toEqual(body);
      }),
      { numRuns: 300 },
    );
    expect(decodeMessage(encodeMessage({ t: 'ping' })).body.length).toBe(0);
  });

  it('uses u32 BE header length then UTF-8 JSON then the body', () => {
    const encoded = encodeMessage({ a: 'é' }, Uint8Array.of(9, 8));
    const json = utf8('{"a":"é"}');
    expect(Array.from(encoded.subarray(0, 4))).toEqual([0, 0, 0, json.length]);
    expect(encoded.subarray(4, 4 + json.length)).toEqual(json);
    expect(Array.from(encoded.subarray(4 + json.length))).toEqual([9, 8]);
  });

  const raw = (headerBytes: Uint8Array, lengthField = headerBytes.length): Uint8Array => {
    const out = new Uint8Array(4 + headerBytes.length);
    new DataView(out.buffer).setUint32(0, lengthField, false);
    out.set(headerBytes, 4);
    return out;
  };

  it('rejects short input, bad lengths, bad UTF-8, non-objects, __proto__ and oversize headers', () => {
    expectFrameError(() => decodeMessage(new Uint8Array(3)), 'truncated');
    expectFrameError(() => decodeMessage(raw(utf8('{}'), 3)), 'bad-length');
    expectFrameError(() => decodeMessage(raw(utf8('{}'), 0xffffffff)), 'too-large');
    expectFrameError(() => decodeMessage(raw(new Uint8Array(0))), 'bad-json');
    expectFrameError(() => decodeMessage(raw(Uint8Array.of(0x7b, 0xff, 0x7d))), 'bad-utf8');
    expectFrameError(() => decodeMessage(raw(Uint8Array.of(0x7b, 0xed, 0xa0, 0x80, 0x7d))), 'bad-utf8'); // encoded surrogate
    expectFrameError(() => decodeMessage(raw(utf8('\ufeff{}'))), 'bad-json'); // a BOM is not silently dropped
    expectFrameError(() => decodeMessage(raw(utf8('{'))), 'bad-json');
    for (const notObject of ['[]', '1', 'null', '"s"', 'true'])
      expectFrameError(() => decodeMessage(raw(utf8(notObject))), 'bad-header');
    expectFrameError(() => decodeMessage(raw(utf8('{"__proto__":{"x":1}}'))), 'bad-header');
    expectFrameError(() => decodeMessage(raw(utf8('{"a":[{"__proto__":1}]}'))), 'bad-header');
    const bigHeader = { pad: 'x'.repeat(MAX_HEADER_BYTES) };
    expectFrameError(() => encodeMessage(bigHeader), 'too-large');
    expectFrameError(() => decodeMessage(raw(utf8(JSON.stringify(bigHeader)))), 'too-large');
    const justFits = { p: 'x'.repeat(MAX_HEADER_BYTES - 8) }; // {"p":"…"} is 8 bytes of syntax
    expect(decodeMessage(encodeMessage(justFits)).header).toEqual(justFits);
    // 4-byte length + '{}' + body: a body of MAX_MESSAGE_BYTES - 6 fills the message exactly
    expectFrameError(() => encodeMessage({}, new Uint8Array(MAX_MESSAGE_BYTES - 5)), 'too-large');
    expect(encodeMessage({}, new Uint8Array(MAX_MESSAGE_BYTES - 6)).length).toBe(MAX_MESSAGE_BYTES);
    expectFrameError(() => encodeMessage([] as object), 'bad-header');
    expectFrameError(() => encodeMessage({ n: 1n } as object), 'bad-header');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expectFrameError(() => encodeMessage(cyclic), 'bad-header');
    expectFrameError(() => encodeMessage({ toJSON: () => 5 }), 'bad-header');
  });

  it('random bytes and mutated valid encodings decode or throw FrameError, nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => onlyFrameErrors(() => decodeMessage(bytes))),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(
        headerArb,
        bodyArb,
        fc.integer({ min: 0, max: 3 }),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        (header, body, kind, pos, value) => {
          onlyFrameErrors(() => decodeMessage(mutate(encodeMessage(header, body), kind, pos, value)));
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('length-prefixed stream framing', () => {
  it('splits a stream into frames at any chunk boundaries', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        (frames, cuts) => {
          const stream = concat(frames.map(encodeLengthPrefixed));
          const decoder = new LengthPrefixedDecoder();
          const out = splitAt(stream, cuts).flatMap((chunk) => decoder.push(chunk));
          expect(out).toEqual(frames);
          expect(decoder.hasPartial).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('byte-at-a-time delivery and partial detection', () => {
    const decoder = new LengthPrefixedDecoder();
    const stream = concat([
      encodeLengthPrefixed(utf8('ab')),
      encodeLengthPrefixed(new Uint8Array(0)),
      encodeLengthPrefixed(utf8('c')),
    ]);
    const out: Uint8Array[] = [];
    for (let i = 0; i < stream.length; i++) {
      out.push(...decoder.push(stream.subarray(i, i + 1)));
      if (i === 1) expect(decoder.hasPartial).toBe(true);
    }
    expect(out).toEqual([utf8('ab'), new Uint8Array(0), utf8('c')]);
    expect(decoder.hasPartial).toBe(false);
  });

  it('carries encoded messages end to end', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(headerArb, bodyArb), { maxLength: 5 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (messages, cuts) => {
          const stream = concat(messages.map(([h, b]) => encodeLengthPrefixed(encodeMessage(h, b))));
          const decoder = new LengthPrefixedDecoder();
          const got = splitAt(stream, cuts)
            .flatMap((c) => decoder.push(c))
            .map(decodeMessage);
          expect(got.map((m) => m.body)).toEqual(messages.map(([, b]) => b));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('rejects oversize lengths and stays failed', () => {
    expectFrameError(() => encodeLengthPrefixed(new Uint8Array(MAX_LENGTH_PREFIXED_BYTES + 1)), 'too-large');
    const decoder = new LengthPrefixedDecoder();
    const prefix = new Uint8Array(4);
    new DataView(prefix.buffer).setUint32(0, MAX_LENGTH_PREFIXED_BYTES + 1, false);
    expectFrameError(() => decoder.push(prefix), 'too-large');
    expectFrameError(() => decoder.push(new Uint8Array(1)), 'bad-state');
    const ok = new LengthPrefixedDecoder();
    const max = encodeLengthPrefixed(new Uint8Array(MAX_LENGTH_PREFIXED_BYTES));
    expect(ok.push(max).map((f) => f.length)).toEqual([MAX_LENGTH_PREFIXED_BYTES]);
    expect(MAX_LENGTH_PREFIXED_BYTES).toBe(MAX_MESSAGE_BYTES + 4);
  });

  it('random streams decode or throw FrameError, nothing else', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 20 }), (chunks) => {
        const decoder = new LengthPrefixedDecoder();
        for (const c of chunks) onlyFrameErrors(() => decoder.push(c));
      }),
      { numRuns: 300 },
    );
  });
});
