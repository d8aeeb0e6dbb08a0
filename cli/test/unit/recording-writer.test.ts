// The recording writer on its own (no PTY): lines in order with times relative to their file's start,
// rotation at the size cap keeping a few old files with a fresh header each, a queue that drops (and says
// so once) rather than grow, and a disk that fails never stopping the session.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CastRecorder } from '../../src/session/recorder.js';
import { type RecordingEntry, RecordingWriter } from '../../src/session/recording-writer.js';
import { MemoryLog } from '../fixtures/session-harness.js';

const scratch = mkdtempSync(join(tmpdir(), 'paseo-recording-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let n = 0;
const file = () => join(scratch, `r${n++}.log`);
const roomy = { maxBytes: 1024 * 1024, keepFiles: 3, queueBytes: 1024 * 1024 };

/** An entry whose line says its text and its time relative to the file. */
function entry(text: string, atMs: number, placed?: () => void): RecordingEntry {
  return {
    atMs,
    chars: text.length + 10,
    line: (start) => `${atMs - start} ${text}\n`,
    ...(placed ? { placed } : {}),
  };
}

const lines = (path: string) => readFileSync(path, 'utf8').split('\n').slice(0, -1);

/** How many file descriptors of this process are open on `path`. */
function openDescriptors(path: string): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path;
    } catch {
      return false; // closed meanwhile (the listing's own descriptor)
    }
  }).length;
}

describe('RecordingWriter', () => {
  it('creates the file (0600) with its header at once, then appends lines in order', async () => {
    const path = file();
    const log = new MemoryLog();
    const w = new RecordingWriter(path, (start) => `header ${start}\n`, roomy, log);
    expect(lines(path)).toHaveLength(1);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const start = Number(lines(path)[0]!.split(' ')[1]);
    const placed: string[] = [];
    for (let i = 0; i < 100; i++) w.append(entry(`line ${i}`, start + i, () => placed.push(`line ${i}`)));
    expect(w.queuedBytes).toBeGreaterThan(0);
    expect(w.isClosed).toBe(false);
    await w.close();
    expect(w.isClosed).toBe(true);
    expect(w.queuedBytes).toBe(0);
    expect(lines(path)).toEqual([`header ${start}`, ...Array.from({ length: 100 }, (_, i) => `${i} line ${i}`)]);
    expect(placed).toEqual(Array.from({ length: 100 }, (_, i) => `line ${i}`));
    w.append(entry('after close', start)); // ignored
    await w.close();
    expect(lines(path)).toHaveLength(101);
    expect(log.lines).toEqual([]);
  });

  it('rotates at the size cap: older files shift up, the oldest goes, each new file starts with a header', async () => {
    const path = file();
    const w = new RecordingWriter(
      path,
      (start) => `header ${start}\n`,
      { ...roomy, maxBytes: 200, keepFiles: 2 },
      new MemoryLog(),
    );
    const t0 = Number(lines(path)[0]!.split(' ')[1]);
    // 30 lines of 20 bytes: ten files' worth at 200 bytes each; only the last three files stay.
    for (let i = 0; i < 30; i++) {
      w.append(entry(`${String(i).padStart(2, '0')}${'x'.repeat(14)}`, t0 + 1000 * i));
      if (i % 3 === 0) await new Promise((r) => setImmediate(r));
    }
    await w.close();
    expect(existsSync(`${path}.3`)).toBe(false);
    expect(existsSync(`${path}.new`)).toBe(false);
    const parts = [`${path}.2`, `${path}.1`, path].map(lines);
    const texts = parts.flatMap((p) => p.slice(1).map((l) => l.split(' ')[1]));
    for (const p of parts) {
      expect(p[0]).toMatch(/^header \d+$/);
      expect(p.join('\n').length + 1).toBeLessThanOrEqual(200);
      // Times are relative to the start of their own file: its first line is at 0.
      const start = Number(p[0]!.split(' ')[1]);
      expect(p[1]!.startsWith('0 ')).toBe(true);
      expect(start).toBeGreaterThanOrEqual(t0);
    }
    // The newest files hold the end of the recording, in order, without a gap.
    const numbers = texts.map((t) => Number(t!.slice(0, 2)));
    expect(numbers.at(-1)).toBe(29);
    expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => 30 - numbers.length + i));
  });

  it('drops lines while its queue is over the limit, and says so once', async () => {
    const path = file();
    const log = new MemoryLog();
    const w = new RecordingWriter(path, (start) => `header ${start}\n`, { ...roomy, queueBytes: 100 }, log);
    const t = Number(lines(path)[0]!.split(' ')[1]);
    for (let i = 0; i < 50; i++) w.append(entry(`line ${i}`, t)); // 16+ chars each: about 6 fit
    await w.close();
    const kept = lines(path).slice(1);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(50);
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => `0 line ${i}`));
    expect(log.lines).toEqual([
      { level: 'warn', text: `Recording ${path} is behind; dropping lines until the disk catches up.` },
    ]);
  });

  it('warns and records nothing when its file cannot be created; the session goes on', async () => {
    const path = join(scratch, 'missing-folder', 'r.log');
    const log = new MemoryLog();
    const w = new RecordingWriter(path, () => 'header\n', roomy, log);
    w.append(entry('lost', Date.now()));
    expect(w.queuedBytes).toBe(0);
    await w.close();
    expect(existsSync(path)).toBe(false);
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0]!.text).toMatch(/^Recording .*r\.log could not be created: ENOENT/);
  });
});

