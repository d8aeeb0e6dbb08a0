// Reading and writing state files safely: atomic replace (temp file, fsync, rename), mode 0600, and a
// clear error naming the file when one is corrupt or truncated.

import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

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

/**
 * Writes `data` to `file` atomically (temp file in the same folder, fsync, rename), with mode 0600 unless
 * `mode` says otherwise: readers see the old or the new content, never a mix, and no temp file is left.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array, mode = 0o600): void {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', mode);
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
  try {
    renameSync(tmp, file);
  } catch (err) {
    unlinkSync(tmp);
    throw err;
  }
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
