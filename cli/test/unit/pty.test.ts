// The PTY wrapper: raw bytes out, bytes in, pause/resume, exit codes and signal names; PATH lookup.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type PtyExit, PtyProcess, signalName } from '../../src/pty/spawn.js';
import { findCommand } from '../../src/pty/which.js';
import { sleep, waitFor } from '../fixtures/session-harness.js';

function run(file: string, args: string[]): { pty: PtyProcess; out: Buffer[]; exit: Promise<PtyExit> } {
  const pty = new PtyProcess({ file, args, cwd: tmpdir(), env: { PATH: process.env.PATH ?? '' }, cols: 40, rows: 10 });
  const out: Buffer[] = [];
  pty.onData((chunk) => out.push(chunk));
  const exit = new Promise<PtyExit>((resolve) => pty.onExit(resolve));
  return { pty, out, exit };
}

describe('PtyProcess', () => {
  it('delivers output as raw bytes and reports the exit code', async () => {
    const { out, exit } = run('/bin/sh', ['-c', 'printf "caf\\303\\251 \\377\\n"; exit 4']);
    expect(await exit).toEqual({ exitCode: 4, signal: null });
    expect(Buffer.concat(out)).toEqual(Buffer.from([0x63, 0x61, 0x66, 0xc3, 0xa9, 0x20, 0xff, 0x0d, 0x0a]));
  });

  it('writes input bytes, resizes, and names the signal that ended the process', async () => {
    const { pty, out, exit } = run('/bin/sh', ['-c', 'read line; echo "got $line"; stty size; sleep 30']);
    pty.resize(77, 11);
    pty.write(Buffer.from('hello\r'));
    await waitFor('echo', () => Buffer.concat(out).toString().includes('11 77'));
    expect(Buffer.concat(out).toString()).toContain('got hello');
    pty.kill('SIGTERM');
    expect(await exit).toEqual({ exitCode: null, signal: 'SIGTERM' });
    expect(pty.hasExited).toBe(true);
  });

  it('stops reading while paused and delivers everything after resume', async () => {
    // 3 MB of output: far more than the kernel's and Node's buffers, so the process blocks while paused.
    const { pty, out, exit } = run('/bin/sh', ['-c', 'yes | head -c 2000000']);
    pty.setPaused(true);
    await sleep(300);
    const whilePaused = Buffer.concat(out).length;
    await sleep(200);
    expect(Buffer.concat(out).length).toBe(whilePaused);
    pty.setPaused(false);
    expect(await exit).toEqual({ exitCode: 0, signal: null });
    expect(whilePaused).toBeLessThan(1_000_000);
    const all = Buffer.concat(out);
    expect(all.length).toBe(3_000_000); // "y\n" became "y\r\n" in the terminal
    expect(all.subarray(-6).toString()).toBe('y\r\ny\r\n');
  });

  it('reads into slabs on this runtime: chunks lie side by side and stay as they were', async () => {
    const lines = 55_555; // of 27 bytes, "\n" becoming "\r\n"
    const { pty, out, exit } = run('/bin/sh', ['-c', `yes abcdefghijklmnopqrstuvwxyz | head -c ${27 * lines}`]);
    expect(pty.readsIntoSlabs).toBe(true);
    expect(await exit).toEqual({ exitCode: 0, signal: null });
    // Later reads never overwrite earlier chunks: every chunk still holds its lines, whole.
    const all = Buffer.concat(out).toString('latin1');
    expect(all.length).toBe(28 * lines);
    expect(all.replaceAll('abcdefghijklmnopqrstuvwxyz\r\n', '')).toBe('');
    // Most reads follow the one before in the same memory (a new slab now and then).
    let adjacent = 0;
    for (let i = 1; i < out.length; i++) {
      const a = out[i - 1]!;
      const b = out[i]!;
      if (a.buffer === b.buffer && a.byteOffset + a.length === b.byteOffset) adjacent++;
    }
    expect(adjacent).toBeGreaterThan(out.length / 2);
  });

  it('names signals', () => {
    expect(signalName(1)).toBe('SIGHUP');
    expect(signalName(9)).toBe('SIGKILL');
    expect(signalName(200)).toBe('SIG200');
  });
});

describe('findCommand', () => {
  it('finds executables on PATH or by path, and nothing else', () => {
    const dir = mkdtempSync(join(tmpdir(), 'paseo-which-'));
    try {
      writeFileSync(join(dir, 'tool'), '#!/bin/sh\n');
      chmodSync(join(dir, 'tool'), 0o755);
      writeFileSync(join(dir, 'data'), 'not executable');
      expect(findCommand('tool', `/nonexistent:${dir}`, '/')).toBe(join(dir, 'tool'));
      expect(findCommand('data', dir, '/')).toBeUndefined();
      expect(findCommand('./tool', '', dir)).toBe(join(dir, 'tool'));
      expect(findCommand(join(dir, 'tool'), '', '/')).toBe(join(dir, 'tool'));
      expect(findCommand('tool', '', '/')).toBeUndefined();
      expect(findCommand('', dir, '/')).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
