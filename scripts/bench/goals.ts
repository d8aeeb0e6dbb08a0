// The one-screen summary: every goal of the terminal data path (issue 12) with paseo's figure, the
// baseline it is compared with (measured in the same run), the ratio, the target and whether it is met.
import { FLOOD_BOUND_MIB } from './memory.js';
import type { BenchResult } from './result.js';

interface Goal {
  goal: string;
  value: string;
  baseline: string;
  ratio: string;
  target: string;
  met: boolean | undefined;
}

const fmt = (v: number | undefined, digits = 1): string =>
  v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits);

function ratioGoal(
  goal: string,
  value: number | undefined,
  baseline: number | undefined,
  baselineName: string,
  unit: string,
  target: { atLeast?: number; atMost?: number },
  digits = 1,
): Goal {
  const ratio = value !== undefined && baseline !== undefined && baseline !== 0 ? value / baseline : undefined;
  const ok =
    ratio === undefined || !Number.isFinite(ratio)
      ? undefined
      : (target.atLeast === undefined || ratio >= target.atLeast) &&
        (target.atMost === undefined || ratio <= target.atMost);
  return {
    goal,
    value: `${fmt(value, digits)} ${unit}`,
    baseline: `${fmt(baseline, digits)} (${baselineName})`,
    ratio: ratio === undefined || !Number.isFinite(ratio) ? '—' : `${ratio.toFixed(2)}×`,
    target: target.atLeast !== undefined ? `≥ ${target.atLeast}×` : `≤ ${target.atMost}×`,
    met: ok,
  };
}

function absoluteGoal(goal: string, value: number | undefined, unit: string, atMost: number, digits = 1): Goal {
  return {
    goal,
    value: `${fmt(value, digits)} ${unit}`,
    baseline: '—',
    ratio: '—',
    target: `≤ ${atMost} ${unit}`,
    met: value === undefined || !Number.isFinite(value) ? undefined : value <= atMost,
  };
}

/** The goals, evaluated on one run's results. */
export function goals(r: BenchResult): Goal[] {
  const tp = (p: string) => r.throughput.find((x) => x.path === p);
  const lat = (p: string) => r.latency.find((x) => x.path === p);
  const intr = r.interrupt.find((x) => x.path === 'paseo');
  const page = (p: string) => r.pages.find((x) => x.path === p);
  const out: Goal[] = [
    ratioGoal('cat → decrypting client', tp('paseo')?.mibPerSec, tp('ttyd')?.mibPerSec, 'ttyd', 'MiB/s', {
      atLeast: 1,
    }),
    ratioGoal('cat → decrypting client', tp('paseo')?.mibPerSec, tp('node-pty')?.mibPerSec, 'node-pty', 'MiB/s', {
      atLeast: 0.8,
    }),
    ratioGoal('daemon CPU per MiB', tp('paseo')?.serverCpuMsPerMiB, tp('ttyd')?.serverCpuMsPerMiB, 'ttyd', 'ms/MiB', {
      atMost: 2,
    }),
    ratioGoal('cat → page in Chromium', page('paseo')?.mibPerSec, page('ttyd')?.mibPerSec, 'ttyd page', 'MiB/s', {
      atLeast: 1,
    }),
    ratioGoal('keystroke echo idle p50', lat('paseo')?.idle.p50, lat('ttyd')?.idle.p50, 'ttyd', 'ms', { atMost: 2 }, 2),
    absoluteGoal('keystroke echo in a flood p99', lat('paseo')?.flood?.p99, 'ms', 10, 2),
    absoluteGoal('Ctrl-C in yes → output stops', intr?.stopMs, 'ms', 50),
    absoluteGoal('  bytes after Ctrl-C', intr ? intr.bytesAfter / 1024 : undefined, 'KiB', 64),
    absoluteGoal('RSS per idle session (full scrollback)', r.memory?.perSessionMiB, 'MiB', 5, 2),
    {
      goal: `RSS during a ${fmt(r.memory?.flood?.mib, 0)} MiB flood, stalled viewer`,
      value: r.memory?.flood
        ? `${fmt(r.memory.flood.firstHalfPeakMiB, 0)} → ${fmt(r.memory.flood.secondHalfPeakMiB, 0)} MiB`
        : '—',
      baseline: r.memory?.flood ? `${fmt(r.memory.flood.beforeMiB, 0)} MiB before` : '—',
      ratio: '—',
      target: `rise ≤ ${FLOOD_BOUND_MIB} MiB`,
      met: r.memory?.flood?.bounded,
    },
    absoluteGoal('pairing link → device stored', r.pairing?.pairMs, 'ms', 500, 0),
    absoluteGoal('  first contentful paint', r.pairing?.firstPaintMs, 'ms', 200, 0),
    {
      goal: 'handshakes per second of one core',
      value: `${fmt(r.handshakes?.perDaemonCpuSecond, 0)} /s`,
      baseline: '—',
      ratio: '—',
      target: '≥ 2000 /s',
      met: r.handshakes ? r.handshakes.perDaemonCpuSecond >= 2000 : undefined,
    },
    ratioGoal(
      '  echo p50 in a handshake flood',
      r.handshakes?.echoFlood?.p50,
      r.handshakes?.echoIdle?.p50,
      'idle',
      'ms',
      { atMost: 2 },
      2,
    ),
  ];
  return out;
}

/** The summary as text lines. */
export function goalLines(r: BenchResult): string[] {
  const rows = goals(r);
  const head = ['goal', 'paseo', 'baseline (same run)', 'ratio', 'target', 'met'];
  const cells = rows.map((g) => [
    g.goal,
    g.value,
    g.baseline,
    g.ratio,
    g.target,
    g.met === undefined ? '—' : g.met ? 'yes' : 'NO',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] as string).length)));
  const line = (c: string[]) => c.map((x, i) => (i === 0 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join('  ');
  return ['goals (issue 12):', line(head), ...cells.map(line)];
}
