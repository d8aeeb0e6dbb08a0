// A line diff of a file change (the old and new text an agent reports), as hunks with a few lines of
// context, like `diff -u`. Myers' O(ND) algorithm; past MAX_EDIT_DISTANCE edits it stops looking for
// the shortest script and shows the middle as removed then added. Isomorphic: the web UI shows the hunks,
// `paseo logs` counts the lines.

/** Most edits searched for before giving up on a minimal diff (bounds time and memory). */
export const MAX_EDIT_DISTANCE = 2000;
/** Lines of context around each change. */
export const CONTEXT_LINES = 3;

type Op = ' ' | '-' | '+';

/** One line of a hunk: kept (' '), removed ('-') or added ('+'), with its numbers in the old and new file. */
export interface DiffLine {
  op: Op;
  text: string;
  oldNo: number | null;
  newNo: number | null;
}

/** A run of changes with context, starting at `oldStart`/`newStart` (1-based). */
export interface Hunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  lines: DiffLine[];
}

/** The hunks of a change, and how many lines were added and removed. */
export interface FileDiff {
  hunks: Hunk[];
  added: number;
  removed: number;
}

/** Diffs two texts line by line (`oldText` null: a new file). */
export function diffLines(oldText: string | null, newText: string, context = CONTEXT_LINES): FileDiff {
  const a = splitLines(oldText ?? '');
  const b = splitLines(newText);
  const ops = editScript(a, b);
  let added = 0;
  let removed = 0;
  const lines: DiffLine[] = [];
  let i = 0;
  let j = 0;
  for (const op of ops) {
    if (op === ' ') lines.push({ op, text: a[i] as string, oldNo: ++i, newNo: ++j });
    else if (op === '-') {
      removed++;
      lines.push({ op, text: a[i] as string, oldNo: ++i, newNo: null });
    } else {
      added++;
      lines.push({ op, text: b[j] as string, oldNo: null, newNo: ++j });
    }
  }
  return { hunks: toHunks(lines, context), added, removed };
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** The edit script turning `a` into `b`: ' ' keep, '-' remove from a, '+' add from b. */
function editScript(a: string[], b: string[]): Op[] {
  // Common prefix and suffix first: most agent edits touch a few lines of a long file.
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const middle = myers(a.slice(start, endA), b.slice(start, endB));
  return [...repeat(' ', start), ...middle, ...repeat(' ', a.length - endA)];
}

function myers(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  if (n === 0) return repeat('+', m);
  if (m === 0) return repeat('-', n);
  const max = Math.min(n + m, MAX_EDIT_DISTANCE);
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x =
        k === -d || (k !== d && (v[offset + k - 1] as number) < (v[offset + k + 1] as number))
          ? (v[offset + k + 1] as number)
          : (v[offset + k - 1] as number) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) return backtrack(trace, offset, n, m);
    }
  }
  // Too different to search further: everything removed, then everything added.
  return [...repeat('-', n), ...repeat('+', m)];
}

function backtrack(trace: Int32Array[], offset: number, n: number, m: number): Op[] {
  const ops: Op[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d > 0; d--) {
    const v = trace[d] as Int32Array;
    const k = x - y;
    const prevK =
      k === -d || (k !== d && (v[offset + k - 1] as number) < (v[offset + k + 1] as number)) ? k + 1 : k - 1;
    const prevX = v[offset + prevK] as number;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      ops.push(' ');
      x--;
      y--;
    }
    ops.push(x === prevX ? '+' : '-');
    x = prevX;
    y = prevY;
  }
  while (x > 0 && y > 0) {
    ops.push(' ');
    x--;
    y--;
  }
  return ops.reverse();
}

function repeat(op: Op, times: number): Op[] {
  return new Array<Op>(times).fill(op);
}

function toHunks(lines: DiffLine[], context: number): Hunk[] {
  // Runs of changes whose unchanged gap is at most 2 × context lines share a hunk.
  const runs: [number, number][] = [];
  for (let i = 0; i < lines.length; i++) {
    if ((lines[i] as DiffLine).op === ' ') continue;
    const last = runs[runs.length - 1];
    if (last && i - last[1] - 1 <= 2 * context) last[1] = i;
    else runs.push([i, i]);
  }
  // Lines of the old and new file before each index.
  const oldBefore = [0];
  const newBefore = [0];
  for (const l of lines) {
    oldBefore.push((oldBefore[oldBefore.length - 1] as number) + (l.op === '+' ? 0 : 1));
    newBefore.push((newBefore[newBefore.length - 1] as number) + (l.op === '-' ? 0 : 1));
  }
  return runs.map(([first, last]) => {
    const from = Math.max(0, first - context);
    const to = Math.min(lines.length, last + 1 + context);
    const oldLines = (oldBefore[to] as number) - (oldBefore[from] as number);
    const newLines = (newBefore[to] as number) - (newBefore[from] as number);
    // As in `diff -u`: a hunk with no lines on one side starts at the line before it.
    const oldStart = (oldBefore[from] as number) + (oldLines === 0 ? 0 : 1);
    const newStart = (newBefore[from] as number) + (newLines === 0 ? 0 : 1);
    return { oldStart, oldLines, newStart, newLines, lines: lines.slice(from, to) };
  });
}
