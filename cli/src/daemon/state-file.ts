// Reading and writing state files safely: atomic replace (temp file, fsync, rename), mode 0600, and a
// clear error naming the file when one is corrupt or truncated.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** A state file that exists but cannot be read or parsed; the message names the file. */
export class StateFileError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`The state file ${file} is ${problem}. Move it away (or restore it from a backup) and try again.`);
    this.name = 'StateFileError';
  }
}

/** Writes `data` to `file` atomically with mode 0600: readers see the old or the new content, never a mix. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkSync(tmp);
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, file);
  // Make the rename itself durable.
  try {
    const dirFd = openSync(dirname(file), 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  } catch {
    /* some filesystems refuse fsync on directories; the rename is still atomic */
  }
}

/** Writes a JSON value atomically (pretty, with a final newline). */
export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** Reads a JSON file: undefined when it does not exist, StateFileError when it is unreadable or corrupt. */
export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StateFileError(file, `unreadable (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  if (text.trim() === '') throw new StateFileError(file, 'empty (perhaps truncated)');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new StateFileError(file, 'corrupt or truncated (not valid JSON)');
  }
}
