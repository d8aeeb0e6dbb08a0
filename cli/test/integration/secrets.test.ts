// Secrets stay where they belong: the tailnet auth key never reaches agent sessions, is not on the detached
// daemon's command line (which every user can read with `ps`) nor in its or the sidecar's environment, and
// the sidecar's per-start token is not in the sidecar's environment (/proc/<pid>/environ keeps the
// environment a process started with, whatever it unsets later).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { paseoBin, startDaemon, testEnv } from './harness.js';

/** What a session sees as its environment (`paseo run -d -- env`, then its recorded output). */
async function sessionEnv(cli: (args: string[]) => { stdout: string; status: number | null }): Promise<string> {
  const started = cli(['run', '-d', '--name', 'env', '--', 'env']);
  expect(started.status).toBe(0);
  const id = started.stdout.trim();
  let out = '';
  await expect.poll(() => (out = cli(['logs', id]).stdout), { timeout: 10_000 }).toContain(`PASEO_SESSION_ID=${id}`);
  return out;
}

/** A loopback port nobody listens on (for a control server that cannot be reached). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((res) => server.close(() => res()));
  return port;
}

const proc = (pid: number, what: 'cmdline' | 'environ') => readFileSync(`/proc/${pid}/${what}`, 'latin1');

/** Processes whose parent is `pid`. */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      /* gone */
    }
  }
  return out;
}

describe('secrets', () => {
  const homes: string[] = [];
  afterAll(() => {
    for (const h of homes) {
      spawnSync(paseoBin(), ['down'], { env: testEnv(h), timeout: 30_000 });
      rmSync(h, { recursive: true, force: true });
    }
  });

  it('agent sessions get the environment without TS_AUTHKEY or the sidecar token', async () => {
    const d = await startDaemon({ env: { TS_AUTHKEY: 'tskey-fg-secret', PASEO_SIDECAR_TOKEN: 'fg-token' } });
    try {
      const env = await sessionEnv(d.cli);
      expect(env).toContain('PASEO_HOME=');
      expect(env).not.toContain('tskey-fg-secret');
      expect(env).not.toContain('TS_AUTHKEY');
      expect(env).not.toContain('fg-token');
    } finally {
      await d.stop();
    }
  });

  it('`up --daemon --authkey` keeps the key off every command line and environment', async () => {
    const home = mkdtempSync(join(tmpdir(), 'paseo-secrets-'));
    homes.push(home);
    // PASEO_TAILNET_WAIT_MS: the pairing code waits for a tailnet that cannot come up here; not long.
    const env = testEnv(home, { TS_AUTHKEY: 'tskey-env-secret', PASEO_TAILNET_WAIT_MS: '1000' });
    const cli = (args: string[]) => spawnSync(paseoBin(), args, { env, encoding: 'utf8', timeout: 30_000 });
    const loginServer = `http://127.0.0.1:${await closedPort()}`;
    const up = cli([
      'up',
      '--daemon',
      '--authkey',
      'tskey-flag-secret',
      '--login-server',
      loginServer,
      '--listen',
      '127.0.0.1:0',
    ]);
    expect(up.status, up.stderr).toBe(0);
    const pid = Number(readFileSync(join(home, 'paseo.pid'), 'utf8'));

    // The daemon got the key (it says so, without showing it) …
    await expect
      .poll(() => readFileSync(join(home, 'daemon.log'), 'utf8'), { timeout: 10_000 })
      .toContain('starting the tailnet node with an auth key');
    // … but neither its command line nor its environment holds a key.
    for (const text of [proc(pid, 'cmdline'), proc(pid, 'environ')]) {
      expect(text).not.toContain('tskey-');
      expect(text).not.toContain('TS_AUTHKEY');
    }
    // The sidecar got its secrets on stdin: its environment has no key and no token.
    let sidecar: number | undefined;
    await expect
      .poll(() => (sidecar = childrenOf(pid).find((p) => proc(p, 'cmdline').includes('--secrets-stdin'))), {
        timeout: 10_000,
      })
      .toBeDefined();
    for (const text of [proc(sidecar!, 'cmdline'), proc(sidecar!, 'environ')]) {
      expect(text).not.toContain('tskey-');
      expect(text).not.toContain('TS_AUTHKEY');
      expect(text).not.toContain('PASEO_SIDECAR_TOKEN');
    }
    expect(proc(sidecar!, 'environ')).toContain('TS_NO_LOGS_NO_SUPPORT=1');
    // Nor do the sessions it starts, nor its log.
    expect(await sessionEnv(cli)).not.toContain('tskey-');
    expect(readFileSync(join(home, 'daemon.log'), 'utf8')).not.toContain('tskey-');
    expect(cli(['down']).status).toBe(0);
  });
});
