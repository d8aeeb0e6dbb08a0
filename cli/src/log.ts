// The daemon's log: consola on stderr (a rotated file when detached), one line format everywhere:
// `2025-03-03T12:00:00.000Z INFO  [paseo:session] Session ab12cd34 (shell) started: …`. Technical details
// go here; people get sentences. Never pass secrets (pairing codes, keys, auth keys) to it. What arrives
// from the network goes through logText (escaped, truncated), and warnings a stranger can trigger at will
// go through RepeatLimitedLog, so neither the disk nor a terminal can be flooded through the log.
import { copyFileSync, existsSync, fstatSync, ftruncateSync, renameSync, statSync, writeSync } from 'node:fs';
import { formatWithOptions } from 'node:util';
import { type ConsolaInstance, type ConsolaReporter, createConsola, type LogObject } from 'consola';

/** What modules log through. */
export interface Logger {
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
  debug(...args: unknown[]): void;
}

/** Levels for PASEO_LOG: error, warn, info (default), debug. */
const LEVELS: Record<string, number> = { silent: -999, error: 0, warn: 1, info: 3, debug: 4 };

/** Size at which daemon.log is rotated, in bytes. */
export const LOG_MAX_BYTES = 10 * 1024 * 1024;
/** Old logs kept: daemon.log.1 (newest) … daemon.log.3. */
export const LOG_KEEP_FILES = 3;
/** Longest piece of network text put in one log line, in characters. */
export const MAX_LOGGED_TEXT_CHARS = 200;
/** Lines of one kind logged per REPEAT_WINDOW_MS; the rest are only counted. */
export const REPEATS_PER_WINDOW = 10;
export const REPEAT_WINDOW_MS = 60_000;

/** How the logger writes. */
export interface LoggerOptions {
  /**
   * The file stderr is appended to (the detached daemon's daemon.log): rotated at LOG_MAX_BYTES,
   * keeping LOG_KEEP_FILES old ones. Ignored when stderr is not that file.
   */
  rotateFile?: string;
}

/** Creates the logger; `tag` prefixes each line (e.g. "daemon"). */
export function createLogger(
  tag: string,
  level = process.env.PASEO_LOG ?? 'info',
  opts: LoggerOptions = {},
): Logger & { withTag(t: string): Logger } {
  const rotating = opts.rotateFile ? RotatingStderr.open(opts.rotateFile) : undefined;
  const stream = rotating ?? process.stderr;
  const consola: ConsolaInstance = createConsola({
    level: LEVELS[level] ?? 3,
    reporters: [lineReporter(stream)],
  }).withTag(tag);
  return consola;
}

/** Every entry as one `formatLogLine` line (an error's stack follows on the next lines). */
function lineReporter(out: { write(text: string): unknown }): ConsolaReporter {
  return { log: (entry) => out.write(formatLogLine(entry)) };
}

/** `<ISO time> <LEVEL> [<tag>] <message>\n`, the level padded so messages line up. */
export function formatLogLine(entry: Pick<LogObject, 'date' | 'type' | 'tag' | 'args'>): string {
  const level = (entry.type === 'log' || entry.type === 'success' ? 'info' : entry.type).toUpperCase();
  const text = formatWithOptions({ colors: false, breakLength: Number.POSITIVE_INFINITY }, ...entry.args);
  return `${entry.date.toISOString()} ${level.padEnd(5)} ${entry.tag ? `[${entry.tag}] ` : ''}${text}\n`;
}

/** A logger that drops everything (tests, one-shot commands). */
export const silentLogger: Logger = { info() {}, warn() {}, error() {}, debug() {} };

// biome-ignore lint/suspicious/noControlCharactersInRegex: escaping control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text from the network, made safe for one log line and a terminal: control, line-breaking and
 * bidirectional-override characters escaped (`\x1b`, `\u202e`), cut to `maxChars` with what was left out.
 */
export function logText(value: unknown, maxChars = MAX_LOGGED_TEXT_CHARS): string {
  const text = String(value);
  const cut = text.length > maxChars ? text.slice(0, maxChars) : text;
  const escaped = cut.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
  return text.length > maxChars ? `${escaped}…(+${text.length - maxChars} chars)` : escaped;
}

/**
 * Warnings and notes a stranger can trigger at will (refused requests, bad handshakes): at most
 * REPEATS_PER_WINDOW lines of each kind per REPEAT_WINDOW_MS; the next line after a quiet spell says how
 * many were left out. Kinds are fixed strings from the code, never network text.
 */
export class RepeatLimitedLog {
  private readonly kinds = new Map<string, { windowStart: number; logged: number; dropped: number }>();
  /** The log it writes to (for lines that are never limited: errors, pairings). */
  readonly log: Logger;
  private readonly now: () => number;

  // Plain fields, no parameter properties: this module also runs under Node's type stripping (tests).
  constructor(log: Logger, now: () => number = Date.now) {
    this.log = log;
    this.now = now;
  }

  warn(kind: string, message: string): void {
    this.emit('warn', kind, message);
  }

  info(kind: string, message: string): void {
    this.emit('info', kind, message);
  }

  private emit(level: 'warn' | 'info', kind: string, message: string): void {
    const now = this.now();
    let k = this.kinds.get(kind);
    if (!k || now - k.windowStart >= REPEAT_WINDOW_MS) {
      if (k && k.dropped > 0) {
        this.log.warn(`${k.dropped} more "${kind}" lines were not logged (at most ${REPEATS_PER_WINDOW} a minute)`);
      }
      k = { windowStart: now, logged: 0, dropped: 0 };
      this.kinds.set(kind, k);
    }
    if (k.logged >= REPEATS_PER_WINDOW) {
      k.dropped++;
      return;
    }
    k.logged++;
    this.log[level](message);
  }
}

/**
 * Writes to stderr (fd 2) when it is `file` opened for appending, rotating the file by copy and truncate
 * (the file descriptor stays the same, so the runtime's own messages keep landing in daemon.log).
 */
class RotatingStderr {
  private size: number;
  private readonly file: string;
  private readonly maxBytes: number;

  private constructor(file: string, maxBytes: number) {
    this.file = file;
    this.maxBytes = maxBytes;
    this.size = fstatSync(2).size;
  }

  /** The rotating writer, or undefined when stderr is not `file`. */
  static open(file: string): RotatingStderr | undefined {
    try {
      const fd = fstatSync(2);
      const onDisk = statSync(file);
      if (!fd.isFile() || fd.ino !== onDisk.ino || fd.dev !== onDisk.dev) return undefined;
    } catch {
      return undefined;
    }
    const v = Number(process.env.PASEO_LOG_MAX_BYTES);
    return new RotatingStderr(file, Number.isSafeInteger(v) && v >= 1024 && v < LOG_MAX_BYTES ? v : LOG_MAX_BYTES);
  }

  write(chunk: string | Uint8Array): boolean {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (this.size + bytes.length > this.maxBytes && this.size > 0) this.rotate();
    writeSync(2, bytes);
    this.size += bytes.length;
    return true;
  }

  private rotate(): void {
    try {
      for (let i = LOG_KEEP_FILES - 1; i >= 1; i--) {
        if (existsSync(`${this.file}.${i}`)) renameSync(`${this.file}.${i}`, `${this.file}.${i + 1}`);
      }
      copyFileSync(this.file, `${this.file}.1`);
    } catch {
      // Keeping old lines is best effort (the disk may be full); the size cap is not.
    }
    try {
      ftruncateSync(2, 0);
      this.size = 0;
    } catch {
      // Not a regular file after all: nothing to cap.
    }
  }
}
