// Output bytes as the inside of a JSON string, straight from bytes to bytes: what
// `JSON.stringify(new TextDecoder().decode(bytes, { stream: true }))` would give without its quotes,
// encoded as UTF-8 — invalid UTF-8 becomes U+FFFD exactly as the WHATWG decoder replaces it, and an
// incomplete character at the end waits for the next call. The recorder (recorder.ts) writes asciicast
// events with it: no string is made of a flood's output, so no large strings to collect either.

const HEX = '0123456789abcdef';
/** What each ASCII byte becomes: itself (undefined), or its escape. */
const ESCAPES: (Uint8Array | undefined)[] = Array.from({ length: 128 }, (_, b) => {
  const short: Record<number, string> = { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r' };
  if (b === 0x22) return ascii('\\"');
  if (b === 0x5c) return ascii('\\\\');
  if (b >= 0x20) return undefined;
  return ascii(short[b] ?? `\\u00${HEX[b >> 4]}${HEX[b & 15]}`);
});
const REPLACEMENT = Uint8Array.of(0xef, 0xbf, 0xbd);
/** 1 for the bytes copied as they are (printable ASCII but `"` and `\`, and DEL). */
const PLAIN = Uint8Array.from({ length: 256 }, (_, b) => (b >= 0x20 && b < 0x80 && b !== 0x22 && b !== 0x5c ? 1 : 0));
/** Runs of plain bytes longer than this are copied with one call; shorter ones byte by byte. */
const RUN_COPY_MIN_BYTES = 16;
/** Room for the longest thing written at once (a `\u00XX` escape, or a 4-byte character). */
const SLACK = 8;

function ascii(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

/** A streaming converter (keeps an incomplete character between calls, like TextDecoder with `stream`). */
export class JsonStringBytes {
  /** The incomplete character carried over from the last call. */
  private carry = new Uint8Array(0);

  /** The JSON string content (no quotes) of `bytes`, after what was carried over. */
  convert(bytes: Uint8Array, end = false): Uint8Array {
    const input = this.carry.length > 0 ? join(this.carry, bytes) : bytes;
    this.carry = new Uint8Array(0);
    const n = input.length;
    let out: Uint8Array = new Uint8Array(n + (n >> 3) + 2 * SLACK);
    let o = 0;
    let i = 0;
    while (i < n) {
      if (out.length - o < 2 * SLACK) out = grow(out, o, n - i);
      // The common case: a run of bytes copied as they are, as far as the room left allows (found
      // first, then copied at once: a line of output is one copy, not one store per byte).
      const stop = Math.min(n, i + (out.length - o - SLACK));
      const from = i;
      while (i < stop && PLAIN[input[i] as number] === 1) i++;
      if (i - from > RUN_COPY_MIN_BYTES) {
        out.set(input.subarray(from, i), o);
        o += i - from;
      } else for (let k = from; k < i; k++) out[o++] = input[k] as number;
      if (i === stop) continue; // the end of the input, or of the room left (the loop grows `out`)
      const b = input[i] as number;
      if (b < 0x80) {
        const esc = ESCAPES[b] as Uint8Array;
        out.set(esc, o);
        o += esc.length;
        i++;
        continue;
      }
      // A multi-byte character: its length, and the allowed range of its second byte (WHATWG UTF-8 decoder).
      let need = 0;
      let lower = 0x80;
      let upper = 0xbf;
      if (b >= 0xc2 && b <= 0xdf) need = 1;
      else if (b >= 0xe0 && b <= 0xef) {
        need = 2;
        if (b === 0xe0) lower = 0xa0;
        else if (b === 0xed) upper = 0x9f;
      } else if (b >= 0xf0 && b <= 0xf4) {
        need = 3;
        if (b === 0xf0) lower = 0x90;
        else if (b === 0xf4) upper = 0x8f;
      } else {
        out.set(REPLACEMENT, o);
        o += 3;
        i++;
        continue;
      }
      let seen = 0;
      let j = i + 1;
      let bad = false;
      while (seen < need) {
        if (j >= n) break;
        const c = input[j] as number;
        if (c < lower || c > upper) {
          bad = true;
          break;
        }
        lower = 0x80;
        upper = 0xbf;
        seen++;
        j++;
      }
      if (!bad && seen < need) {
        // Incomplete at the end: kept for the next call (or replaced at the very end).
        if (end) {
          out.set(REPLACEMENT, o);
          o += 3;
        } else this.carry = input.slice(i);
        break;
      }
      if (bad) {
        // The maximal subpart so far is one replacement; the byte that broke it is read again.
        out.set(REPLACEMENT, o);
        o += 3;
        i = j;
        continue;
      }
      out.set(input.subarray(i, j), o);
      o += need + 1;
      i = j;
    }
    return out.subarray(0, o);
  }

  /** What is left at the end of the output (an incomplete character becomes U+FFFD). */
  finish(): Uint8Array {
    return this.convert(new Uint8Array(0), true);
  }
}

/** A larger output array with the `used` bytes of `out` (room for about `rest` more input bytes). */
function grow(out: Uint8Array, used: number, rest: number): Uint8Array {
  const grown = new Uint8Array(Math.max(out.length * 2, used + rest + (rest >> 2) + 2 * SLACK));
  grown.set(out.subarray(0, used));
  return grown;
}

function join(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
