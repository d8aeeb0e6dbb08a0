// Relay: what one `paseo relay` node costs a channel, next to a bare ws pass-through measured in the same
// run. In both, a phone (this process) sends WebSocket messages through a middle process to a "daemon"
// (a child process on its own core): through the relay as paseo's relay frames on a registered link, or
// through the pass-through as raw messages. Reported per message size (64 B, 1 KiB, 16 KiB): frames/s and
// MiB/s phone → daemon (median of the reps), and the echo round trip p50/p99 (the daemon sends each
// message back) with what the relay adds over the pass-through.
import type { ChildProcess } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { once } from 'node:events';
import WebSocket, { WebSocketServer } from 'ws';
import { fromBase64Url } from '../../cli/src/channel/encoding.js';
import {
  decodeRelayFrame,
  encodeRelayFrame,
  RELAY_DAEMON_PATH,
  RELAY_SUBPROTOCOL,
  RelayOp,
  registerPayload,
  registrationMessage,
  relayIdOf,
} from '../../cli/src/channel/relay-protocol.js';
import { MiB, median, now, sleep, spawnTracked, stopChild, tempDir, withTimeout, wsOpened } from './common.js';
import { type LatencyStats, stats } from './latency.js';

/** Message sizes measured, in bytes. */
const SIZES = [64, 1024, 16 * 1024];
/** Messages per throughput rep, by size: each rep moves a few MiB at least and lasts about a second. */
const FRAMES: Record<number, number> = { 64: 100_000, 1024: 60_000, [16 * 1024]: 12_000 };
/** Bytes the phone lets queue before it waits (the sender's own backpressure). */
const SEND_HIGH_WATER = 4 * MiB;
/** A message whose first byte is this is the daemon's "all arrived" (throughput) — never sent by the phone. */
const DONE = 0xdd;

export interface RelaySizeResult {
  bytes: number;
  relay: { framesPerSec: number; mibPerSec: number; echo: LatencyStats };
  bare: { framesPerSec: number; mibPerSec: number; echo: LatencyStats };
}
export interface RelayResult {
  reps: number;
  samples: number;
  sizes: RelaySizeResult[];
}

// ---- the daemon (child process: `bench.mjs --role relay-daemon <relay|bare> <ws url>`) ----------------

/**
 * Counts what arrives and answers: in `count` mode (first byte 0x01) nothing until the expected number
 * arrived, then DONE; otherwise every message goes straight back. Relay mode registers first.
 */
export async function runRelayDaemonRole(args: string[]): Promise<void> {
  const [mode, url] = args as ['relay' | 'bare', string];
  const ws =
    mode === 'relay'
      ? new WebSocket(`${url}${RELAY_DAEMON_PATH}`, RELAY_SUBPROTOCOL, { perMessageDeflate: false })
      : new WebSocket(`${url}/backend`, { perMessageDeflate: false });
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const pub = fromBase64Url(publicKey.export({ format: 'jwk' }).x ?? '');
  let expect = 0;
  let got = 0;
  const answer = (channel: number, payload: Uint8Array): void => {
    ws.send(mode === 'relay' ? encodeRelayFrame(RelayOp.DATA, channel, payload) : payload);
  };
  ws.on('message', (data: Buffer) => {
    let channel = 0;
    let payload: Uint8Array = data;
    if (mode === 'relay') {
      const f = decodeRelayFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      if (f.op === RelayOp.CHALLENGE) {
        const sig = new Uint8Array(sign(null, registrationMessage('127.0.0.1', f.payload, pub), privateKey));
        ws.send(encodeRelayFrame(RelayOp.REGISTER, 0, registerPayload(pub, sig, '127.0.0.1')));
        return;
      }
      if (f.op === RelayOp.REGISTERED) {
        process.stdout.write(`READY ${relayIdOf(pub)}\n`);
        return;
      }
      if (f.op === RelayOp.PING) ws.send(encodeRelayFrame(RelayOp.PONG, 0, f.payload));
      if (f.op !== RelayOp.DATA) return;
      channel = f.channel;
      payload = f.payload;
    }
    // A count request: 0x01 then the number of messages to expect (u32 BE).
    if (payload[0] === 0x01 && payload.length === 5) {
      expect = new DataView(payload.buffer, payload.byteOffset, 5).getUint32(1);
      got = 0;
      return;
    }
    if (expect > 0) {
      if (++got === expect) {
        expect = 0;
        answer(channel, new Uint8Array([DONE]));
      }
      return;
    }
    answer(channel, payload);
  });
  ws.on('open', () => {
    if (mode === 'bare') process.stdout.write('READY\n');
  });
  ws.on('close', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
}

// ---- the bare pass-through (child process: `bench.mjs --role bare-pipe`) -----------------------------

/** Forwards between the phone (`/phone`) and the daemon (`/backend`), message for message, nothing else. */
export async function runBarePipeRole(): Promise<void> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await once(wss, 'listening');
  let backend: WebSocket | undefined;
  let phone: WebSocket | undefined;
  wss.on('connection', (ws, req) => {
    if (req.url === '/backend') {
      backend = ws;
      ws.on('message', (data: Buffer) => phone?.send(data));
    } else {
      phone = ws;
      ws.on('message', (data: Buffer) => backend?.send(data));
    }
  });
  const addr = wss.address();
  process.stdout.write(`PORT ${typeof addr === 'object' && addr ? addr.port : 0}\n`);
  process.on('SIGTERM', () => process.exit(0));
}

