// Keystroke-to-echo latency: the command is `stty raw -echo; exec cat` (cat echoes each byte itself, as
// agents in raw mode do), one byte is sent, and the time until that byte is back at the client is one
// sample. Samples are spaced 5–15 ms apart (typing pace, never in phase with a timer). Measured idle,
// then while another session floods (`yes`, watched by another client in a child process).
import {
  ECHO_ARGV,
  ECHO_READY,
  median,
  now,
  quantile,
  sleep,
  type Term,
  type TermPath,
  waitForOutput,
  withTimeout,
} from './common.js';
import { type FloodContext, startFlood } from './flood.js';

export interface LatencyStats {
  p50: number;
  p99: number;
  max: number;
  samples: number;
}

export interface LatencyResult {
  path: string;
  idle: LatencyStats;
  flood: LatencyStats | null;
  /** Rate of the flood at its own client while the samples were taken, MiB/s. */
  floodMiBps: number | null;
  errors: string[];
}

export function stats(xs: number[]): LatencyStats {
  return { p50: median(xs), p99: quantile(xs, 0.99), max: Math.max(...xs), samples: xs.length };
}

/** Sends `n` single bytes one after another; returns each round trip in ms. */
export async function sample(term: Term, n: number): Promise<number[]> {
  const out: number[] = [];
  let want = -1;
  let arrived: () => void = () => {};
  const off = term.onData((b) => {
    if (want >= 0 && b.includes(want)) {
      want = -1;
      arrived();
    }
  });
  try {
    for (let i = 0; i < n; i++) {
      const byte = 0x61 + (i % 26);
      const back = new Promise<void>((r) => (arrived = r));
      want = byte;
      const t0 = now();
      term.write(new Uint8Array([byte]));
      await withTimeout(back, 10_000, 'echo');
      out.push(now() - t0);
      await sleep(5 + Math.random() * 10);
    }
  } finally {
    off();
  }
  return out;
}

async function echoTerm(path: TermPath): Promise<Term> {
  const term = await path.spawn(ECHO_ARGV);
  await waitForOutput(term, ECHO_READY, 10_000);
  await sample(term, 20); // warm-up, not counted
  return term;
}

export async function measureLatency(
  paths: TermPath[],
  samples: number,
  ctx: FloodContext,
  log: (s: string) => void,
): Promise<LatencyResult[]> {
  const results: LatencyResult[] = [];
  for (const path of paths) {
    try {
      results.push(await measureOne(path, samples, ctx, log));
    } catch (err) {
      log(`  latency ${path.name} FAILED: ${(err as Error).message}`);
      const none = { p50: NaN, p99: NaN, max: NaN, samples: 0 };
      results.push({ path: path.name, idle: none, flood: null, floodMiBps: null, errors: [(err as Error).message] });
    }
  }
  return results;
}

async function measureOne(
  path: TermPath,
  samples: number,
  ctx: FloodContext,
  log: (s: string) => void,
): Promise<LatencyResult> {
  const term = await echoTerm(path);
  try {
    const idle = stats(await sample(term, samples));
    log(`  latency ${path.name} idle: p50 ${idle.p50.toFixed(2)} ms, p99 ${idle.p99.toFixed(2)} ms`);
    let flood: LatencyStats | null = null;
    let floodMiBps: number | null = null;
    if (path.name !== 'bare ws') {
      const f = await startFlood(path.name, ctx);
      try {
        await sleep(200);
        flood = stats(await sample(term, samples));
      } finally {
        floodMiBps = await f.stop();
      }
      log(
        `  latency ${path.name} flood: p50 ${flood.p50.toFixed(2)} ms, p99 ${flood.p99.toFixed(2)} ms (flood ${floodMiBps.toFixed(1)} MiB/s)`,
      );
    }
    return { path: path.name, idle, flood, floodMiBps, errors: [] };
  } finally {
    await term.close();
  }
}
