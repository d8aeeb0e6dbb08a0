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

  it('starts detached, refuses a second start, keeps secrets out of its log, and stops', () => {
    const up = paseo('up', '--daemon', '--no-tailnet', '--listen', '127.0.0.1:0');
    expect(up.status).toBe(0);
    expect(up.stdout).toMatch(/paseo is running in the background \(pid \d+\)/);
    const code = /Code: ([2-9A-Z]{4}-[2-9A-Z]{4})/.exec(up.stdout)?.[1];
    expect(code).toBeDefined();
    const pid = Number(readFileSync(join(home, 'paseo.pid'), 'utf8'));
    expect(pid).toBeGreaterThan(0);
    const status = JSON.parse(paseo('status', '--json').stdout) as { running: boolean; pid: number };
    expect(status).toMatchObject({ running: true, pid });

    const again = paseo('up', '--daemon', '--no-tailnet', '--listen', '127.0.0.1:0');
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/already running/);

    const log = readFileSync(join(home, 'daemon.log'), 'utf8');
    expect(log).toMatch(/listening on/);
    expect(log).not.toContain(code!);
    expect(log).not.toContain(code!.replace('-', ''));

    const down = paseo('down');
    expect(down.stdout).toBe('paseo stopped.\n');
    expect(existsSync(join(home, 'paseo.pid'))).toBe(false);
    expect(() => process.kill(pid, 0)).toThrow();
    expect(paseo('down').stdout).toBe('paseo is not running.\n');
  });
});
