// A real `paseo relay` (the built binary) for tests, and what a phone needs to reach a daemon through it:
// the relay pairing URL from `paseo pair --json` and a connection to `/ws/<relay id>`.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { ConnectionError, PaseoConnection } from '../../src/channel/client.js';
import { parseKey } from '../../src/channel/encoding.js';
import type { RelayInfo } from '../../src/channel/messages.js';
import type { KeyPair } from '../../src/channel/noise.js';
import { NodeWebSocket, paseoBin, spawnGuarded, type TestDaemon, testEnv } from './harness.js';

/** How long `paseo relay` may take to say it runs, in milliseconds. */
const RELAY_START_TIMEOUT_MS = 20_000;

/** A running relay. */
export interface TestRelay {
  port: number;
  /** http://127.0.0.1:<port>/ */
  url: string;
  /** ws://127.0.0.1:<port>, for `paseo up --relay`. */
  wsUrl: string;
  process: ChildProcess;
  output(): string;
  /** SIGKILL to the relay itself (not its guard): it vanishes without a word. */
  kill(): Promise<void>;
  /** SIGTERM; resolves once it is gone. */
  stop(): Promise<void>;
}

/** Starts `paseo relay --listen 127.0.0.1:<port>` (0: any free port) and waits until it says it runs. */
export async function startRelay(opts: { port?: number; env?: Record<string, string> } = {}): Promise<TestRelay> {
  const home = mkdtempSync(join(tmpdir(), 'paseo-relay-'));
  const child = spawnGuarded(paseoBin(), ['relay', '--listen', `127.0.0.1:${opts.port ?? 0}`], {
    // Every test connection comes from 127.0.0.1: a budget the suites cannot spend, unless a test sets one.
    env: testEnv(home, { PASEO_RELAY_CONNECT_BURST: '10000', ...opts.env }),
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  const started = Date.now();
  let port: number | undefined;
  while (port === undefined) {
    const m = /is running at http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
    if (m) port = Number(m[1]);
    else if (child.exitCode !== null) throw new Error(`paseo relay exited:\n${out}`);
    else if (Date.now() - started > RELAY_START_TIMEOUT_MS) throw new Error(`paseo relay did not start:\n${out}`);
    else await new Promise((r) => setTimeout(r, 50));
  }
  const cleanup = () => rmSync(home, { recursive: true, force: true });
  return {
    port,
    url: `http://127.0.0.1:${port}/`,
    wsUrl: `ws://127.0.0.1:${port}`,
    process: child,
    output: () => out,
    async kill() {
      for (const pid of childPids(child.pid!)) process.kill(pid, 'SIGKILL');
      await exited;
      cleanup();
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      cleanup();
    },
  };
}

/** The direct children of a process (the guard's child is the relay). */
function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** What a relay pairing URL carries. */
export interface RelayPairing {
  url: string;
  code: string;
  daemonPublicKey: Uint8Array;
  relayId: string;
}

/** A fresh pairing code with its relay URL (`paseo pair --json`'s `relayUrl`, which is also in `urls`). */
export function relayPairing(d: TestDaemon): RelayPairing {
  const p = d.cliJson<{ url: string; urls: string[]; relayUrl?: string; code: string }>(['pair', '--json']);
  if (!p.relayUrl) throw new Error('paseo pair --json listed no relay URL');
  expect(p.urls).toContain(p.relayUrl);
  const params = new URLSearchParams(new URL(p.relayUrl).hash.slice(1));
  const key = parseKey(params.get('key') ?? undefined);
  if (!key) throw new Error(`no key in ${p.relayUrl}`);
  return { url: p.relayUrl, code: p.code, daemonPublicKey: key, relayId: params.get('daemon') ?? '' };
}

/** The relay state `paseo status --json` reports. */
export function relayStatus(d: TestDaemon): RelayInfo {
  return d.cliJson<{ relay: RelayInfo }>(['status', '--json']).relay;
}

/** Waits until the daemon says its relay link is up. */
export async function relayConnected(d: TestDaemon, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = relayStatus(d);
    if (r.state === 'connected') return;
    if (Date.now() > deadline) throw new Error(`the daemon's relay link is ${r.state}: ${r.reason ?? ''}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

/** A phone's WebSocket address on the relay for a daemon. */
export function phoneUrl(relay: Pick<TestRelay, 'wsUrl'>, relayId: string): string {
  return `${relay.wsUrl}/ws/${relayId}`;
}

/** A phone's connection to a WebSocket URL: paired with `keys`, or pairing with a code first. */
export function openPhone(
  url: string,
  daemonPublicKey: Uint8Array,
  keys: KeyPair,
  pairing?: { code: string; deviceName: string },
): Promise<PaseoConnection> {
  return PaseoConnection.open({
    url,
    daemonPublicKey,
    keys,
    ...(pairing ? { pairing } : {}),
    clientName: 'paseo-test/1',
    WebSocketImpl: NodeWebSocket,
  });
}

/** Why a connection attempt failed, or undefined when it succeeded (and was closed at once). */
export async function failureOf(attempt: Promise<PaseoConnection>): Promise<ConnectionError | undefined> {
  try {
    (await attempt).close();
    return undefined;
  } catch (err) {
    if (err instanceof ConnectionError) return err;
    throw err;
  }
}

/** Pairs a device through the relay with a fresh code. */
export async function pairThroughRelay(
  d: TestDaemon,
  relay: Pick<TestRelay, 'wsUrl'>,
  keys: KeyPair,
  name = 'Relay phone',
): Promise<{ conn: PaseoConnection; pairing: RelayPairing }> {
  const pairing = relayPairing(d);
  const conn = await openPhone(phoneUrl(relay, pairing.relayId), pairing.daemonPublicKey, keys, {
    code: pairing.code,
    deviceName: name,
  });
  return { conn, pairing };
}

/** Connects a paired device through the relay. */
export function connectThroughRelay(
  relay: Pick<TestRelay, 'wsUrl'>,
  relayId: string,
  daemonPublicKey: Uint8Array,
  keys: KeyPair,
): Promise<PaseoConnection> {
  return openPhone(phoneUrl(relay, relayId), daemonPublicKey, keys);
}
