// Throughput: `cat` of a large build-log-like file, from the command's start until its last byte is at
// the client. Repetitions go round-robin over the paths (so drift on the shared cores hits all alike).
// Reported: median MiB/s of the file, and the CPU time spent per MiB by the client process and by the
// server processes (paseo daemon, ttyd, bare ws server), which tells where a slow path spends its time.
import {
  type BenchFile,
  cpuSeconds,
  MiB,
  machineCpu,
  median,
  now,
  selfCpuSeconds,
  sleep,
  type TermPath,
  threadCpu,
  threadCpuText,
  withTimeout,
} from './common.js';

export interface ThroughputResult {
  path: string;
  runs: number[];
  mibPerSec: number;
  clientCpuMsPerMiB: number;
  serverCpuMsPerMiB: number;
  /** Share of both cores busy during the runs (everything: client, server, the command, the kernel), %. */
  machineBusyPct: number;
  /** Bytes received in the last run, and what was expected. */
  receivedBytes: number;
  expectedBytes: number;
  /** Runs that failed, with why. */
  errors: string[];
}

interface Run {
  mibPerSec: number;
  clientCpu: number;
  serverCpu: number;
  machineBusyPct: number;
  received: number;
  /** The server's CPU by kind of thread (one-process servers), for the log. */
  threads: string;
}

async function once(path: TermPath, file: BenchFile): Promise<Run> {
  const expected = path.name === 'bare ws' ? file.bytes : file.ptyBytes;
  const cpu0 = selfCpuSeconds();
  const m0 = machineCpu();
  const start = now();
  const term = await path.spawn(['cat', file.path]);
  const pids = term.serverPids();
  const server0 = pids.reduce((s, p) => s + cpuSeconds(p), 0);
  const threads0 = pids.length === 1 ? threadCpu(pids[0]!) : undefined;
  let received = 0;
  let last = start;
  let resolveDone: () => void = () => {};
  const done = new Promise<void>((r) => (resolveDone = r));
  term.onData((b) => {
    received += b.length;
    last = now();
    if (received >= expected) resolveDone();
  });
  // Output may still trail a reported exit by a little (node-pty): wait for quiet after it.
  void term.exited.then(async () => {
    for (;;) {
      const seen = received;
      await sleep(300);
      if (received === seen) break;
    }
    resolveDone();
  });
  try {
    await withTimeout(done, 120_000, `${path.name} throughput`);
  } catch (err) {
    const about = await term.describe?.().catch((e: unknown) => String(e));
    await term.close().catch(() => {});
    throw new Error(`${(err as Error).message}: received ${received} of ${expected} bytes${about ? `; ${about}` : ''}`);
  }
  const clientCpu = selfCpuSeconds() - cpu0;
  const serverCpu = pids.reduce((s, p) => s + cpuSeconds(p), 0) - server0;
  const threads = threads0 ? threadCpuText(threads0, threadCpu(pids[0]!), file.bytes / MiB) : '';
  const m1 = machineCpu();
  const machineBusyPct = (100 * (m1.busy - m0.busy)) / (m1.total - m0.total);
  await withTimeout(term.exited, 10_000, `${path.name} exit`).catch(() => {});
  await term.close();
  // ttyd drops the output it still holds when the command exits (its writable callback closes first):
  // tolerate that shortfall there, nowhere else.
  const slack = path.name === 'ttyd' ? 256 * 1024 : 0;
  if (received < expected - slack) {
    const about = await term.describe?.().catch((e: unknown) => String(e));
    throw new Error(`${path.name}: received ${received} of ${expected} bytes${about ? ` (${about})` : ''}`);
  }
  return {
    mibPerSec: file.bytes / MiB / ((last - start) / 1000),
    clientCpu,
    serverCpu,
    machineBusyPct,
    received,
    threads,
  };
}

export async function measureThroughput(
  paths: TermPath[],
  file: BenchFile,
  reps: number,
  log: (s: string) => void,
): Promise<ThroughputResult[]> {
  const runs = new Map<string, Run[]>(paths.map((p) => [p.name, []]));
  const errors = new Map<string, string[]>(paths.map((p) => [p.name, []]));
  for (let r = 0; r < reps; r++) {
    for (const path of paths) {
      let run: Run;
      try {
        run = await once(path, file);
      } catch (err) {
        errors.get(path.name)!.push((err as Error).message);
        log(`  throughput ${path.name} run ${r + 1}/${reps} FAILED: ${(err as Error).message}`);
        continue;
      }
      runs.get(path.name)!.push(run);
      const cpu = `client CPU ${run.clientCpu.toFixed(2)} s, server CPU ${run.serverCpu.toFixed(2)} s, machine ${run.machineBusyPct.toFixed(0)}% busy`;
      log(`  throughput ${path.name} run ${r + 1}/${reps}: ${run.mibPerSec.toFixed(1)} MiB/s (${cpu})`);
      if (run.threads) log(`    ${path.name} threads: ${run.threads}`);
    }
  }
  const fileMiB = file.bytes / MiB;
  return paths.map((p) => {
    const rs = runs.get(p.name)!;
    return {
      path: p.name,
      runs: rs.map((x) => x.mibPerSec),
      mibPerSec: median(rs.map((x) => x.mibPerSec)),
      clientCpuMsPerMiB: (median(rs.map((x) => x.clientCpu)) * 1000) / fileMiB,
      serverCpuMsPerMiB: (median(rs.map((x) => x.serverCpu)) * 1000) / fileMiB,
      machineBusyPct: median(rs.map((x) => x.machineBusyPct)),
      receivedBytes: rs[rs.length - 1]?.received ?? 0,
      expectedBytes: p.name === 'bare ws' ? file.bytes : file.ptyBytes,
      errors: errors.get(p.name)!,
    };
  });
}