// ---- the phone (this process) ------------------------------------------------------------------------

/** A started middle (relay or pass-through) with its daemon, and the phone's URL. */
interface Hop {
  name: 'relay' | 'bare';
  phoneUrl: string;
  children: ChildProcess[];
}

async function lineOf(child: ChildProcess, re: RegExp, what: string): Promise<RegExpExecArray> {
  let out = '';
  return withTimeout(
    new Promise((resolve, reject) => {
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        const m = re.exec(out);
        if (m) resolve(m);
      });
      child.once('exit', (code) => reject(new Error(`${what} exited with ${code}: ${out}`)));
    }),
    20_000,
    what,
  );
}

async function startRelayHop(bundle: string, paseoBin: string): Promise<Hop> {
  const home = tempDir('paseo-bench-relay-');
  const relay = spawnTracked(paseoBin, ['relay', '--listen', '127.0.0.1:0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      PATH: process.env.PATH,
      HOME: home,
      PASEO_HOME: home,
      PASEO_LOG: 'warn',
      PASEO_RELAY_CONNECT_BURST: '10000',
    },
  });
  const port = Number((await lineOf(relay, /running at http:\/\/127\.0\.0\.1:(\d+)\//, 'paseo relay'))[1]);
  const daemon = spawnTracked(process.execPath, [bundle, '--role', 'relay-daemon', 'relay', `ws://127.0.0.1:${port}`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const id = (await lineOf(daemon, /READY (\w+)/, 'relay daemon'))[1];
  return { name: 'relay', phoneUrl: `ws://127.0.0.1:${port}/ws/${id}`, children: [daemon, relay] };
}

async function startBareHop(bundle: string): Promise<Hop> {
  const pipe = spawnTracked(process.execPath, [bundle, '--role', 'bare-pipe'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = Number((await lineOf(pipe, /PORT (\d+)/, 'bare pipe'))[1]);
  const daemon = spawnTracked(process.execPath, [bundle, '--role', 'relay-daemon', 'bare', `ws://127.0.0.1:${port}`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await lineOf(daemon, /READY/, 'bare daemon');
  return { name: 'bare', phoneUrl: `ws://127.0.0.1:${port}/phone`, children: [daemon, pipe] };
}

/** The phone's socket, with each message handed to whoever waits next. */
class PhoneSocket {
  private waiter: ((m: Buffer) => void) | undefined;
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (m: Buffer) => this.waiter?.(m));
  }
  static async open(url: string): Promise<PhoneSocket> {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const s = new PhoneSocket(ws);
    await wsOpened(ws, `phone ${url}`);
    return s;
  }
  next(): Promise<Buffer> {
    return withTimeout(
      new Promise((resolve) => {
        this.waiter = (m) => {
          this.waiter = undefined;
          resolve(m);
        };
      }),
      60_000,
      'the daemon’s answer',
    );
  }
}

/** Sends `n` messages of `size` bytes as fast as the socket takes them; returns seconds until all arrived. */
async function throughputRep(phone: PhoneSocket, size: number, n: number): Promise<number> {
  const count = new Uint8Array(5);
  count[0] = 0x01;
  new DataView(count.buffer).setUint32(1, n);
  phone.ws.send(count);
  await sleep(50); // the count request is there before the data
  const msg = new Uint8Array(size).fill(0x42);
  const done = phone.next();
  const t0 = now();
  for (let i = 0; i < n; i++) {
    phone.ws.send(msg);
    while (phone.ws.bufferedAmount > SEND_HIGH_WATER) await sleep(1);
  }
  const answer = await done;
  if (answer[0] !== DONE) throw new Error('the daemon answered something else than DONE');
  return (now() - t0) / 1000;
}

/** Round trips of one message of `size` bytes, one after another, in ms. */
async function echo(phone: PhoneSocket, size: number, samples: number): Promise<number[]> {
  const msg = new Uint8Array(size).fill(0x43);
  const out: number[] = [];
  for (let i = 0; i < samples; i++) {
    const back = phone.next();
    const t0 = now();
    phone.ws.send(msg);
    await back;
    out.push(now() - t0);
  }
  return out;
}

/** Measures both hops, alternating them per size so that background load falls on both alike. */
export async function measureRelay(
  bundle: string,
  paseoBin: string,
  reps: number,
  samples: number,
  log: (s: string) => void,
): Promise<RelayResult> {
  const hops = [await startRelayHop(bundle, paseoBin), await startBareHop(bundle)];
  try {
    const phones = new Map<string, PhoneSocket>();
    for (const h of hops) phones.set(h.name, await PhoneSocket.open(h.phoneUrl));
    const sizes: RelaySizeResult[] = [];
    for (const size of SIZES) {
      const n = FRAMES[size]!;
      const secs: Record<string, number[]> = { relay: [], bare: [] };
      for (let r = 0; r < reps; r++) {
        for (const h of hops) secs[h.name]!.push(await throughputRep(phones.get(h.name)!, size, n));
      }
      const rtt: Record<string, number[]> = { relay: [], bare: [] };
      for (const h of hops) await echo(phones.get(h.name)!, size, 20); // warm up
      for (let chunk = 0; chunk < 4; chunk++) {
        for (const h of hops) rtt[h.name]!.push(...(await echo(phones.get(h.name)!, size, Math.ceil(samples / 4))));
      }
      const of = (name: string) => {
        const s = median(secs[name]!);
        return { framesPerSec: n / s, mibPerSec: (n * size) / s / MiB, echo: stats(rtt[name]!) };
      };
      sizes.push({ bytes: size, relay: of('relay'), bare: of('bare') });
      const last = sizes.at(-1)!;
      log(
        `relay ${size} B: ${last.relay.framesPerSec.toFixed(0)} frames/s vs bare ${last.bare.framesPerSec.toFixed(0)} (${(last.relay.framesPerSec / last.bare.framesPerSec).toFixed(2)}×)`,
      );
    }
    for (const p of phones.values()) p.ws.close();
    return { reps, samples, sizes };
  } finally {
    for (const h of hops) for (const c of h.children) await stopChild(c).catch(() => {});
  }
}

/** The relay section of the printed report. */
export function relayReport(r: RelayResult): string[] {
  const label = 30;
  const cell = 14;
  const row = (l: string, cells: string[]) => l.padEnd(label) + cells.map((c) => c.padStart(cell)).join('');
  const lines = [
    '',
    `relay: one paseo relay node vs a bare ws pass-through, phone → daemon (medians of ${r.reps} reps; echo: ${r.samples} round trips)`,
    row(
      '',
      r.sizes.flatMap((s) => [`${label_(s.bytes)} relay`, 'bare', '×']),
    ),
  ];
  const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : '—');
  const added = (a: number, b: number) => `${a >= b ? '+' : '−'}${Math.abs(a - b).toFixed(3)}`;
  /** One row: relay, bare and how they compare, for each size. */
  const compared = (
    title: string,
    pick: (x: RelaySizeResult['relay']) => number,
    digits: number,
    compare: (a: number, b: number) => string,
  ) =>
    row(
      title,
      r.sizes.flatMap((s) => [
        pick(s.relay).toFixed(digits),
        pick(s.bare).toFixed(digits),
        compare(pick(s.relay), pick(s.bare)),
      ]),
    );
  lines.push(
    compared('frames/s', (x) => x.framesPerSec, 0, ratio),
    compared('MiB/s', (x) => x.mibPerSec, 1, ratio),
    compared('echo p50, ms', (x) => x.echo.p50, 3, added),
    compared('echo p99, ms', (x) => x.echo.p99, 3, added),
  );
  lines.push('(× is relay ÷ bare; in the echo rows, + is what the relay adds over the pass-through)');
  return lines;
}

function label_(bytes: number): string {
  return bytes >= 1024 ? `${bytes / 1024} KiB` : `${bytes} B`;
}