describe('RecordingWriter: sizes, takeover and failing disks', () => {
  /** An entry of exactly `chars` queue characters whose line is its text. */
  const sized = (text: string, chars: number): RecordingEntry => ({ atMs: 0, chars, line: () => `${text}\n` });

  it('takes lines up to exactly its queue limit; once the disk caught up it takes lines again, the drop said once', async () => {
    const path = file();
    const log = new MemoryLog();
    const w = new RecordingWriter(path, () => 'header\n', { ...roomy, queueBytes: 30 }, log);
    for (const text of ['a', 'b', 'c', 'd']) w.append(sized(text, 10)); // a, b, c fill the queue exactly
    expect(w.queuedBytes).toBe(30);
    await expect.poll(() => lines(path)).toEqual(['header', 'a', 'b', 'c']);
    expect(w.queuedBytes).toBe(0);
    for (const text of ['e', 'f', 'g']) w.append(sized(text, 10));
    await w.close();
    expect(lines(path)).toEqual(['header', 'a', 'b', 'c', 'e', 'f', 'g']);
    expect(log.lines.map((l) => l.text)).toEqual([
      `Recording ${path} is behind; dropping lines until the disk catches up.`,
    ]);
  });

  it('puts a line longer than the size cap in a file that holds only its header, and rotates before the next', async () => {
    const path = file();
    const w = new RecordingWriter(path, () => 'head\n', { ...roomy, maxBytes: 20, keepFiles: 3 }, new MemoryLog());
    w.append(sized('x'.repeat(40), 41));
    // Written on its own (the next line comes once it is in the file): nothing rotated a file of a header alone.
    await expect.poll(() => lines(path)).toEqual(['head', 'x'.repeat(40)]);
    expect(existsSync(`${path}.1`)).toBe(false);
    w.append(sized('y', 2));
    await w.close();
    expect(lines(`${path}.1`)).toEqual(['head', 'x'.repeat(40)]);
    expect(lines(path)).toEqual(['head', 'y']);
    expect(existsSync(`${path}.2`)).toBe(false);
  });

  it('fills a file up to exactly its size cap before it rotates', async () => {
    const path = file();
    const w = new RecordingWriter(path, () => 'h\n', { ...roomy, maxBytes: 9 }, new MemoryLog());
    for (const text of ['abc', 'de', 'f']) w.append(sized(text, 4)); // 2 + 4 + 3 bytes: 9
    await w.close();
    expect(lines(`${path}.1`)).toEqual(['h', 'abc', 'de']);
    expect(lines(path)).toEqual(['h', 'f']);
  });

  it('drops the oldest file at a rotation even when a newer one went missing', async () => {
    const path = file();
    const w = new RecordingWriter(path, () => 'h\n', { ...roomy, maxBytes: 8, keepFiles: 2 }, new MemoryLog());
    for (const text of ['one', 'two', 'three']) w.append(sized(text, 4)); // a file each
    await expect.poll(() => existsSync(path) && lines(path)).toEqual(['h', 'three']);
    expect(lines(`${path}.2`)).toEqual(['h', 'one']);
    rmSync(`${path}.1`); // someone deleted "two"
    w.append(sized('four', 5));
    await w.close();
    expect(lines(`${path}.1`)).toEqual(['h', 'three']);
    expect(lines(path)).toEqual(['h', 'four']);
    expect(existsSync(`${path}.2`)).toBe(false);
  });

  it('keeps one file open while it records and none once closed; a second close leaves the disk alone', async () => {
    const path = file();
    const w = new RecordingWriter(path, () => 'h\n', roomy, new MemoryLog());
    expect(openDescriptors(path)).toBe(0); // created and closed again at once
    w.append(sized('a', 2));
    await expect.poll(() => lines(path)).toEqual(['h', 'a']);
    expect(openDescriptors(path)).toBe(1);
    w.append(sized('b', 2));
    await expect.poll(() => lines(path)).toEqual(['h', 'a', 'b']);
    expect(openDescriptors(path)).toBe(1);
    await w.close();
    expect(openDescriptors(path)).toBe(0);
    rmSync(path); // e.g. the user deleted the recording
    await w.close();
    expect(existsSync(path)).toBe(false);
  });

  it('keeps one old file when told to keep none', async () => {
    const path = file();
    const w = new RecordingWriter(path, () => 'h\n', { ...roomy, maxBytes: 8, keepFiles: 0 }, new MemoryLog());
    for (const text of ['one', 'two', 'three', 'four']) w.append(sized(text, 4));
    await w.close();
    expect(lines(`${path}.1`)).toEqual(['h', 'three']);
    expect(lines(path)).toEqual(['h', 'four']);
    expect(existsSync(`${path}.2`)).toBe(false);
  });

  it("takes over a file created for it: no second header, times relative to that file's start", async () => {
    const path = file();
    const log = new MemoryLog();
    const w = new RecordingWriter(path, () => 'unused header\n', roomy, log, { startMs: 5000, headerBytes: 0 });
    expect(existsSync(path)).toBe(false); // created by whoever made the start, not here
    w.append(entry('first', 5250));
    await w.close();
    expect(lines(path)).toEqual(['250 first']);
    expect(log.lines).toEqual([]);
  });

  it('writes nothing and says nothing more when the file it was given could not be created', async () => {
    const path = file();
    const log = new MemoryLog();
    const w = new RecordingWriter(path, () => 'header\n', roomy, log, null);
    w.append(entry('lost', Date.now()));
    expect(w.queuedBytes).toBe(0);
    await w.close();
    expect(existsSync(path)).toBe(false);
    expect(log.lines).toEqual([]);
  });

  it('stops for good when the disk is full, says why once, and closes its file', async () => {
    const log = new MemoryLog();
    // /dev/full opens fine and refuses every write (ENOSPC), as a full disk does.
    const w = new RecordingWriter('/dev/full', () => 'header\n', roomy, log, { startMs: 0, headerBytes: 7 });
    // A second line comes while the first is being written: it is dropped with it, and not counted as waiting.
    w.append({ ...sized('lost', 5), placed: () => w.append(sized('meanwhile', 10)) });
    await expect.poll(() => log.lines.length).toBe(1);
    expect(w.queuedBytes).toBe(0);
    expect(log.lines[0]).toEqual({
      level: 'warn',
      text: 'Recording /dev/full stopped: ENOSPC: no space left on device, write',
    });
    w.append(sized('also lost', 10));
    expect(w.queuedBytes).toBe(0);
    await w.close();
    expect(log.lines).toHaveLength(1);
  });

  it('stops when the next file of a rotation cannot be opened, and close() still resolves', async () => {
    const path = file();
    const log = new MemoryLog();
    mkdirSync(`${path}.new`); // where the rotated file would be prepared
    const w = new RecordingWriter(path, () => 'h\n', { ...roomy, maxBytes: 8 }, log);
    for (const text of ['one', 'two', 'three']) w.append(sized(text, 4));
    await w.close();
    expect(lines(path)).toEqual(['h', 'one']);
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0]!.text).toMatch(/^Recording .*\.log stopped: EISDIR: illegal operation on a directory/);
  });
});

