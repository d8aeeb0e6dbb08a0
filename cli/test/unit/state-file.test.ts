// State files are replaced atomically: a reader (or a hard link) holding the old file still sees the old
// content whole, the new content appears under the name at once, no temporary file is left behind, and a
// failed write leaves the old file as it was.
import { linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readJsonFile, StateFileError, writeFileAtomic, writeJsonAtomic } from '../../src/state/state-file.js';

const scratch = mkdtempSync(join(tmpdir(), 'paseo-state-file-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function folder(name: string): string {
  const dir = join(scratch, name);
  mkdirSync(dir);
  return dir;
}

describe('writeFileAtomic', () => {
  it('replaces the file by a new one: a hard link to the old file still holds the old content', () => {
    const dir = folder('replace');
    const file = join(dir, 'identity.json');
    writeFileAtomic(file, 'old content\n');
    const link = join(dir, 'old-link');
    linkSync(file, link);
    const before = statSync(file).ino;
    writeFileAtomic(file, 'new content, longer than the old one\n');
    expect(readFileSync(file, 'utf8')).toBe('new content, longer than the old one\n');
    expect(readFileSync(link, 'utf8')).toBe('old content\n');
    expect(statSync(file).ino).not.toBe(before);
    expect(readdirSync(dir).sort()).toEqual(['identity.json', 'old-link']);
  });

  it('writes mode 0600 unless told otherwise, bytes as well as text, and leaves no temporary file', () => {
    const dir = folder('modes');
    writeFileAtomic(join(dir, 'a'), Uint8Array.of(0, 1, 2, 255));
    writeFileAtomic(join(dir, 'b'), 'x', 0o644);
    expect(statSync(join(dir, 'a')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'b')).mode & 0o777).toBe(0o644);
    expect([...readFileSync(join(dir, 'a'))]).toEqual([0, 1, 2, 255]);
    const big = 'y'.repeat(3 * 1024 * 1024);
    writeFileAtomic(join(dir, 'big'), big);
    expect(readFileSync(join(dir, 'big'), 'utf8')).toBe(big);
    expect(readdirSync(dir).sort()).toEqual(['a', 'b', 'big']);
  });

  it('a write that fails leaves the old file whole and no temporary file', () => {
    const dir = folder('fails');
    const file = join(dir, 'devices');
    // The target is a folder: the rename fails after the temporary file was written.
    mkdirSync(file);
    writeFileSync(join(file, 'keep'), 'kept');
    expect(() => writeFileAtomic(file, 'new')).toThrow();
    expect(readdirSync(dir)).toEqual(['devices']);
    expect(readFileSync(join(file, 'keep'), 'utf8')).toBe('kept');
    // A folder that does not exist: nothing is created.
    expect(() => writeFileAtomic(join(dir, 'missing', 'f'), 'new')).toThrow(/ENOENT/);
    expect(readdirSync(dir)).toEqual(['devices']);
  });
});

describe('JSON state files', () => {
  it('round-trip, and say which file is missing, empty or corrupt', () => {
    const dir = folder('json');
    const file = join(dir, 'state.json');
    expect(readJsonFile(file)).toBeUndefined();
    writeJsonAtomic(file, { version: 1, name: 'é' });
    expect(readFileSync(file, 'utf8')).toBe('{\n  "version": 1,\n  "name": "é"\n}\n');
    expect(readJsonFile(file)).toEqual({ version: 1, name: 'é' });
    writeFileSync(file, '  \n');
    expect(() => readJsonFile(file)).toThrow(new StateFileError(file, 'empty (perhaps truncated)'));
    writeFileSync(file, '{"version":');
    expect(() => readJsonFile(file)).toThrow(`The state file ${file} is corrupt or truncated (not valid JSON).`);
    expect(() => readJsonFile(dir)).toThrow(new StateFileError(dir, 'unreadable (EISDIR)'));
  });
});
