// Output bytes escaped for asciicast straight from bytes (session/json-bytes.ts) are exactly what
// TextDecoder (streaming, replacing invalid UTF-8) and JSON.stringify give, however the bytes are cut.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonStringBytes } from '../../src/session/json-bytes.js';

const utf8 = new TextEncoder();

/** The reference: decode as a stream, stringify, drop the quotes, encode. */
function reference(chunks: Uint8Array[]): string {
  const dec = new TextDecoder();
  let text = '';
  for (const c of chunks) text += dec.decode(c, { stream: true });
  text += dec.decode();
  return JSON.stringify(text).slice(1, -1);
}

function converted(chunks: Uint8Array[]): string {
  const conv = new JsonStringBytes();
  const parts = chunks.map((c) => conv.convert(c));
  parts.push(conv.finish());
  return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(parts));
}

/** Bytes that hit the hard cases: controls, quotes, backslashes, every UTF-8 length, and broken sequences. */
const tricky = fc.oneof(
  fc.uint8Array({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }).map((s) => utf8.encode(s)),
  fc
    .array(
      fc.constantFrom(
        0x00,
        0x0a,
        0x0d,
        0x1b,
        0x22,
        0x5c,
        0x7f,
        0x80,
        0xbf,
        0xc0,
        0xc2,
        0xdf,
        0xe0,
        0xed,
        0xef,
        0xf0,
        0xf4,
        0xf5,
        0xff,
        0x9b,
        0xa0,
      ),
      { maxLength: 30 },
    )
    .map((a) => Uint8Array.from(a)),
);

describe('JSON string bytes', () => {
  it('equal TextDecoder + JSON.stringify, whatever the bytes and their chunks', () => {
    fc.assert(
      fc.property(fc.array(tricky, { maxLength: 6 }), (chunks) => {
        expect(converted(chunks)).toBe(reference(chunks));
      }),
      { numRuns: 3000 },
    );
  });

  it('escapes terminal output as asciicast players expect', () => {
    const bytes = utf8.encode('\x1b[31mred "x" \\ é ✓ 😀\r\n\t\x07');
    expect(converted([bytes])).toBe('\\u001b[31mred \\"x\\" \\\\ é ✓ 😀\\r\\n\\t\\u0007');
  });

  it('keeps long lines of text whole between escapes, however the output is cut', () => {
    const screenful = utf8.encode(
      Array.from({ length: 40 }, (_, i) => `line ${i}: ${'output of a build step '.repeat(i % 5)}"done" \\ ✓`).join(
        '\r\n',
      ),
    );
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: screenful.length - 1 }), { maxLength: 8 }), (cuts) => {
        const at = [0, ...cuts.sort((a, b) => a - b), screenful.length];
        const chunks = at.slice(1).map((end, i) => screenful.subarray(at[i], end));
        expect(converted(chunks)).toBe(reference([screenful]));
      }),
      { numRuns: 200 },
    );
  });

  it('keeps every byte of a run of text that follows escapes, whatever their lengths', () => {
    // Escapes take six times their input: the text after them meets the end of the room first allocated.
    const segment = fc.record({ controls: fc.nat(24), text: fc.nat(90), quotes: fc.nat(3) });
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 12 }), (segments) => {
        const bytes = utf8.encode(
          segments.map((s) => '\x01'.repeat(s.controls) + 'x'.repeat(s.text) + '"'.repeat(s.quotes)).join(''),
        );
        expect(converted([bytes])).toBe(reference([bytes]));
      }),
      { numRuns: 500 },
    );
  });

  it('converts a flood of mixed output in one call', () => {
    // Long plain runs after escapes, then escapes that expand six-fold: the output outgrows its first guess.
    const parts: string[] = [];
    for (let i = 0; i < 2000; i++) parts.push('\x01\x02\x1b'.repeat(i % 7), 'x'.repeat((i * 37) % 90), '"é😀\n');
    const flood = utf8.encode(parts.join(''));
    expect(converted([flood])).toBe(reference([flood]));
  });

  it('takes memory in proportion to its output', () => {
    const plain = new Uint8Array(65536).fill(0x61);
    const controls = new Uint8Array(10000).fill(0x01);
    const broken = new Uint8Array(1000).fill(0xff);
    for (const bytes of [plain, controls, broken, utf8.encode('😀'.repeat(1000))]) {
      const out = new JsonStringBytes().convert(bytes);
      expect(out.buffer.byteLength).toBeLessThanOrEqual(2 * out.length + 64);
    }
    // A line of plain text needs about its own size (no copy at twice the size).
    expect(new JsonStringBytes().convert(plain).buffer.byteLength).toBeLessThanOrEqual(plain.length * 1.25);
  });
});
