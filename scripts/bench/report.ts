// The printed table (one column per path, paseo first, ratios against each baseline) and the JSON file.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { goalLines } from './goals.js';
import type { BenchResult } from './result.js';

const COLUMNS = ['paseo', 'node-pty', 'ttyd', 'bare ws'];
const LABEL = 38;
const CELL = 11;

function fmt(v: number | null | undefined, digits = 1): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return v.toFixed(digits);
}

function row(label: string, cells: (string | undefined)[]): string {
  return label.padEnd(LABEL) + cells.map((c) => (c ?? '—').padStart(CELL)).join('');
}

/** One cell per column from a per-path lookup. */
function cells<T>(items: T[], key: (t: T) => string, value: (t: T) => string): string[] {
  return COLUMNS.map((c) => {
    const item = items.find((t) => key(t) === c);
    return item ? value(item) : '—';
  });
}

/** paseo's value over each column's value (for "×" rows). */
function ratios(values: Map<string, number>, digits = 2): string[] {
  const p = values.get('paseo');
  return COLUMNS.map((c) => {
    const v = values.get(c);
    if (p === undefined || v === undefined || !Number.isFinite(p) || !Number.isFinite(v) || v === 0) return '—';
    return `${(p / v).toFixed(digits)}×`;
  });
}

