// Handshakes: how many Noise IK handshakes of a paired device the daemon completes per second on its one
// core (pairing excluded), and a paired client's keystroke → echo latency idle and during a bounded
// handshake flood. Senders replay real CONNECT_INITs of a paired device over fresh WebSockets (as the
// attack in issue 8 did), cycling through FRAME_POOL distinct ones so that each is a fresh handshake for the
// daemon (a new ephemeral key to import): each costs the daemon an HTTP upgrade, reading message 1 and
// writing message 2, and costs the sender nothing but the socket. Senders run in child processes (their
// own cores and event loops).
import type { ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { InitiatorHandshake } from '../../cli/src/channel/channel.js';
import { PaseoConnection, type WebSocketConstructor } from '../../cli/src/channel/client.js';
import { fromBase64Url, toBase64Url } from '../../cli/src/channel/encoding.js';
import { decodeWireFrame, FrameType } from '../../cli/src/channel/frame.js';
import { generateKeyPair } from '../../cli/src/channel/noise.js';
import { nodeX25519 } from '../../cli/src/daemon/node-x25519.js';
import {
  cpuSeconds,
  ECHO_ARGV,
  ECHO_READY,
  now,
  sleep,
  spawnTracked,
  stopChild,
  type TermPath,
  tempDir,
  threadCpu,
  threadCpuText,
  waitForOutput,
} from './common.js';
import { type LatencyStats, sample, stats } from './latency.js';
import type { PaseoDaemon } from './paseo.js';

/** Sender processes and WebSockets in flight each for the throughput run (under the per-source cap of 64). */
const THROUGHPUT_SENDERS = 2;
const THROUGHPUT_IN_FLIGHT = 24;
/** How long the throughput run lasts, in milliseconds. */
const THROUGHPUT_RUN_MS = 5_000;
/** The bounded flood during the latency run: handshakes offered per second, at most this many in flight. */
export const FLOOD_HANDSHAKES_PER_S = 300;
const FLOOD_IN_FLIGHT = 16;
/** Distinct CONNECT_INIT frames the senders cycle through (more than the daemon keeps imported keys for). */
const FRAME_POOL = 512;

export interface HandshakeResult {
  /** Handshakes completed per wall-clock second with senders unbounded (median of the windows). */
  perSecond: number;
  /** Handshakes completed per second of the daemon's CPU time (its one thread): the per-core figure (median). */
  perDaemonCpuSecond: number;
  /** Share of one core the daemon used during the run, %. */
  daemonCpuPct: number;
  /** Handshakes that failed (refused, closed early). */
  failures: number;
  echoIdle: LatencyStats | null;
  echoFlood: LatencyStats | null;
  /** Handshakes per second the flood achieved while the echo samples were taken. */
  floodPerSecond: number | null;
  errors: string[];
}

/** A file of a paired device's first handshake frames (one base64url per line), ready to replay. */
async function connectInitFrames(daemon: PaseoDaemon): Promise<string> {
  const keys = generateKeyPair();
  const conn = await PaseoConnection.open({
    url: daemon.wsUrl,
    daemonPublicKey: daemon.publicKey,
    keys,
    pairing: { code: daemon.pairingCode(), deviceName: 'bench handshakes' },
    clientName: 'paseo-bench/1',
    WebSocketImpl: WebSocket as unknown as WebSocketConstructor,
  });
  conn.close();
  const file = join(tempDir('paseo-bench-frames-'), 'frames.txt');
  const frames = Array.from({ length: FRAME_POOL }, () =>
    toBase64Url(InitiatorHandshake.connect({ keys, daemonPublicKey: daemon.publicKey, dh: nodeX25519 }).firstFrame),
  );
  writeFileSync(file, `${frames.join('\n')}\n`);
  return file;
}

function startSender(bundle: string, daemon: PaseoDaemon, frames: string, inFlight: number, perSecond: number) {
  const child: ChildProcess = spawnTracked(
    process.execPath,
    [bundle, '--role', 'handshakes', daemon.wsUrl, frames, String(inFlight), String(perSecond)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  return {
    async stop(): Promise<{ done: number; failed: number; seconds: number }> {
      await stopChild(child, 10_000);
      const m = /DONE (\d+) (\d+) ([\d.]+)/.exec(out);
      return m
        ? { done: Number(m[1]), failed: Number(m[2]), seconds: Number(m[3]) }
        : { done: 0, failed: 0, seconds: 0 };
    },
  };
}

/** Runs both measurements; `paseo` is a connected client path of the same daemon (for the echo). */
export async function measureHandshakes(
  bundle: string,
  daemon: PaseoDaemon,
  paseo: TermPath,
  samples: number,
  log: (s: string) => void,
  windows = 1,
): Promise<HandshakeResult> {
  const errors: string[] = [];
  const frames = await connectInitFrames(daemon);

  // Several windows, the median of each figure reported: the per-core figure moves with what else the
  // machine runs (cache and memory contention), even though it counts only the daemon's own CPU.
  const runs: { perSecond: number; perDaemonCpuSecond: number; cpu: number; seconds: number }[] = [];
  let done = 0;
  let failures = 0;
  const threads0 = threadCpu(daemon.pid);
  for (let run = 0; run < windows; run++) {
    const cpu0 = cpuSeconds(daemon.pid);
    const t0 = now();
    const senders = Array.from({ length: THROUGHPUT_SENDERS }, () =>
      startSender(bundle, daemon, frames, THROUGHPUT_IN_FLIGHT, 0),
    );
    await sleep(THROUGHPUT_RUN_MS);
    const counts = await Promise.all(senders.map((s) => s.stop()));
    const seconds = (now() - t0) / 1000;
    const cpu = cpuSeconds(daemon.pid) - cpu0;
    const n = counts.reduce((a, c) => a + c.done, 0);
    const failed = counts.reduce((a, c) => a + c.failed, 0);
    done += n;
    failures += failed;
    runs.push({ perSecond: n / seconds, perDaemonCpuSecond: cpu > 0 ? n / cpu : NaN, cpu, seconds });
    log(
      `  handshakes: ${n} in ${seconds.toFixed(1)} s = ${(n / seconds).toFixed(0)}/s; ${(n / cpu).toFixed(0)} per daemon CPU second (daemon at ${((100 * cpu) / seconds).toFixed(0)}% of a core); ${failed} failed`,
    );
    await sleep(300); // the last connections close outside the next window
  }
  const median = (pick: (r: (typeof runs)[number]) => number): number => {
    const v = runs.map(pick).sort((a, b) => a - b);
    return v[Math.floor(v.length / 2)] as number;
  };
  const perSecond = median((r) => r.perSecond);
  const perDaemonCpuSecond = median((r) => r.perDaemonCpuSecond);
  const daemonCpuPct = median((r) => (100 * r.cpu) / r.seconds);
  // Per thousand handshakes, in the unit threadCpuText prints per MiB.
  const threads = threadCpuText(threads0, threadCpu(daemon.pid), done / 1000).replace(
    'ms/MiB',
    'ms per 1000 handshakes',
  );
  if (windows > 1) {
    log(
      `  handshakes, median of ${windows}: ${perSecond.toFixed(0)}/s; ${perDaemonCpuSecond.toFixed(0)} per daemon CPU second`,
    );
  }
  if (threads) log(`    daemon threads (all windows): ${threads}`);
  await sleep(500); // let the daemon close the last connections

  let echoIdle: HandshakeResult['echoIdle'] = null;
  let echoFlood: HandshakeResult['echoFlood'] = null;
  let floodPerSecond: number | null = null;
  try {
    const term = await paseo.spawn(ECHO_ARGV);
    try {
      await waitForOutput(term, ECHO_READY, 10_000);
      await sample(term, 20);
      echoIdle = stats(await sample(term, samples));
      const flood = startSender(bundle, daemon, frames, FLOOD_IN_FLIGHT, FLOOD_HANDSHAKES_PER_S);
      try {
        await sleep(500);
        echoFlood = stats(await sample(term, samples));
      } finally {
        const f = await flood.stop();
        floodPerSecond = f.seconds > 0 ? f.done / f.seconds : 0;
      }
      log(
        `  echo p50 idle ${echoIdle.p50.toFixed(2)} ms, during ${floodPerSecond.toFixed(0)} handshakes/s ${echoFlood.p50.toFixed(2)} ms (${(echoFlood.p50 / echoIdle.p50).toFixed(2)}×)`,
      );
    } finally {
      await term.close();
    }
  } catch (err) {
    errors.push((err as Error).message);
    log(`  handshake flood latency FAILED: ${(err as Error).message}`);
  }
  return {
    perSecond,
    perDaemonCpuSecond,
    daemonCpuPct,
    failures,
    echoIdle,
    echoFlood,
    floodPerSecond,
    errors,
  };
}

/**
 * The sender (`bench.mjs --role handshakes <wsUrl> <framesFile> <inFlight> <perSecond>`): keeps `inFlight`
 * WebSockets each sending the next frame of the file and waiting for the HANDSHAKE_REPLY, at most `perSecond` started per
 * second (0: no limit), until SIGTERM; then prints `DONE <completed> <failed> <seconds>`.
 */
export async function runHandshakeRole(args: string[]): Promise<void> {
  const [url, framesFile, inFlightText, rateText] = args as [string, string, string, string];
  const frames = readFileSync(framesFile, 'utf8').trim().split('\n').map(fromBase64Url);
  let next = 0;
  const inFlight = Number(inFlightText);
  const perSecond = Number(rateText);
  let done = 0;
  let failed = 0;
  let stopping = false;
  const t0 = now();
  let started = 0;
  const one = () =>
    new Promise<void>((resolve) => {
      const ws = new WebSocket(url, { perMessageDeflate: false });
      let ok = false;
      ws.binaryType = 'nodebuffer';
      const frame = frames[next++ % frames.length]!;
      ws.on('open', () => ws.send(frame));
      ws.on('message', (data: Buffer) => {
        if (decodeWireFrame(new Uint8Array(data)).type === FrameType.HANDSHAKE_REPLY) ok = true;
        ws.terminate();
      });
      ws.on('error', () => {});
      ws.on('close', () => {
        if (ok) done++;
        else failed++;
        resolve();
      });
    });
  const lane = async () => {
    while (!stopping) {
      if (perSecond > 0) {
        const due = t0 + (started++ / perSecond) * 1000; // this lane's slot, claimed before waiting
        if (due > now()) await sleep(due - now());
        if (stopping) break;
      }
      await one();
    }
  };
  const lanes = Array.from({ length: inFlight }, lane);
  await new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));
  stopping = true;
  const seconds = (now() - t0) / 1000;
  await Promise.race([Promise.all(lanes), sleep(2000)]);
  process.stdout.write(`DONE ${done} ${failed} ${seconds.toFixed(3)}\n`);
  process.exit(0);
}
