// One smoke test for every way paseo ships (the arm64 binary under qemu, the npm package on Node, the same
// package under Deno): --version, up, a device pairs over the encrypted WebSocket, run an agent in a PTY,
// read its output back, down. Everything stays on 127.0.0.1.
import { type ChildProcess, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { PaseoConnection } from '../../src/channel/client.js';
import { fromBase64Url } from '../../src/channel/encoding.js';
import { generateKeyPair } from '../../src/channel/noise.js';
import { NodeWebSocket, REPO_ROOT, spawnGuarded, testEnv } from '../integration/harness.js';

export const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string })
  .version;

/** How to run paseo one way: the command line for `paseo <args>`, and extra environment. */
export interface Runner {
  argv(args: string[]): [string, string[]];
  env?: Record<string, string>;
  /** `up --daemon` (the CLI starts itself again, detached) or a foreground `up` the test keeps. */
  daemon: boolean;
  /** Per CLI command, in milliseconds (emulated runs are slower). */
  commandTimeoutMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function smokeTest(name: string, runner: Runner): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), `paseo-smoke-${name}-`));
  const cwd = mkdtempSync(join(tmpdir(), `paseo-smoke-cwd-`));
  const env = testEnv(home, runner.env);
  const paseo = (...args: string[]) => {
    const [cmd, argv] = runner.argv(args);
    const r = spawnSync(cmd, argv, { env, cwd, encoding: 'utf8', timeout: runner.commandTimeoutMs });
    return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error };
  };
  const listen = ['--no-tailnet', '--listen', '127.0.0.1:0'];
  let up: ChildProcess | undefined;
  let upOutput = '';
  try {
    const version = paseo('--version');
    expect(version.stderr).toBe('');
    expect(version.stdout.trim()).toBe(VERSION);

    if (runner.daemon) {
      const r = paseo('up', '--daemon', ...listen);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/paseo is running in the background \(pid \d+\)/);
      expect(r.stdout).toMatch(/Code: [2-9A-Z]{4}-[2-9A-Z]{4}/);
    } else {
      const [cmd, argv] = runner.argv(['up', ...listen]);
      up = spawnGuarded(cmd, argv, { env, cwd });
      up.stdout!.on('data', (d: Buffer) => (upOutput += d.toString()));
      up.stderr!.on('data', (d: Buffer) => (upOutput += d.toString()));
      const started = Date.now();
      // Started once the pairing code is out (the header, which says how to stop it, comes first).
      while (!/Code: [2-9A-Z]{4}-[2-9A-Z]{4}/.test(upOutput)) {
        if (up.exitCode !== null) throw new Error(`paseo up exited with ${up.exitCode}:\n${upOutput}`);
        if (Date.now() - started > runner.commandTimeoutMs) throw new Error(`paseo up did not start:\n${upOutput}`);
        await sleep(100);
      }
      expect(upOutput).toContain(`paseo ${VERSION} is running.`);
      expect(upOutput).toMatch(/Code: [2-9A-Z]{4}-[2-9A-Z]{4}/);
    }

    const status = JSON.parse(paseo('status', '--json').stdout) as { running: boolean; listen: string[] };
    expect(status.running).toBe(true);
    const url = `http://127.0.0.1:${status.listen[0]!.split(':').pop()}`;
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');

    // A device pairs with a fresh code: Noise over the WebSocket, end to end.
    const { code } = JSON.parse(paseo('pair', '--json').stdout) as { code: string };
    const info = (await (await fetch(`${url}/api/info`)).json()) as { publicKey: string };
    const conn = await PaseoConnection.open({
      url: `${url.replace('http', 'ws')}/ws`,
      daemonPublicKey: fromBase64Url(info.publicKey),
      keys: generateKeyPair(),
      pairing: { code, deviceName: `smoke ${name}` },
      clientName: 'paseo-smoke/1',
      WebSocketImpl: NodeWebSocket,
    });
    conn.close();
    const devices = JSON.parse(paseo('devices', '--json').stdout) as { name: string }[];
    expect(devices.map((d) => d.name)).toEqual([`smoke ${name}`]);

    // An agent in a PTY: its output is recorded and read back.
    const run = paseo('run', '-d', '--', 'sh', '-c', 'echo "smoke $((6 * 7)) $(tty)"');
    expect(run.stderr).toBe('');
    const id = run.stdout.trim();
    expect(id).toMatch(/^[a-z0-9]+$/);
    let output = '';
    const started = Date.now();
    while (!output.includes('smoke 42 /dev/pts/')) {
      if (Date.now() - started > runner.commandTimeoutMs) throw new Error(`no output from the session: ${output}`);
      output = paseo('logs', id).stdout;
      if (!output.includes('smoke 42')) await sleep(200);
    }

    const down = paseo('down');
    expect(down.stdout).toBe('paseo stopped.\n');
    if (up && up.exitCode === null) await new Promise((r) => up!.once('exit', r));
    if (up) expect(up.exitCode).toBe(0);
    expect(JSON.parse(paseo('status', '--json').stdout)).toMatchObject({ running: false });
  } finally {
    if (up && up.exitCode === null) up.kill('SIGTERM');
    else paseo('down');
    rmSync(home, { recursive: true, force: true });
    rmSync(cwd, { recursive: true, force: true });
  }
}