export function printReport(r: BenchResult): void {
  const lines: string[] = [];
  lines.push('');
  lines.push(
    `paseo terminal benchmark — ${r.machine.cpus} cores, Node ${r.machine.node}, ${r.config.fileMiB.toFixed(0)} MiB file (${r.config.fileLines} lines), ` +
      `${r.config.reps} reps, ${r.config.samples} keystrokes, ${r.seconds.toFixed(0)} s`,
  );
  lines.push(
    `machine busy with other work before the run: ${r.machine.backgroundBusyPct.toFixed(0)}% (figures are noisy when this is not ~0)`,
  );
  lines.push('medians over the reps; "paseo ÷" rows are paseo\'s figure over that column\'s, measured in this run');
  lines.push('');
  lines.push(row('', COLUMNS));
  if (r.throughput.length > 0) {
    const t = r.throughput;
    lines.push(
      row(
        'cat → client, MiB/s',
        cells(
          t,
          (x) => x.path,
          (x) => fmt(x.mibPerSec),
        ),
      ),
    );
    lines.push(row('  paseo ÷', ratios(new Map(t.map((x) => [x.path, x.mibPerSec])))));
    lines.push(
      row(
        '  client CPU, ms per MiB',
        cells(
          t,
          (x) => x.path,
          (x) => fmt(x.clientCpuMsPerMiB),
        ),
      ),
    );
    lines.push(
      row(
        '  both cores busy, %',
        cells(
          t,
          (x) => x.path,
          (x) => fmt(x.machineBusyPct, 0),
        ),
      ),
    );
    lines.push(
      row(
        '  server CPU, ms per MiB',
        cells(
          t,
          (x) => x.path,
          (x) => (x.path === 'node-pty' ? '—' : fmt(x.serverCpuMsPerMiB)),
        ),
      ),
    );
  }
  if (r.latency.length > 0) {
    const l = r.latency;
    lines.push(
      row(
        'keystroke → echo idle, p50 ms',
        cells(
          l,
          (x) => x.path,
          (x) => fmt(x.idle.p50, 2),
        ),
      ),
    );
    lines.push(row('  paseo ÷ (p50)', ratios(new Map(l.map((x) => [x.path, x.idle.p50])))));
    lines.push(
      row(
        'keystroke → echo idle, p99 ms',
        cells(
          l,
          (x) => x.path,
          (x) => fmt(x.idle.p99, 2),
        ),
      ),
    );
    lines.push(
      row(
        'keystroke → echo in flood, p50 ms',
        cells(
          l,
          (x) => x.path,
          (x) => fmt(x.flood?.p50, 2),
        ),
      ),
    );
    lines.push(row('  paseo ÷ (p50)', ratios(new Map(l.filter((x) => x.flood).map((x) => [x.path, x.flood!.p50])))));
    lines.push(
      row(
        'keystroke → echo in flood, p99 ms',
        cells(
          l,
          (x) => x.path,
          (x) => fmt(x.flood?.p99, 2),
        ),
      ),
    );
    lines.push(
      row(
        '  flood at its own client, MiB/s',
        cells(
          l,
          (x) => x.path,
          (x) => fmt(x.floodMiBps),
        ),
      ),
    );
  }
  if (r.interrupt.length > 0) {
    const i = r.interrupt;
    lines.push(
      row(
        'Ctrl-C in yes → output stops, ms',
        cells(
          i,
          (x) => x.path,
          (x) => fmt(x.stopMs),
        ),
      ),
    );
    lines.push(row('  paseo ÷', ratios(new Map(i.map((x) => [x.path, x.stopMs])))));
    lines.push(
      row(
        '  KiB arriving after Ctrl-C',
        cells(
          i,
          (x) => x.path,
          (x) => fmt(x.bytesAfter / 1024),
        ),
      ),
    );
  }
  if (r.handshakes) {
    const h = r.handshakes;
    lines.push('');
    lines.push(
      `paseo handshakes (paired device, pairing excluded): ${fmt(h.perDaemonCpuSecond, 0)} per second of the daemon's one core ` +
        `(${fmt(h.perSecond, 0)}/s wall clock, daemon at ${fmt(h.daemonCpuPct, 0)}% of a core, ${h.failures} failed)`,
    );
    if (h.echoIdle && h.echoFlood)
      lines.push(
        `paseo echo p50 idle ${fmt(h.echoIdle.p50, 2)} ms, during a ${fmt(h.floodPerSecond, 0)} handshakes/s flood ${fmt(h.echoFlood.p50, 2)} ms ` +
          `(${fmt(h.echoFlood.p50 / h.echoIdle.p50, 2)}×; p99 ${fmt(h.echoIdle.p99, 2)} → ${fmt(h.echoFlood.p99, 2)} ms)`,
      );
  }
  if (r.pages.length > 0) {
    const byPath = new Map(r.pages.map((x) => [x.path, x.mibPerSec]));
    lines.push(
      row(
        `cat → page in Chromium (${r.config.pageMiB} MiB), MiB/s`.slice(0, LABEL - 1),
        COLUMNS.map((c) => (byPath.has(c as 'paseo') ? fmt(byPath.get(c as 'paseo')) : '—')),
      ),
    );
    lines.push(row('  paseo ÷ (ttyd: its own page)', ratios(byPath)));
    const costs = r.pages.find((x) => x.costs)?.costs;
    if (costs)
      lines.push(
        `  in the page, per MiB: noble decrypt ${fmt(costs.decryptMsPerMiB)} ms, xterm.js write + render ${fmt(costs.renderMsPerMiB)} ms`,
      );
  }
  lines.push('');
  lines.push(...goalLines(r));
  const errors = [
    ...(r.handshakes?.errors ?? []).map((e) => `handshakes: ${e}`),
    ...r.pages.flatMap((x) => x.errors.map((e) => `page ${x.path}: ${e}`)),
    ...(r.memory?.errors ?? []).map((e) => `memory: ${e}`),
    ...(r.pairing?.errors ?? []).map((e) => `pairing: ${e}`),
    ...r.throughput.flatMap((x) => x.errors.map((e) => `throughput ${x.path}: ${e}`)),
    ...r.latency.flatMap((x) => x.errors.map((e) => `latency ${x.path}: ${e}`)),
    ...r.interrupt.flatMap((x) => x.errors.map((e) => `interrupt ${x.path}: ${e}`)),
  ];
  if (r.paseoDrops > 0)
    lines.push(`\npaseo dropped the benchmark's connection ${r.paseoDrops} time(s); it reconnected between runs`);
  if (errors.length > 0)
    lines.push(`\nfailed runs (left out of the medians):\n${errors.map((e) => `  ${e.slice(0, 300)}`).join('\n')}`);
  lines.push('');
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function writeJson(path: string, r: BenchResult): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(r, null, 2)}\n`);
}
