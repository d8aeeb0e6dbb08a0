// Entry of the benchmark (`make bench`; not a test): paseo's terminal data path against raw node-pty,
// ttyd and a bare WebSocket pipe, measured side by side in one run. See main.ts for what it measures.
//
//   $(scripts/node-runtime.sh) scripts/bench/run.ts
//
// Node 24 strips TypeScript types natively but does not map the repo's `.js` import specifiers to `.ts`
// files, so this launcher bundles main.ts (and the repo sources it imports) with esbuild into dist/bench/
// bench.mjs (this checkout's: .cache/ may be shared by worktrees) and runs that. It installs nothing. Knobs:
//   PASEO_BIN           the paseo binary (default dist/paseo, built by `make`)
//   TTYD_BIN            ttyd (default: `ttyd` on PATH, else .cache/bench/ttyd/bin/ttyd from install-ttyd.sh)
//   BENCH_FILE_MIB      size of the file `cat` prints (default 64)
//   BENCH_REPS          throughput and interrupt repetitions per path (default 5)
//   BENCH_SAMPLES       keystrokes per latency measurement (default 200)
//   BENCH_ONLY          comma list of sections: throughput,latency,interrupt,handshakes,relay,page,memory,pairing
//                       (default all)
//   BENCH_PAGE_MIB      size of the file `cat` prints into the pages in Chromium (default 8)
//   BENCH_FLOOD_MIB     size of the flood with a stalled viewer (default 1024)
//   BENCH_PATHS         comma list of paths to run: paseo,node-pty,ttyd,bare ws (default all)
//   BENCH_HANDSHAKE_WINDOWS  5-second windows of the handshake throughput run, median reported (default 3)
// The handshake figures alone, in about half a minute (for iterating on the daemon's connection path):
//   BENCH_ONLY=handshakes BENCH_FILE_MIB=1 $(scripts/node-runtime.sh) scripts/bench/run.ts
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const outDir = join(root, 'dist', 'bench');
const outfile = join(outDir, 'bench.mjs');
mkdirSync(outDir, { recursive: true });

const esbuild = (await import(
  pathToFileURL(join(root, 'node_modules', 'esbuild', 'lib', 'main.js')).href
)) as typeof import('esbuild');
await esbuild.build({
  entryPoints: [join(root, 'scripts', 'bench', 'main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  absWorkingDir: root,
  // Native and optional modules load from node_modules at run time (dist/bench resolves to the repo's).
  external: [
    '@homebridge/node-pty-prebuilt-multiarch',
    'ws',
    'bufferutil',
    'utf-8-validate',
    'esbuild',
    'playwright-core',
  ],
  banner: {
    js: "import { createRequire as __benchCreateRequire } from 'node:module'; const require = __benchCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
  sourcemap: 'inline',
});

// Run in a child so child roles (bare ws server, flood viewers) and the parent use the same bundle.
const node = process.execPath;
const run = spawnSync(node, ['--enable-source-maps', outfile, ...process.argv.slice(2)], {
  stdio: 'inherit',
  cwd: root,
  env: { ...process.env, PASEO_BENCH_ROOT: root },
});
process.exit(run.status ?? 1);
