// Terminal output for people: QR codes, tables, relative times, and errors as sentences.
import { renderUnicodeCompact } from 'uqr';
import { useColor } from '../command-line.js';

/**
 * Pure white on pure black: the code is drawn as light blocks (quiet zone, light modules) on the
 * background, so a light-themed terminal would show it inverted, which many phone scanners cannot read.
 */
const QR_COLOURS = '\x1b[38;5;231;48;5;16m';
const RESET = '\x1b[0m';

/**
 * Renders a QR code for the terminal (two rows per line, with a quiet zone), in explicit colours when
 * the output is a terminal that takes them.
 */
export function qrCode(text: string, colour = useColor(process.stdout)): string {
  const qr = renderUnicodeCompact(text, { border: 2 });
  return colour
    ? qr
        .split('\n')
        .map((line) => `${QR_COLOURS}${line}${RESET}`)
        .join('\n')
    : qr;
}

/**
 * One line of a terminal that shows progress in place ("Waiting for the tailnet… 4 s"), on stderr. It does
 * nothing when stderr is not a terminal (logs, pipes): there, the state lines printed meanwhile are the
 * progress. Call clear() before printing anything else.
 */
export class LiveLine {
  private shown: string | undefined;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  show(text: string): void {
    if (this.stream.isTTY !== true || text === this.shown) return;
    this.stream.write(`\r\x1b[2K${text}`);
    this.shown = text;
  }

  clear(): void {
    if (this.shown === undefined) return;
    this.stream.write('\r\x1b[2K');
    this.shown = undefined;
  }
}

/** Formats rows as aligned columns under a header. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** "just now", "42 s ago", "3 min ago", "5 h ago", "2 days ago", or "never". */
export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return 'never';
  const s = Math.round((now - Date.parse(iso)) / 1000);
  if (!Number.isFinite(s)) return 'unknown';
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  const d = Math.floor(s / 86400);
  return `${d} day${d === 1 ? '' : 's'} ago`;
}

/** A local date and time, short. */
export function when(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** Prints a sentence for people on stderr and exits with status 1. */
export function fail(message: string, code = 1): never {
  process.stderr.write(`paseo: ${message}\n`);
  process.exit(code);
}

/** Prints JSON for scripts. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
