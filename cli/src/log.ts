// The daemon's log: consola on stderr (a file when detached). Technical details go here; people get
// sentences. Never pass secrets (pairing codes, keys, auth keys) to it.
import { type ConsolaInstance, createConsola } from 'consola';

/** What modules log through. */
export interface Logger {
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
  debug(...args: unknown[]): void;
}

/** Levels for PASEO_LOG: error, warn, info (default), debug. */
const LEVELS: Record<string, number> = { silent: -999, error: 0, warn: 1, info: 3, debug: 4 };

/** Creates the logger; `tag` prefixes each line (e.g. "daemon"). */
export function createLogger(
  tag: string,
  level = process.env.PASEO_LOG ?? 'info',
): Logger & { withTag(t: string): Logger } {
  const consola: ConsolaInstance = createConsola({
    level: LEVELS[level] ?? 3,
    stdout: process.stderr,
    stderr: process.stderr,
    formatOptions: { date: true, colors: process.stderr.isTTY === true, compact: true },
  }).withTag(tag);
  return consola;
}

/** A logger that drops everything (tests, one-shot commands). */
export const silentLogger: Logger = { info() {}, warn() {}, error() {}, debug() {} };
