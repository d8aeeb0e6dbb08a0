// Starts a real paseo daemon process (the built binary) in a fresh PASEO_HOME for integration tests,
// and gives tests the CLI and an encrypted WebSocket client.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import WebSocket from 'ws';
import { PaseoConnection, type WebSocketConstructor } from '../../src/channel/client.js';
import { fromBase64Url } from '../../src/channel/encoding.js';
import { generateKeyPair, type KeyPair } from '../../src/channel/noise.js';

/** The repository root. */
export const REPO_ROOT = resolve(import.meta.dirname, '..', '..', '..');

/** The paseo binary under test (`make` builds it; PASEO_BIN overrides). */
export function paseoBin(): string {
  const bin = process.env.PASEO_BIN ?? join(REPO_ROOT, 'dist', 'paseo');
  if (!existsSync(bin)) throw new Error(`${bin} does not exist: run \`make\` first (or set PASEO_BIN).`);
  return bin;
}

/** Environment for every paseo process a test starts: its own home, no tailnet phone-home. */
export function testEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    PASEO_HOME: home,
    PASEO_LOG: 'debug',
    TS_NO_LOGS_NO_SUPPORT: '1',
    TS_DISABLE_PORTMAPPER: '1',
    TS_ASSUME_NETWORK_UP_FOR_TEST: '1',
    ...extra,
  };
}

/**
 * A small sh guard that stops the command (SIGTERM) when our end of its stdin closes, so it cannot
 * outlive the test process even if that is killed (Ctrl-C, a CI timeout). SIGTERM to the guard is
 * passed on.
 */
const GUARD =
  'exec 3<&0; "$@" </dev/null & p=$!; trap \'kill -TERM $p 2>/dev/null\' TERM INT; (read _ <&3; kill -TERM $p 2>/dev/null) & wait $p; s=$?; wait $p 2>/dev/null; exit $s';

/** Spawns a long-running program under the guard, with stdout and stderr piped. */
export function spawnGuarded(
  cmd: string,
  args: string[],
  opts: { env: NodeJS.ProcessEnv; cwd?: string },
): ChildProcess {
  return spawn('/bin/sh', ['-c', GUARD, 'guard', cmd, ...args], {
    env: opts.env,
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** A running daemon for one test file. */
export interface TestDaemon {
  home: string;
  port: number;
  url: string;
  wsUrl: string;
  daemonPublicKey: Uint8Array;
  process: ChildProcess;
  /** Everything the daemon wrote to stdout and stderr so far. */
  output(): string;
  /** Runs a paseo CLI command against this daemon. */
  cli(args: string[]): { status: number | null; stdout: string; stderr: string };
  /** Runs a CLI command that prints JSON and parses it. */
  cliJson<T>(args: string[]): T;
  stop(): Promise<void>;
}

/** Starts `paseo up --no-tailnet` on a free loopback port and waits until it answers. */
export async function startDaemon(opts: { env?: Record<string, string>; home?: string } = {}): Promise<TestDaemon> {
  const home = opts.home ?? mkdtempSync(join(tmpdir(), 'paseo-test-'));
  const env = testEnv(home, opts.env);
  const child = spawnGuarded(paseoBin(), ['up', '--no-tailnet', '--listen', '127.0.0.1:0'], { env });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const cli = (args: string[]) => {
    const r = spawnSync(paseoBin(), args, { env, encoding: 'utf8', timeout: 20_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const started = Date.now();
  let status: { listen: string[] } | undefined;
  while (!status) {
    if (child.exitCode !== null) throw new Error(`paseo up exited with ${child.exitCode}:\n${out}`);
    if (Date.now() - started > 20_000) throw new Error(`paseo up did not start:\n${out}`);
    const r = cli(['status', '--json']);
    if (r.status === 0) status = JSON.parse(r.stdout) as { listen: string[] };
    else await new Promise((res) => setTimeout(res, 100));
  }
  const port = Number(status.listen[0]!.split(':').pop());
  const url = `http://127.0.0.1:${port}/`;
  const info = (await (await fetch(`${url}api/info`)).json()) as { publicKey: string };
  return {
    home,
    port,
    url,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    daemonPublicKey: fromBase64Url(info.publicKey),
    process: child,
    output: () => out,
    cli,
    cliJson<T>(args: string[]): T {
      const r = cli(args);
      if (r.status !== 0) throw new Error(`paseo ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
      return JSON.parse(r.stdout) as T;
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((res) => child.once('exit', res));
        child.kill('SIGTERM');
        await exited;
      }
      if (!opts.home) rmSync(home, { recursive: true, force: true });
    },
  };
}

/** The `ws` WebSocket as the isomorphic client expects it. */
export const NodeWebSocket = WebSocket as unknown as WebSocketConstructor;

/** Pairs a new device with a fresh code; returns its keys and the open connection. */
export async function pairDevice(
  d: TestDaemon,
  name = 'Test phone',
): Promise<{ keys: KeyPair; conn: PaseoConnection }> {
  const { code } = d.cliJson<{ code: string }>(['pair', '--json']);
  const keys = generateKeyPair();
  const conn = await PaseoConnection.open({
    url: d.wsUrl,
    daemonPublicKey: d.daemonPublicKey,
    keys,
    pairing: { code, deviceName: name },
    clientName: 'paseo-test/1',
    WebSocketImpl: NodeWebSocket,
  });
  return { keys, conn };
}

/** Connects an already paired device. */
export function connectDevice(d: TestDaemon, keys: KeyPair): Promise<PaseoConnection> {
  return PaseoConnection.open({
    url: d.wsUrl,
    daemonPublicKey: d.daemonPublicKey,
    keys,
    clientName: 'paseo-test/1',
    WebSocketImpl: NodeWebSocket,
  });
}
