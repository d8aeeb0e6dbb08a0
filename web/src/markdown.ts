// A small, safe Markdown renderer for what agents write: paragraphs, headings, lists, quotes, code
// blocks, tables, rules; code, bold, italics, strikethrough and links inline. Safe by construction: the
// text is parsed into a tree and built with createElement/textContent, so no HTML an agent writes ever
// reaches the DOM as markup; links open only http(s) and mailto URLs; images are shown as links, never
// loaded. parseMarkdown is pure (tested in node); renderMarkdown builds the DOM.

export type Inline =
  | { type: 'text'; text: string }
  | { type: 'code'; text: string }
  | { type: 'strong' | 'em' | 'del'; children: Inline[] }
  | { type: 'link'; href: string; children: Inline[] }
  | { type: 'br' };

export type Block =
  | { type: 'p'; inline: Inline[] }
  | { type: 'h'; level: number; inline: Inline[] }
  | { type: 'code'; lang: string; text: string }
  | { type: 'quote'; blocks: Block[] }
  | { type: 'list'; ordered: boolean; start: number; items: Block[][] }
  | { type: 'table'; head: Inline[][]; rows: Inline[][][] }
  | { type: 'hr' };

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([\w+-]*)/;
const HEADING = /^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
const RULE = /^ {0,3}([-*_])(\s*\1){2,}\s*$/;
const QUOTE = /^ {0,3}>\s?/;
const ITEM = /^( *)([-*+]|\d{1,9}[.)])\s+(.*)$/;
const TABLE_SEP = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;

/** Parses Markdown into blocks. */
export function parseMarkdown(text: string): Block[] {
  return parseBlocks(text.replace(/\r\n?/g, '\n').split('\n'));
}

function parseBlocks(lines: string[]): Block[] {
  const blocks: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] as string;
    if (line.trim() === '') {
      i++;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const marker = fence[1] as string;
      const body: string[] = [];
      i++;
      while (i < lines.length && !(lines[i] as string).trimStart().startsWith(marker)) body.push(lines[i++] as string);
      i++; // the closing fence (or the end of a message still streaming in)
      blocks.push({ type: 'code', lang: fence[2] ?? '', text: body.join('\n') });
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      blocks.push({ type: 'h', level: (heading[1] as string).length, inline: parseInline(heading[2] as string) });
      i++;
      continue;
    }
    if (RULE.test(line)) {
      blocks.push({ type: 'hr' });
      i++;
      continue;
    }
    if (QUOTE.test(line)) {
      const body: string[] = [];
      while (i < lines.length && QUOTE.test(lines[i] as string)) body.push((lines[i++] as string).replace(QUOTE, ''));
      blocks.push({ type: 'quote', blocks: parseBlocks(body) });
      continue;
    }
    if (ITEM.test(line)) {
      const [list, next] = parseList(lines, i);
      blocks.push(list);
      i = next;
      continue;
    }
    if (line.includes('|') && TABLE_SEP.test(lines[i + 1] ?? '')) {
      const head = cells(line);
      const rows: Inline[][][] = [];
      i += 2;
      while (i < lines.length && (lines[i] as string).includes('|') && (lines[i] as string).trim() !== '') {
        rows.push(cells(lines[i++] as string));
      }
      blocks.push({ type: 'table', head, rows });
      continue;
    }
    const para: string[] = [];
    while (i < lines.length && (lines[i] as string).trim() !== '' && !startsBlock(lines, i))
      para.push(lines[i++] as string);
    if (para.length === 0) para.push(lines[i++] as string);
    blocks.push({ type: 'p', inline: joinLines(para) });
  }
  return blocks;
}

function startsBlock(lines: string[], i: number): boolean {
  const line = lines[i] as string;
  return (
    FENCE.test(line) ||
    HEADING.test(line) ||
    RULE.test(line) ||
    QUOTE.test(line) ||
    ITEM.test(line) ||
    (line.includes('|') && TABLE_SEP.test(lines[i + 1] ?? ''))
  );
}

