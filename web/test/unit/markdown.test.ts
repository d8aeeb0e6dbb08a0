// The Markdown parser of the conversation view: what agents write becomes a tree of known node types,
// and what must never become markup (HTML, script links, images) stays text or an inert label.
import { describe, expect, it } from 'vitest';
import { type Block, type Inline, parseInline, parseMarkdown, safeHref } from '../../src/markdown.js';

/** The plain text of inline nodes, with markers for the node types. */
function flat(parts: Inline[]): string {
  return parts
    .map((p) => {
      switch (p.type) {
        case 'text':
          return p.text;
        case 'code':
          return `<code>${p.text}</code>`;
        case 'br':
          return '<br>';
        case 'link':
          return `<a ${p.href}>${flat(p.children)}</a>`;
        default:
          return `<${p.type}>${flat(p.children)}</${p.type}>`;
      }
    })
    .join('');
}

const types = (blocks: Block[]) => blocks.map((b) => b.type);

describe('Markdown for agent messages', () => {
  it('parses emphasis, code spans and links inline', () => {
    expect(flat(parseInline('a **bold** and *em* and ~~gone~~ with `x * y` and [docs](https://x.dev/a)'))).toBe(
      'a <strong>bold</strong> and <em>em</em> and <del>gone</del> with <code>x * y</code> and <a https://x.dev/a>docs</a>',
    );
    expect(flat(parseInline('snake_case_name and 2 * 3 * 4'))).toBe('snake_case_name and 2 * 3 * 4');
    expect(flat(parseInline('see https://example.com/path, then'))).toBe(
      'see <a https://example.com/path>https://example.com/path</a>, then',
    );
    expect(flat(parseInline('\\*not em\\*'))).toBe('*not em*');
  });

  it('never makes HTML, script links or images', () => {
    expect(flat(parseInline('<img src=x onerror=alert(1)> <script>alert(1)</script>'))).toBe(
      '<img src=x onerror=alert(1)> <script>alert(1)</script>',
    );
    expect(parseInline('<b>x</b>')).toEqual([{ type: 'text', text: '<b>x</b>' }]);
    expect(flat(parseInline('[click](javascript:alert(1))'))).toBe('<em>click</em>');
    expect(flat(parseInline('![logo](https://evil.example/x.png)'))).toBe(
      '<a https://evil.example/x.png>image: logo</a>',
    );
    expect(safeHref('JavaScript:alert(1)')).toBe(false);
    expect(safeHref('data:text/html,x')).toBe(false);
    expect(safeHref('mailto:a@b.c')).toBe(true);
  });

  it('parses blocks: headings, lists (nested), quotes, fenced code, tables, rules, paragraphs', () => {
    const blocks = parseMarkdown(
      [
        '# Title',
        'First line',
        'second line',
        '',
        '- one',
        '- two',
        '  - nested',
        '1. first',
        '2. second',
        '',
        '> quoted',
        '',
        '```ts',
        'const a = 1; // **not bold**',
        '```',
        '',
        '| a | b |',
        '|---|:-:|',
        '| 1 | 2 |',
        '',
        '---',
      ].join('\n'),
    );
    expect(types(blocks)).toEqual(['h', 'p', 'list', 'list', 'quote', 'code', 'table', 'hr']);
    expect(flat((blocks[1] as Extract<Block, { type: 'p' }>).inline)).toBe('First line<br>second line');
    const list = blocks[2] as Extract<Block, { type: 'list' }>;
    expect(list.items).toHaveLength(2);
    expect(types(list.items[1]!)).toEqual(['p', 'list']);
    expect(blocks[3]).toMatchObject({ type: 'list', ordered: true, start: 1 });
    expect(blocks[5]).toEqual({ type: 'code', lang: 'ts', text: 'const a = 1; // **not bold**' });
    const table = blocks[6] as Extract<Block, { type: 'table' }>;
    expect(table.head.map(flat)).toEqual(['a', 'b']);
    expect(table.rows.map((r) => r.map(flat))).toEqual([['1', '2']]);
  });

  it('shows a code block that is still streaming in (no closing fence yet)', () => {
    expect(parseMarkdown('Here:\n```\nline 1\nline 2')).toEqual([
      { type: 'p', inline: [{ type: 'text', text: 'Here:' }] },
      { type: 'code', lang: '', text: 'line 1\nline 2' },
    ]);
  });
});
