// Ctrl-C during `yes`: once output streams at the client, send \x03 and watch the output stop. Stop time =
// arrival of the last output byte − sending of Ctrl-C (output has stopped when the command ended and
// nothing more arrived for 300 ms). Also reports how many bytes still arrived after Ctrl-C.
import { median, now, sleep, type TermPath, withTimeout } from './common.js';

export interface InterruptResult {
  path: string;
  stopMs: number;
  bytesAfter: number;
  runsMs: number[];
  errors: string[];
}

const QUIET_MS = 300;

async function once(path: TermPath): Promise<{ stopMs: number; bytesAfter: number }> {
  const term = await path.spawn(['yes']);
  try {
    let received = 0;
    let last = 0;
    let flowing: () => void = () => {};
    const flowingP = new Promise<void>((r) => (flowing = r));
    term.onData((b) => {
      received += b.length;
      last = now();
      if (received >= 1024 * 1024) flowing();
    });
    await withTimeout(flowingP, 10_000, `${path.name}: yes output`);
    await sleep(100); // steady state
    const before = received;
    const t0 = now();
    term.write('\x03');
    await withTimeout(term.exited, 10_000, `${path.name}: exit after Ctrl-C`);
    while (now() - last < QUIET_MS) await sleep(QUIET_MS - (now() - last) + 1);
    return { stopMs: Math.max(0, last - t0), bytesAfter: received - before };
  } finally {
    await term.close();
  }
}

export async function measureInterrupt(
  paths: TermPath[],
  reps: number,
  log: (s: string) => void,
): Promise<InterruptResult[]> {
  const runs = new Map<string, { stopMs: number; bytesAfter: number }[]>(paths.map((p) => [p.name, []]));
  const errors = new Map<string, string[]>(paths.map((p) => [p.name, []]));
  for (let r = 0; r < reps; r++) {
    for (const path of paths) {
      let run: { stopMs: number; bytesAfter: number };
      try {
        run = await once(path);
      } catch (err) {
        errors.get(path.name)!.push((err as Error).message);
        log(`  interrupt ${path.name} run ${r + 1}/${reps} FAILED: ${(err as Error).message}`);
        continue;
      }
      runs.get(path.name)!.push(run);
      log(
        `  interrupt ${path.name} run ${r + 1}/${reps}: ${run.stopMs.toFixed(1)} ms, ${run.bytesAfter} bytes after Ctrl-C`,
      );
    }
  }
  return paths.map((p) => {
    const rs = runs.get(p.name)!;
    return {
      path: p.name,
      stopMs: median(rs.map((x) => x.stopMs)),
      bytesAfter: median(rs.map((x) => x.bytesAfter)),
      runsMs: rs.map((x) => x.stopMs),
      errors: errors.get(p.name)!,
    };
  });
}