describe('CastRecorder', () => {
  it('writes an asciicast v2 header and events, UTF-8 decoded across chunk boundaries, resizes in the next header', async () => {
    const path = file();
    const rec = new CastRecorder(
      path,
      { cols: 80, rows: 24, command: ['my agent', '--flag=x', "it's"], title: 'rec', env: { TERM: 'xterm' } },
      { ...roomy, maxBytes: 400, keepFiles: 3 },
      new MemoryLog(),
    );
    const euro = Buffer.from('€', 'utf8');
    rec.output(euro.subarray(0, 1)); // half a character: nothing yet
    rec.output(euro.subarray(1));
    rec.output(Buffer.from('"quoted"\n'));
    rec.resize(100, 30);
    for (let i = 0; i < 10; i++) rec.output(Buffer.from(`${'y'.repeat(30)}${i}`));
    rec.output(Uint8Array.of(0xe2, 0x82)); // cut at the end: flushed as a replacement character on close
    await rec.close();
    const files = [`${path}.3`, `${path}.2`, `${path}.1`, path].filter((f) => existsSync(f));
    expect(files.length).toBeGreaterThan(1); // it rotated
    expect(files[0]).not.toBe(`${path}.3`); // nothing was lost: the first file is still there
    const first = lines(files[0]!);
    const header = JSON.parse(first[0]!) as Record<string, unknown>;
    expect(header).toMatchObject({
      version: 2,
      width: 80,
      height: 24,
      command: "'my agent' --flag=x 'it'\\''s'",
      title: 'rec',
      env: { TERM: 'xterm' },
    });
    expect(Number.isInteger(header.timestamp)).toBe(true);
    const events = first.slice(1).map((l) => JSON.parse(l) as [number, string, string]);
    // Output that arrives together may be one event; the resize ends it.
    const resizeAt = events.findIndex((e) => e[1] === 'r');
    expect(events[resizeAt]?.[2]).toBe('100x30');
    expect(
      events
        .slice(0, resizeAt)
        .map((e) => e[2])
        .join(''),
    ).toBe('€"quoted"\n');
    // Every file started after the resize is 100x30 from its header on.
    for (const f of files.slice(1)) expect(JSON.parse(lines(f)[0]!)).toMatchObject({ width: 100, height: 30 });
    const all = files.flatMap((f) => lines(f).slice(1)).map((l) => JSON.parse(l) as [number, string, string]);
    for (const e of all) expect(e[0]).toBeGreaterThanOrEqual(0);
    expect(all.at(-1)![2]).toBe('\ufffd');
    const ys = all
      .filter((e) => e[1] === 'o')
      .map((e) => e[2])
      .join('');
    expect(ys).toContain(Array.from({ length: 10 }, (_, i) => `${'y'.repeat(30)}${i}`).join(''));
  });
});