/** A list starting at line `start`: items at its indentation; deeper lines belong to the item above. */
function parseList(lines: string[], start: number): [Block, number] {
  const first = ITEM.exec(lines[start] as string) as RegExpExecArray;
  const indent = (first[1] as string).length;
  const ordered = /\d/.test(first[2] as string);
  const items: string[][] = [];
  let i = start;
  while (i < lines.length) {
    const line = lines[i] as string;
    const m = ITEM.exec(line);
    if (m && (m[1] as string).length === indent && /\d/.test(m[2] as string) === ordered) {
      items.push([m[3] as string]);
    } else if (line.trim() === '') {
      const next = lines[i + 1];
      if (next === undefined || (!/^\s/.test(next) && !ITEM.test(next))) break;
      items[items.length - 1]?.push('');
    } else if (/^\s/.test(line) && (line.length - line.trimStart().length > indent || ITEM.test(line))) {
      items[items.length - 1]?.push(line.slice(Math.min(indent + 2, line.length - line.trimStart().length)));
    } else if (m) {
      break;
    } else {
      items[items.length - 1]?.push(line); // a lazy continuation of the item's paragraph
    }
    i++;
  }
  const startNo = ordered ? Number.parseInt(first[2] as string, 10) : 1;
  return [{ type: 'list', ordered, start: startNo, items: items.map((body) => parseBlocks(body)) }, i];
}

function cells(row: string): Inline[][] {
  const trimmed = row.trim().replace(/^\|/, '').replace(/\|$/, '');
  return trimmed.split('|').map((c) => parseInline(c.trim()));
}

function joinLines(lines: string[]): Inline[] {
  const out: Inline[] = [];
  lines.forEach((line, n) => {
    if (n > 0) out.push({ type: 'br' });
    out.push(...parseInline(line.trim()));
  });
  return out;
}

