// The benchmark (bundled and started by run.ts). Measures, in one run, paseo against baselines measured
// in the same run — raw node-pty (in this process), ttyd, and a bare ws pipe — and prints one table:
//   throughput   `cat` of a large file to the client (median MiB/s, ratios)
//   latency      keystroke → echo at the client, p50/p99, idle and while another session floods (`yes`)
//   interrupt    Ctrl-C during `yes` → output stops at the client (median ms, bytes after Ctrl-C)
//   handshakes   Noise handshakes of a paired device the daemon completes per second on its one core,
//                and a paired client's echo p50 idle vs during a bounded handshake flood
//   relay        frames/s, MiB/s and echo p50/p99 through one `paseo relay` node vs a bare ws
//                pass-through (relay.ts)
//   page         `cat` into paseo's page and into ttyd's own page in headless Chromium (page.ts)
//   memory       RSS of 50 idle sessions, and during a flood with a stalled viewer (memory.ts)
//   pairing      pairing link → device stored, and first paint, in headless Chromium (pairing.ts)
// then the goals of issue 12 with their targets (goals.ts).
// Loopback only; every process it starts is stopped. JSON goes to dist/bench/last.json.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toBase64Url } from '../../cli/src/channel/encoding.js';
import { BareWsPath, runBareWsServer } from './barews.js';
import {
  killAllChildren,
  MiB,
  machineCpu,
  makeLogFile,
  removeTempDirs,
  sleep,
  type TermPath,
  tempDir,
} from './common.js';
import { runFloodRole } from './flood.js';
import { FLOOD_HANDSHAKES_PER_S, type HandshakeResult, measureHandshakes, runHandshakeRole } from './handshakes.js';
import { type InterruptResult, measureInterrupt } from './interrupt.js';
import { type LatencyResult, measureLatency } from './latency.js';
import { type MemoryResult, measureMemory } from './memory.js';
import { measurePages, type PageResult } from './page.js';
import { measurePairing, type PairingResult } from './pairing.js';
import { type PaseoDaemon, PaseoPath, pairClient, startPaseo } from './paseo.js';
import { RawPtyPath } from './rawpty.js';
import { measureRelay, type RelayResult, relayReport, runBarePipeRole, runRelayDaemonRole } from './relay.js';
import { printReport, writeJson } from './report.js';
import { measureThroughput, type ThroughputResult } from './throughput.js';
import { findTtyd, TtydPath } from './ttyd.js';

const bundle = fileURLToPath(import.meta.url);
// The repo run.ts was started in (the bundle's own path may be behind a symlinked .cache/, which Node
// resolves: in a git worktree sharing .cache, that is another checkout).
const root = process.env.PASEO_BENCH_ROOT ?? resolve(bundle, '..', '..', '..');

function envInt(name: string, dflt: number): number {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : dflt;
}

