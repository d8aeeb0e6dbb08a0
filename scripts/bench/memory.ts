// Memory of the daemon (its resident set, worker thread included), on a daemon of its own:
//   idle   50 sessions, each printed more than its scrollback (3000 lines) and waits; RSS growth ÷ 50
//   flood  a session prints 1 GiB while its only viewer never acks (stalled): RSS sampled throughout;
//          bounded when it never rose more than FLOOD_BOUND_MIB over the RSS before (the session's own
//          buffers are capped far below that: output 2 MiB, screen lag ½ MiB, held text 1 MiB, recording
//          queue 8 MiB, the viewer's window ¼ MiB; the rest is garbage not collected yet), and the second
//          half of the flood is reported next to the first, to show whether it still grew
import { readFileSync } from 'node:fs';
import type { PaseoConnection } from '../../cli/src/channel/client.js';
import { MiB, sleep, withTimeout } from './common.js';

export interface MemoryResult {
  sessions: number;
  /** Daemon RSS before the sessions and with them all idle, MiB. */
  idleBeforeMiB: number;
  idleAfterMiB: number;
  perSessionMiB: number;
  flood: {
    mib: number;
    seconds: number;
    beforeMiB: number;
    /** Highest RSS in the first and the second half of the flood, MiB. */
    firstHalfPeakMiB: number;
    secondHalfPeakMiB: number;
    bounded: boolean;
  } | null;
  errors: string[];
}

/** Most the daemon's RSS may rise during the flood for memory to count as bounded, MiB. */
export const FLOOD_BOUND_MIB = 128;

/** Resident set of a process, MiB (NaN if gone). */
export function rssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Waits until no session's output grew for `quietMs`. */
async function quiet(conn: PaseoConnection, quietMs: number, maxMs: number): Promise<void> {
  const deadline = Date.now() + maxMs;
  let last = '';
  let since = Date.now();
  while (Date.now() < deadline) {
    const list = await conn.request({ t: 'sessions.list' });
    const sig = list.map((s) => `${s.id}:${s.seq}`).join(',');
    if (sig !== last) {
      last = sig;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return;
    await sleep(100);
  }
}

export async function measureMemory(
  conn: PaseoConnection,
  daemonPid: number,
  opts: { sessions: number; floodMiB: number },
  log: (s: string) => void,
): Promise<MemoryResult> {
  const errors: string[] = [];
  await sleep(500);
  const idleBeforeMiB = rssMiB(daemonPid);
  const ids: string[] = [];
  const fill = "seq -f 'scrollback line %g: the quick brown fox jumps over the lazy dog, again and again' 1 3000";
  for (let i = 0; i < opts.sessions; i++) {
    const info = await conn.request({
      t: 'session.create',
      command: ['sh', '-c', `${fill}; exec cat`],
      name: `idle-${i}`,
      cols: 80,
      rows: 24,
    });
    ids.push(info.id);
  }
  await quiet(conn, 1500, 60_000);
  await sleep(1000);
  const idleAfterMiB = rssMiB(daemonPid);
  const perSessionMiB = (idleAfterMiB - idleBeforeMiB) / opts.sessions;
  log(
    `  memory: ${opts.sessions} idle sessions: ${idleBeforeMiB.toFixed(0)} → ${idleAfterMiB.toFixed(0)} MiB, ${perSessionMiB.toFixed(2)} MiB each`,
  );
  for (const id of ids) await conn.request({ t: 'session.kill', sessionId: id }).catch(() => {});

  let flood: MemoryResult['flood'] = null;
  try {
    flood = await stalledFlood(conn, daemonPid, opts.floodMiB, log);
  } catch (err) {
    errors.push(`flood: ${(err as Error).message}`);
    log(`  memory flood FAILED: ${(err as Error).message}`);
  }
  return { sessions: opts.sessions, idleBeforeMiB, idleAfterMiB, perSessionMiB, flood, errors };
}

/** `mib` MiB of output to a session whose only viewer never acks; RSS sampled every 200 ms. */
async function stalledFlood(
  conn: PaseoConnection,
  daemonPid: number,
  mib: number,
  log: (s: string) => void,
): Promise<NonNullable<MemoryResult['flood']>> {
  await sleep(1000);
  const beforeMiB = rssMiB(daemonPid);
  const bytes = Math.round(mib * MiB);
  const info = await conn.request({
    t: 'session.create',
    command: [
      'sh',
      '-c',
      `yes 'flood line of a stalled viewer: 0123456789 abcdefghijklmnopqrstuvwxyz' | head -c ${bytes}`,
    ],
    name: 'flood',
    cols: 80,
    rows: 24,
  });
  // The stalled viewer: attached, reading the socket, never acking.
  conn.send({ t: 'session.attach', sessionId: info.id, afterSeq: 0, cols: 80, rows: 24 });
  const samples: { t: number; rss: number }[] = [];
  const t0 = Date.now();
  const exited = new Promise<void>((resolve) => {
    const off = conn.onMessage((msg) => {
      if (msg.t === 'session.exit' && msg.sessionId === info.id) {
        off();
        resolve();
      }
    });
  });
  let done = false;
  const sampler = (async () => {
    while (!done) {
      samples.push({ t: Date.now() - t0, rss: rssMiB(daemonPid) });
      await sleep(200);
    }
  })();
  // The exit reaches a stalled viewer only once it is sent everything: poll the session's state instead.
  const ended = (async () => {
    for (;;) {
      const s = (await conn.request({ t: 'sessions.list' })).find((x) => x.id === info.id);
      if (!s || s.state === 'exited') return;
      await sleep(250);
    }
  })();
  await withTimeout(Promise.race([exited, ended]), 600_000, 'flood with a stalled viewer');
  done = true;
  await sampler;
  const seconds = (Date.now() - t0) / 1000;
  await conn.request({ t: 'session.kill', sessionId: info.id }).catch(() => {});
  const half = seconds * 500;
  const peak = (xs: { rss: number }[]) => Math.max(...xs.map((x) => x.rss).filter(Number.isFinite));
  const firstHalfPeakMiB = peak(samples.filter((s) => s.t < half));
  const secondHalfPeakMiB = peak(samples.filter((s) => s.t >= half));
  const bounded = Math.max(firstHalfPeakMiB, secondHalfPeakMiB) - beforeMiB <= FLOOD_BOUND_MIB;
  log(
    `  memory: ${mib} MiB flood, stalled viewer, ${seconds.toFixed(0)} s: RSS ${beforeMiB.toFixed(0)} MiB before, peaks ${firstHalfPeakMiB.toFixed(0)} / ${secondHalfPeakMiB.toFixed(0)} MiB (first / second half)`,
  );
  return { mib, seconds, beforeMiB, firstHalfPeakMiB, secondHalfPeakMiB, bounded };
}