/** Parses inline Markdown: code spans first (their content is literal), then emphasis and links. */
export function parseInline(text: string): Inline[] {
  const out: Inline[] = [];
  let plain = '';
  const flush = (): void => {
    if (plain) out.push({ type: 'text', text: plain });
    plain = '';
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '\\' && i + 1 < text.length && /[\\`*_~[\]()#>!|-]/.test(text[i + 1] as string)) {
      plain += text[i + 1];
      i += 2;
      continue;
    }
    if (c === '`') {
      const ticks = /^`+/.exec(text.slice(i))?.[0] as string;
      const end = text.indexOf(ticks, i + ticks.length);
      if (end > 0) {
        flush();
        out.push({ type: 'code', text: text.slice(i + ticks.length, end).replace(/^ (.*) $/, '$1') });
        i = end + ticks.length;
        continue;
      }
    }
    const emphasis = delimited(text, i);
    if (emphasis) {
      flush();
      out.push({ type: emphasis.type, children: parseInline(emphasis.inner) });
      i = emphasis.end;
      continue;
    }
    if (c === '[' || (c === '!' && text[i + 1] === '[')) {
      const link = linkAt(text, c === '!' ? i + 1 : i);
      if (link) {
        flush();
        const label = c === '!' ? `image: ${link.label || link.href}` : link.label;
        const children = parseInline(label || link.href);
        out.push(safeHref(link.href) ? { type: 'link', href: link.href, children } : { type: 'em', children });
        i = link.end;
        continue;
      }
    }
    const url = /^https?:\/\/[^\s<>()]+[^\s<>().,;:!?'"]/.exec(text.slice(i));
    if (url && (i === 0 || /[\s(]/.test(text[i - 1] as string))) {
      flush();
      out.push({ type: 'link', href: url[0], children: [{ type: 'text', text: url[0] }] });
      i += url[0].length;
      continue;
    }
    plain += c;
    i++;
  }
  flush();
  return out;
}

function delimited(text: string, i: number): { type: 'strong' | 'em' | 'del'; inner: string; end: number } | undefined {
  for (const [mark, type] of [
    ['**', 'strong'],
    ['__', 'strong'],
    ['~~', 'del'],
    ['*', 'em'],
    ['_', 'em'],
  ] as const) {
    if (!text.startsWith(mark, i)) continue;
    const after = text[i + mark.length];
    if (after === undefined || /\s/.test(after)) continue;
    // `_` inside a word (snake_case) is not emphasis.
    if (mark[0] === '_' && i > 0 && /\w/.test(text[i - 1] as string)) continue;
    let end = text.indexOf(mark, i + mark.length + 1);
    while (end > 0 && (/\s/.test(text[end - 1] as string) || (mark === '*' && text[end + 1] === '*'))) {
      end = text.indexOf(mark, end + 1);
    }
    if (end < 0) continue;
    if (mark[0] === '_' && /\w/.test(text[end + mark.length] ?? '')) continue;
    return { type, inner: text.slice(i + mark.length, end), end: end + mark.length };
  }
  return undefined;
}

function linkAt(text: string, i: number): { label: string; href: string; end: number } | undefined {
  const close = text.indexOf('](', i);
  if (close < 0 || text.slice(i + 1, close).includes('\n')) return undefined;
  // The destination ends at the parenthesis that balances the opening one (URLs may hold parentheses).
  let end = -1;
  for (let j = close + 2, depth = 0; j < text.length; j++) {
    if (text[j] === '(') depth++;
    else if (text[j] === ')' && depth-- === 0) {
      end = j;
      break;
    }
  }
  if (end < 0) return undefined;
  const href = text
    .slice(close + 2, end)
    .trim()
    .split(/\s+/)[0] as string;
  return { label: text.slice(i + 1, close), href, end: end + 1 };
}

/** Only web and mail links open; anything else (javascript:, data:, file:) is shown as text. */
export function safeHref(href: string): boolean {
  return /^(https?:\/\/|mailto:)/i.test(href);
}

// ---- DOM ------------------------------------------------------------------------------------------

/** Builds the DOM for Markdown text. */
export function renderMarkdown(text: string): DocumentFragment {
  const frag = document.createDocumentFragment();
  for (const b of parseMarkdown(text)) frag.append(block(b));
  return frag;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  e.append(...children);
  return e;
}

function block(b: Block): Node {
  switch (b.type) {
    case 'p':
      return el('p', ...inline(b.inline));
    case 'h':
      return el(b.level <= 2 ? 'h3' : 'h4', ...inline(b.inline));
    case 'code': {
      const pre = el('pre', el('code', b.text));
      pre.className = 'md-code';
      return pre;
    }
    case 'quote':
      return el('blockquote', ...b.blocks.map(block));
    case 'list': {
      const list = el(b.ordered ? 'ol' : 'ul', ...b.items.map((item) => el('li', ...item.map(block))));
      if (b.ordered && b.start !== 1) list.setAttribute('start', String(b.start));
      return list;
    }
    case 'table': {
      const table = el(
        'table',
        el('thead', el('tr', ...b.head.map((c) => el('th', ...inline(c))))),
        el('tbody', ...b.rows.map((r) => el('tr', ...r.map((c) => el('td', ...inline(c)))))),
      );
      const wrap = el('div', table);
      wrap.className = 'md-table';
      return wrap;
    }
    case 'hr':
      return el('hr');
  }
}

function inline(parts: Inline[]): Node[] {
  return parts.map((p): Node => {
    switch (p.type) {
      case 'text':
        return document.createTextNode(p.text);
      case 'code':
        return el('code', p.text);
      case 'br':
        return el('br');
      case 'link': {
        const a = el('a', ...inline(p.children));
        a.href = p.href;
        a.target = '_blank';
        a.rel = 'noopener noreferrer';
        return a;
      }
      default:
        return el(p.type === 'strong' ? 'strong' : p.type === 'em' ? 'em' : 'del', ...inline(p.children));
    }
  });
}
