// A file change as a diff: the file's name and line counts, then the hunks with old and new line numbers,
// removed lines red and added lines green. Long lines scroll sideways and long diffs scroll down inside
// their own box: the page itself never gets wider than the screen.
import type { ToolContent } from '../../cli/src/conversation/events.js';
import { diffLines } from '../../cli/src/conversation/line-diff.js';
import { h } from './ui.js';

/** Lines of one diff shown at most (the rest is summarized). */
const MAX_SHOWN_LINES = 2000;

/** The last two parts of a path: "src/greet.ts". */
export function shortPath(path: string): string {
  const parts = path.split('/').filter(Boolean);
  return parts.length <= 2 ? path : `…/${parts.slice(-2).join('/')}`;
}

/** A diff of one file. */
export function diffView(diff: Extract<ToolContent, { type: 'diff' }>): HTMLElement {
  const d = diffLines(diff.oldText, diff.newText);
  const rows: HTMLElement[] = [];
  let shown = 0;
  for (const hunk of d.hunks) {
    if (shown >= MAX_SHOWN_LINES) break;
    rows.push(
      h('div', {
        class: 'dl hunk',
        text: `@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@`,
      }),
    );
    for (const line of hunk.lines) {
      if (shown++ >= MAX_SHOWN_LINES) break;
      const kind = line.op === '+' ? 'add' : line.op === '-' ? 'del' : 'ctx';
      rows.push(
        h(
          'div',
          { class: `dl ${kind}` },
          h('span', { class: 'ln', text: line.oldNo === null ? '' : String(line.oldNo) }),
          h('span', { class: 'ln', text: line.newNo === null ? '' : String(line.newNo) }),
          h('span', { class: 'code', text: `${line.op}${line.text}` }),
        ),
      );
    }
  }
  const total = d.hunks.reduce((n, hk) => n + hk.lines.length, 0);
  if (total > MAX_SHOWN_LINES) {
    rows.push(h('div', { class: 'dl hunk', text: `… ${total - MAX_SHOWN_LINES} more lines not shown` }));
  }
  if (d.hunks.length === 0) rows.push(h('div', { class: 'dl hunk', text: 'No changes.' }));
  return h(
    'figure',
    { class: 'diff', testid: 'diff', attrs: { 'data-path': diff.path } },
    h(
      'figcaption',
      { class: 'diff-head' },
      h('span', { class: 'diff-path mono', text: shortPath(diff.path), attrs: { title: diff.path } }),
      diff.oldText === null ? h('span', { class: 'badge muted-badge', text: 'new file' }) : null,
      h(
        'span',
        { class: 'diff-stat' },
        h('span', { class: 'add', text: `+${d.added}` }),
        ' ',
        h('span', { class: 'del', text: `−${d.removed}` }),
      ),
    ),
    h(
      'div',
      { class: 'diff-body', attrs: { tabindex: '0', role: 'region', 'aria-label': `Changes to ${diff.path}` } },
      h('div', { class: 'diff-lines' }, ...rows),
    ),
  );
}
