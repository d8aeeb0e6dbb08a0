#!/usr/bin/env node
// Builds the single paseo binary: esbuild bundle → SEA assets → SEA blob → pinned Node 24 runtime + blob.
//
//   node scripts/build.mjs [--entry cli/src/main.ts] [--out dist/paseo] [--bundle-only]
//                          [--no-code-cache] [--no-strip]
//
// Intermediate files go to dist/sea/<name of --out>/. Progress goes to stderr. Run it with any Node
// ≥ 20; the blob is always made by the pinned runtime printed by scripts/node-runtime.sh.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { kib, prepareAssets } from './build/assets.mjs';
import { bundle } from './build/bundle.mjs';
import { injectBlob, makeBlob } from './build/sea.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: opts } = parseArgs({
  options: {
    entry: { type: 'string', default: 'cli/src/main.ts' },
    out: { type: 'string', default: 'dist/paseo' },
    'bundle-only': { type: 'boolean', default: false },
    'no-code-cache': { type: 'boolean', default: false },
    'no-strip': { type: 'boolean', default: false },
  },
});

const started = performance.now();
const log = (line) => process.stderr.write(`[build] ${line}\n`);
const since = (t) => `${Math.round(performance.now() - t)} ms`;
const rel = (p) => relative(root, p) || '.';

async function step(title, fn) {
  const t = performance.now();
  const result = await fn();
  const detail = typeof result?.detail === 'string' ? `: ${result.detail}` : '';
  log(`${title}${detail} (${since(t)})`);
  return result;
}

function runtime() {
  const run = spawnSync(join(root, 'scripts', 'node-runtime.sh'), {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (run.status !== 0) throw new Error('scripts/node-runtime.sh failed');
  const node = run.stdout.trim();
  const info = spawnSync(node, ['-p', 'process.version + " " + process.versions.modules'], { encoding: 'utf8' });
  const [version, modules] = info.stdout.trim().split(' ');
  if (!version?.startsWith('v24.')) throw new Error(`the pinned runtime ${node} is ${version}, expected Node 24`);
  return { node, version, modules };
}

async function main() {
  const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
  const entry = resolve(root, opts.entry);
  const out = resolve(root, opts.out);
  const workDir = join(root, 'dist', 'sea', basename(out));
  const mainScript = join(workDir, 'main.cjs');
  mkdirSync(workDir, { recursive: true });
  mkdirSync(dirname(out), { recursive: true });
  log(`paseo ${version}: ${rel(entry)} → ${rel(out)}`);

  await step(`bundle ${rel(mainScript)}`, async () => {
    const { bytes, warnings } = await bundle({ root, entry: rel(entry), outfile: rel(mainScript), version });
    for (const w of warnings)
      log(`  esbuild warning: ${w.text}${w.location ? ` (${w.location.file}:${w.location.line})` : ''}`);
    return { detail: kib(bytes) };
  });
  if (opts['bundle-only']) return;

  const {
    node,
    version: nodeVersion,
    modules,
  } = await step('runtime', () => {
    const r = runtime();
    return { ...r, detail: `${rel(r.node)} (${r.version}, ABI ${r.modules})` };
  });

  const { assets } = await step('assets', () => {
    const r = prepareAssets({ root, outDir: workDir, version, modules });
    for (const line of r.summary) log(`  ${line}`);
    return { ...r, detail: Object.keys(r.assets).join(', ') };
  });

  // The code cache makes blobs differ from run to run, so "up to date" is decided on the inputs.
  const useCodeCache = !opts['no-code-cache'];
  const strip = !opts['no-strip'];
  const stamp = join(workDir, 'inputs.sha256');
  const seaScript = join(root, 'scripts', 'build', 'sea.mjs');
  const key = inputsKey([mainScript, ...Object.values(assets), seaScript], { node, nodeVersion, useCodeCache, strip });
  if (existsSync(out) && existsSync(stamp) && readFileSync(stamp, 'utf8') === key) {
    log(`${rel(out)} is up to date (same bundle, assets and runtime), ${kib(statSync(out).size)}`);
    return checkVersion(out, entry, workDir, version);
  }
  const blob = await step('SEA blob', () => {
    const b = makeBlob({ node, root, workDir, main: mainScript, assets, useCodeCache });
    return { blob: b, detail: `${rel(b)}, ${kib(statSync(b).size)}${useCodeCache ? ', with code cache' : ''}` };
  });

  await step(`inject into ${nodeVersion} runtime`, async () => {
    const { stripped } = await injectBlob({ node, blob: blob.blob, out, strip });
    writeFileSync(stamp, key);
    return { detail: `${rel(out)}, ${kib(statSync(out).size)}${stripped ? ', stripped' : ''}` };
  });

  await checkVersion(out, entry, workDir, version);
  log(`done in ${since(started)}`);
}

/** sha256 over the files' paths and bytes, and the options. */
function inputsKey(files, options) {
  const hash = createHash('sha256').update(JSON.stringify(options));
  for (const file of files) hash.update(file).update(readFileSync(file));
  return hash.digest('hex');
}

/** For the real CLI: `<out> --version` must print the version with no Node and an empty environment. */
async function checkVersion(out, entry, cwd, version) {
  if (entry !== join(root, 'cli', 'src', 'main.ts')) return;
  await step('check `paseo --version` with an empty environment', () => {
    const run = spawnSync(out, ['--version'], { cwd, env: { PATH: '/usr/bin:/bin' }, encoding: 'utf8' });
    if (run.status !== 0 || !run.stdout.includes(version)) {
      throw new Error(
        `${rel(out)} --version: exit ${run.status}, stdout ${JSON.stringify(run.stdout)}, stderr ${run.stderr}`,
      );
    }
    return { detail: run.stdout.trim() };
  });
}

main().catch((error) => {
  log(`FAILED: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