async function main(): Promise<void> {
  const roleAt = process.argv.indexOf('--role');
  if (roleAt >= 0) {
    const role = process.argv[roleAt + 1];
    if (role === 'bare-ws-server') return runBareWsServer();
    if (role === 'flood') return runFloodRole(process.argv.slice(roleAt + 2));
    if (role === 'handshakes') return runHandshakeRole(process.argv.slice(roleAt + 2));
    if (role === 'relay-daemon') return runRelayDaemonRole(process.argv.slice(roleAt + 2));
    if (role === 'bare-pipe') return runBarePipeRole();
    throw new Error(`unknown role ${role}`);
  }

  const fileMiB = envInt('BENCH_FILE_MIB', 64);
  const reps = envInt('BENCH_REPS', 5);
  const samples = envInt('BENCH_SAMPLES', 200);
  const pageMiB = envInt('BENCH_PAGE_MIB', 8);
  const floodMiB = envInt('BENCH_FLOOD_MIB', 1024);
  const only = new Set(
    (process.env.BENCH_ONLY ?? 'throughput,latency,interrupt,handshakes,relay,page,memory,pairing')
      .split(',')
      .map((s) => s.trim()),
  );
  const paseoBin = process.env.PASEO_BIN ?? join(root, 'dist', 'paseo');
  if (!existsSync(paseoBin)) throw new Error(`${paseoBin} does not exist: run \`make\` first (or set PASEO_BIN).`);
  const ttydBin = findTtyd(root);
  const log = (s: string): void => void process.stderr.write(`[bench] ${s}\n`);
  const started = performance.now();

  const tmp = tempDir('paseo-bench-data-');
  let daemon: PaseoDaemon | undefined;
  let ttyd: TtydPath | undefined;
  let bare: BareWsPath | undefined;
  let second: PaseoDaemon | undefined;
  const cleanups: (() => Promise<void> | void)[] = [];
  const onSignal = (): void => {
    killAllChildren();
    removeTempDirs();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    log(`paseo: ${paseoBin}`);
    log(
      ttydBin
        ? `ttyd: ${ttydBin}`
        : 'ttyd: not found (apt-get install -y ttyd, or scripts/bench/install-ttyd.sh); its columns stay empty',
    );
    log(`writing a ${fileMiB} MiB build-log-like file…`);
    const file = await makeLogFile(join(tmp, 'build.log'), fileMiB);
    // What else keeps the machine busy (the figures are only comparable within a run when this is high).
    const m0 = machineCpu();
    await sleep(1000);
    const m1 = machineCpu();
    const backgroundBusyPct = (100 * (m1.busy - m0.busy)) / (m1.total - m0.total);
    log(`machine busy before the run (other processes): ${backgroundBusyPct.toFixed(0)}% of all cores`);

    daemon = await startPaseo(paseoBin);
    const paseo = new PaseoPath(await pairClient(daemon, daemon.pairingCode(), 'bench'), daemon.pid, log);
    cleanups.push(() => paseo.close());
    const raw = new RawPtyPath();
    if (ttydBin) ttyd = await TtydPath.start(ttydBin);
    bare = await BareWsPath.start(bundle);
    const want = (p: TermPath): boolean =>
      !process.env.BENCH_PATHS || process.env.BENCH_PATHS.split(',').includes(p.name);
    const ptyPaths: TermPath[] = [paseo, raw, ...(ttyd ? [ttyd] : [])].filter(want);
    const floodCtx = { bundle, daemon, ttydPort: ttyd?.port };

    let throughput: ThroughputResult[] = [];
    let latency: LatencyResult[] = [];
    let interrupt: InterruptResult[] = [];
    let handshakes: HandshakeResult | null = null;
    let relay: RelayResult | null = null;
    if (only.has('throughput')) {
      log(`throughput: cat ${(file.bytes / MiB).toFixed(0)} MiB × ${reps}`);
      throughput = await measureThroughput([...ptyPaths, bare].filter(want), file, reps, log);
    }
    if (only.has('latency')) {
      log(`latency: ${samples} keystrokes per path, idle and during a flood`);
      latency = await measureLatency([...ptyPaths, bare].filter(want), samples, floodCtx, log);
    }
    if (only.has('interrupt')) {
      log(`interrupt: Ctrl-C during yes × ${reps}`);
      interrupt = await measureInterrupt(ptyPaths, reps, log);
    }
    if (only.has('handshakes')) {
      log(`handshakes: replayed CONNECT_INITs, then echo idle and during ${FLOOD_HANDSHAKES_PER_S} handshakes/s`);
      handshakes = await measureHandshakes(bundle, daemon, paseo, samples, log, envInt('BENCH_HANDSHAKE_WINDOWS', 3));
    }
    if (only.has('relay')) {
      log('relay: frames through one paseo relay node vs a bare ws pass-through, 64 B / 1 KiB / 16 KiB');
      relay = await measureRelay(bundle, paseoBin, Math.max(9, reps), samples, log);
    }
    let pages: PageResult[] = [];
    if (only.has('page')) {
      log(`page: cat ${pageMiB} MiB into paseo's page and ttyd's page in headless Chromium × ${reps}`);
      const pageFile = await makeLogFile(join(tmp, 'page.log'), pageMiB);
      const d = daemon;
      pages = await measurePages(
        root,
        {
          url: d.wsUrl.replace(/^ws:/, 'http:').replace(/\/ws$/, '/'),
          pairingFragment: () => `#pair=${d.pairingCode()}&key=${toBase64Url(d.publicKey)}`,
          createSession: (argv) => paseo.createSession(argv),
          killSession: (id) => paseo.killSession(id),
        },
        ttyd?.port,
        pageFile,
        reps,
        log,
      );
    }
    let memory: MemoryResult | null = null;
    let pairing: PairingResult | null = null;
    if (only.has('memory') || only.has('pairing')) {
      // A daemon of its own: its memory is not what the runs above left behind.
      const d = await startPaseo(paseoBin);
      second = d;
      const conn = await (await pairClient(d, d.pairingCode(), 'bench memory'))();
      cleanups.push(() => conn.close());
      const url = d.wsUrl.replace(/^ws:/, 'http:').replace(/\/ws$/, '/');
      if (only.has('pairing')) {
        log(`pairing: pairing link in headless Chromium × ${reps}`);
        const fragment = () => `#pair=${d.pairingCode()}&key=${toBase64Url(d.publicKey)}`;
        pairing = await measurePairing({ url, home: d.home, fragment, reps, burstLeft: 4 }, log);
      }
      if (only.has('memory')) {
        log(`memory: 50 idle sessions, then a ${floodMiB} MiB flood with a stalled viewer`);
        memory = await measureMemory(conn, d.pid, { sessions: 50, floodMiB }, log);
      }
    }
    const seconds = (performance.now() - started) / 1000;
    const result = {
      when: new Date().toISOString(),
      machine: { cpus: (await import('node:os')).cpus().length, node: process.version, backgroundBusyPct },
      config: {
        fileMiB: file.bytes / MiB,
        fileLines: file.newlines,
        pageMiB,
        reps,
        samples,
        paseoBin,
        ttydBin: ttydBin ?? null,
      },
      seconds,
      paseoDrops: paseo.drops,
      throughput,
      latency,
      interrupt,
      handshakes,
      relay,
      pages,
      memory,
      pairing,
    };
    printReport(result);
    if (relay) process.stdout.write(`${relayReport(relay).join('\n')}\n`);
    writeJson(join(root, 'dist', 'bench', 'last.json'), result);
    log(`done in ${seconds.toFixed(0)} s; JSON in dist/bench/last.json`);
  } finally {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => {});
    await bare?.stop().catch(() => {});
    await ttyd?.stop().catch(() => {});
    await daemon?.stop().catch(() => {});
    await second?.stop().catch(() => {});
    killAllChildren();
    removeTempDirs();
  }
}

main().then(
  () => {
    if (!process.argv.includes('--role')) process.exit(0);
  },
  (err: unknown) => {
    process.stderr.write(`[bench] failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    killAllChildren();
    removeTempDirs();
    process.exit(1);
  },
);
