// Starts a real paseo daemon process (the built binary) in a fresh PASEO_HOME for integration tests,
// and gives tests the CLI and an encrypted WebSocket client.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PaseoConnection } from '../../src/channel/client.js';
import { generateKeyPair, type KeyPair } from '../../src/channel/noise.js';
import { type DaemonProcess, NodeWebSocket, startDaemonProcess, testEnv } from '../fixtures/daemon-process.js';

export { NodeWebSocket, testEnv };

/** The repository root. */
export const REPO_ROOT = resolve(import.meta.dirname, '..', '..', '..');

/** The paseo binary under test (`make` builds it; PASEO_BIN overrides). */
export function paseoBin(): string {
  const bin = process.env.PASEO_BIN ?? join(REPO_ROOT, 'dist', 'paseo');
  if (!existsSync(bin)) throw new Error(`${bin} does not exist: run \`make\` first (or set PASEO_BIN).`);
  return bin;
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
export type TestDaemon = DaemonProcess;

/**
 * Starts `paseo up --no-tailnet` (and `args`) under the guard and waits until it answers: on a free
 * loopback port, or on `listen` (to start it again where a page expects it).
 */
export async function startDaemon(
  opts: { env?: Record<string, string>; home?: string; listen?: string; args?: string[] } = {},
): Promise<TestDaemon> {
  const home = opts.home ?? mkdtempSync(join(tmpdir(), 'paseo-test-'));
  const daemon = await startDaemonProcess({
    bin: paseoBin(),
    home,
    env: testEnv(home, opts.env),
    ...(opts.args ? { args: opts.args } : {}),
    spawn: (cmd, args, env) => spawnGuarded(cmd, args, { env }),
    ...(opts.listen ? { listen: opts.listen } : {}),
  });
  return {
    ...daemon,
    async stop() {
      await daemon.stop();
      if (!opts.home) rmSync(home, { recursive: true, force: true });
    },
  };
}

/** Pairs a device (new keys and a fresh code unless given); returns its keys and the open connection. */
export async function pairDevice(
  d: TestDaemon,
  name = 'Test phone',
  keys: KeyPair = generateKeyPair(),
  code: string = d.pairingCode(),
): Promise<{ keys: KeyPair; conn: PaseoConnection }> {
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
