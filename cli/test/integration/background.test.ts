// `paseo up --daemon` and `paseo down`: a detached daemon with its pid file and log, whose log holds no
// pairing secret, and which stops cleanly.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { paseoBin, testEnv } from './harness.js';

const home = mkdtempSync(join(tmpdir(), 'paseo-bg-'));
const paseo = (...args: string[]) =>
  spawnSync(paseoBin(), args, { env: testEnv(home), encoding: 'utf8', timeout: 30_000 });

describe('background daemon', () => {
  afterAll(() => {
    paseo('down');
    rmSync(home, { recursive: true, force: true });
  });

  it('starts detached as `paseo`, refuses a second start in one sentence, keeps secrets out of its log, and stops', () => {
    const up = paseo('up', '--daemon', '--no-tailnet', '--listen', '127.0.0.1:0');
    expect(up.status).toBe(0);
    expect(up.stdout).toMatch(/paseo is running in the background \(pid \d+\)/);
    const code = /Code: ([2-9A-Z]{4}-[2-9A-Z]{4})/.exec(up.stdout)?.[1];
    expect(code).toBeDefined();
    const pid = Number(readFileSync(join(home, 'paseo.pid'), 'utf8'));
    expect(pid).toBeGreaterThan(0);
    const status = JSON.parse(paseo('status', '--json').stdout) as { running: boolean; pid: number };
    expect(status).toMatchObject({ running: true, pid });

    // It shows as `paseo` in ps and top, not as the runtime's main thread.
    expect(readFileSync(`/proc/${pid}/comm`, 'utf8').trim()).toBe('paseo');
    expect(spawnSync('ps', ['-o', 'comm=', '-p', String(pid)], { encoding: 'utf8' }).stdout.trim()).toBe('paseo');

    // A second start, detached or not, says one sentence and nothing else.
    const sentence = 'paseo: paseo is already running. Use `paseo status` to see it, or `paseo down` to stop it.\n';
    for (const args of [['--daemon'], []]) {
      const again = paseo('up', ...args, '--no-tailnet', '--listen', '127.0.0.1:0');
      expect(again.status, args.join(' ')).toBe(1);
      expect(again.stderr).toBe(sentence);
      expect(again.stdout).toBe('');
    }

    // One log line format: time, level, tag, message.
    const log = readFileSync(join(home, 'daemon.log'), 'utf8');
    expect(log).toMatch(/listening on/);
    for (const line of log
      .trimEnd()
      .split('\n')
      .filter((l) => !/^\s/.test(l)))
      expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (INFO |WARN |ERROR|DEBUG) \[paseo[\w:]*\] \S/);
    expect(log).not.toContain(code!);
    expect(log).not.toContain(code!.replace('-', ''));

    const down = paseo('down');
    expect(down.stdout).toBe('paseo stopped.\n');
    expect(existsSync(join(home, 'paseo.pid'))).toBe(false);
    expect(() => process.kill(pid, 0)).toThrow();
    expect(paseo('down').stdout).toBe('paseo is not running.\n');
  });
});
