// The lazy feed of the screen (session/lazy-feed.ts): whatever the output and however it is cut into
// chunks, a screen fed lazily (text held, the part that scrolled out of reach dropped unparsed) ends up
// cell for cell like one that parsed every byte — and for a text flood it does drop most of it.
import xtermHeadless from '@xterm/headless';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LazyFeed } from '../../src/session/lazy-feed.js';
import { feedTarget } from '../../src/session/screen.js';
import { cells, write } from '../fixtures/terminal-cells.js';

const { Terminal } = xtermHeadless;
const enc = new TextEncoder();

/** Parses `chunks` fully in one terminal and lazily in another; returns both screens and what was dropped. */
async function both(
  chunks: Uint8Array[],
  opts: { cols: number; rows: number; scrollback: number; checkBytes: number; flushes?: Set<number> },
): Promise<{ full: string[]; lazy: string[]; dropped: number }> {
  const make = () =>
    new Terminal({
      cols: opts.cols,
      rows: opts.rows,
      scrollback: opts.scrollback,
      allowProposedApi: true,
      logLevel: 'off',
    });
  const full = make();
  const lazy = make();
  const feed = new LazyFeed(feedTarget(lazy, opts.scrollback), opts.checkBytes);
  for (const [i, chunk] of chunks.entries()) {
    await write(full, chunk);
    feed.write(new Uint8Array(chunk));
    if (opts.flushes?.has(i)) feed.flush();
  }
  feed.flush();
  // What is printed next shows the attributes and cursor state both ended with.
  const probe = 'Zq\tw\r\n';
  await write(full, probe);
  feed.write(enc.encode(probe));
  feed.flush();
  const result = { full: cells(full), lazy: cells(lazy), dropped: feed.droppedBytes };
  full.dispose();
  lazy.dispose();
  return result;
}

/** Cuts `bytes` at the given fractions. */
function cut(bytes: Uint8Array, at: number[]): Uint8Array[] {
  const points = [...new Set(at.map((f) => Math.floor(f * bytes.length)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const p of points) {
    if (p > from) out.push(bytes.slice(from, p));
    from = Math.max(from, p);
  }
  out.push(bytes.slice(from));
  return out.filter((c) => c.length > 0);
}

const sgr = fc.constantFrom(
  '\x1b[31m',
  '\x1b[0m',
  '\x1b[m',
  '\x1b[1;44m',
  '\x1b[0;4;38;5;200m',
  '\x1b[48;2;1;2;3m',
  '\x1b[7m',
  '\x1b[;3m',
  '\x1b[22;39;49m',
  '\x1b[4:3m',
  '\x1b[53m',
);
const text = fc.constantFrom('a', 'word ', 'hello world ', '漢字', '😀', 'é', '\t', 'x'.repeat(30), ' ', '~', '\x7f');
const eol = fc.constantFrom('\r\n', '\r\n', '\r\n', '\n', '\r');
const line = fc
  .tuple(fc.array(fc.oneof({ weight: 4, arbitrary: text }, { weight: 1, arbitrary: sgr }), { maxLength: 8 }), eol)
  .map(([parts, end]) => parts.join('') + end);
/** Anything else a program prints: cursor moves, modes, scroll regions, strings, charsets, queries. */
const other = fc.constantFrom(
  '\x1b[2;4r',
  '\x1b[r',
  '\x1b[?1049h',
  '\x1b[?1049l',
  '\x1b[H',
  '\x1b[3;5H',
  '\x1b[2J',
  '\x1b[K',
  '\x1b[4h',
  '\x1b[4l',
  '\x1b[?7l',
  '\x1b[?7h',
  '\x1b[?6h',
  '\x1b[20h',
  '\x1b[20l',
  '\x1bH',
  '\x1b[3g',
  '\x1b(0',
  '\x1b(B',
  '\x0e',
  '\x0f',
  '\x1b]0;title',
  '\x1b]0;title\x07',
  '\x1bP1$r',
  '\x1b\\',
  '\x1b[?25l',
  '\x08',
  '\x1b[5S',
  '\x1b[2L',
  '\x1bM',
  '\x1b7',
  '\x1b8',
  '\xc2\x9b2J',
  '\x1b[6n',
  '\x1b',
  '\x1b[',
  '\x1b[3',
);

describe('lazy screen feed', () => {
  it('ends with the screen a full parse gives, whatever the output and its chunks', async () => {
    let runsThatDropped = 0;
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.array(other, { minLength: 1, maxLength: 4 }),
            fc.array(line, { maxLength: 8 }),
            fc.array(line, { minLength: 10, maxLength: 90 }),
          ),
          { maxLength: 6 },
        ),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 }),
        fc.integer({ min: 1, max: 400 }),
        fc.constantFrom(0, 3, 10),
        fc.array(fc.nat(12), { maxLength: 3 }),
        async (pieces, cuts, checkBytes, scrollback, flushAt) => {
          const bytes = enc.encode(pieces.flat().join(''));
          const chunks = cut(bytes, cuts);
          const r = await both(chunks, { cols: 12, rows: 5, scrollback, checkBytes, flushes: new Set(flushAt) });
          expect(r.lazy).toEqual(r.full);
          runs++;
          if (r.dropped > 0) runsThatDropped++;
        },
      ),
      { numRuns: Number(process.env.LAZY_FEED_RUNS ?? 300) },
    );
    // The property is only worth something if dropping happened in a good share of the runs.
    expect(runsThatDropped).toBeGreaterThan(runs / 10); // about a fifth do, with these generators
  });

  it('drops most of a text flood, coloured or not, and keeps the screen exact', async () => {
    for (const colour of [false, true]) {
      const lines: string[] = [];
      for (let i = 0; i < 5000; i++) {
        const body = `[${String(i).padStart(5, '0')}] compiling src/module${i % 97}.ts ok`;
        lines.push(colour && i % 3 === 0 ? `\x1b[32m${body.slice(0, 7)}\x1b[0m${body.slice(7)}\r\n` : `${body}\r\n`);
      }
      const bytes = enc.encode(`\x1b[1;33mstart\x1b[0m\r\n${lines.join('')}\x1b[44mend`);
      const chunks = cut(
        bytes,
        Array.from({ length: 40 }, (_, i) => i / 40),
      );
      const r = await both(chunks, { cols: 80, rows: 24, scrollback: 100, checkBytes: 4096 });
      expect(r.lazy).toEqual(r.full);
      expect(r.dropped).toBeGreaterThan(bytes.length * 0.8);
    }
  });

  it.each([
    ['the cursor below a scroll region', `\x1b[1;3r\x1b[5;1H${'X'.repeat(11)}\r\n${'a\r\n'.repeat(100)}`],
    ['text inside an unterminated OSC string', `\x1b]0;${'title text\r\n'.repeat(100)}\x07${'b\r\n'.repeat(40)}`],
    ['text inside a DCS string', `\x1bPq${'#0;2;0;0;0\r\n'.repeat(100)}\x1b\\done`],
    ['a CSI sequence cut by the chunks', `\x1b[${'1;'.repeat(3)}${'t\r\n'.repeat(100)}`],
  ])('stays exact with %s', async (_name, output) => {
    const bytes = enc.encode(output);
    const chunks = cut(
      bytes,
      Array.from({ length: 16 }, (_, i) => i / 16),
    );
    const r = await both(chunks, { cols: 12, rows: 5, scrollback: 3, checkBytes: 16 });
    expect(r.lazy).toEqual(r.full);
  });
});
