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
});
