#!/usr/bin/env node
// Builds the single paseo binary: esbuild bundle → SEA assets → SEA blob → pinned Node 24 runtime + blob.
//
//   node scripts/build.mjs [--entry cli/src/main.ts] [--out dist/paseo] [--bundle-only]
//                          [--no-code-cache] [--no-strip] [--target linux-arm64] [--sidecar FILE]
//
// Intermediate files go to dist/sea/<name of --out>/. Progress goes to stderr. Run it with any Node
// ≥ 20; the blob is always made by this machine's pinned runtime (scripts/node-runtime.sh), the same
// Node version as the target's runtime, so it fits another platform's binary too (--target: then without
// the V8 code cache, which only loads on the platform that made it; Node's SEA docs).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { kib, prepareAssets } from './build/assets.mjs';
import { bundle } from './build/bundle.mjs';
import { injectBlob, makeBlob } from './build/sea.mjs';
import { HOST_TARGET, runTarget, sidecarFile, TARGETS } from './build/targets.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: opts } = parseArgs({
  options: {
    entry: { type: 'string', default: 'cli/src/main.ts' },
    out: { type: 'string', default: 'dist/paseo' },
    'bundle-only': { type: 'boolean', default: false },
    'no-code-cache': { type: 'boolean', default: false },
    'no-strip': { type: 'boolean', default: false },
    target: { type: 'string', default: HOST_TARGET },
    sidecar: { type: 'string' },
  },
});
if (!TARGETS[opts.target])
  throw new Error(`--target ${opts.target}: paseo builds for ${Object.keys(TARGETS).join(', ')}`);

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

/** The pinned runtime for `target` (this machine's when omitted): its path, and for this machine's, its version. */
function runtime(target) {
  const run = spawnSync(join(root, 'scripts', 'node-runtime.sh'), target ? [target] : [], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (run.status !== 0) throw new Error(`scripts/node-runtime.sh ${target ?? ''} failed`);
  const node = run.stdout.trim();
  if (target) return { node };
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

  const target = TARGETS[opts.target];
  const cross = opts.target !== HOST_TARGET;
  const {
    node,
    version: nodeVersion,
    modules,
  } = await step('runtime', () => {
    const r = runtime();
    return { ...r, detail: `${rel(r.node)} (${r.version}, ABI ${r.modules})` };
  });
  // The binary's base: this machine's runtime, or the same version built for the target.
  const base = cross
    ? await step(`${opts.target} runtime`, () => {
        const r = runtime(opts.target);
        return { ...r, detail: rel(r.node) };
      })
    : { node };

  const { assets } = await step('assets', () => {
    const sidecar = resolve(root, opts.sidecar ?? sidecarFile(root, opts.target));
    const r = prepareAssets({ root, outDir: workDir, version, modules, ...target, sidecar });
    for (const line of r.summary) log(`  ${line}`);
    return { ...r, detail: Object.keys(r.assets).join(', ') };
  });

  // The code cache makes blobs differ from run to run, so "up to date" is decided on the inputs.
  const useCodeCache = !opts['no-code-cache'] && !cross;
  const strip = opts['no-strip'] ? undefined : target.strip;
  const stamp = join(workDir, 'inputs.sha256');
  const seaScript = join(root, 'scripts', 'build', 'sea.mjs');
  const key = inputsKey([mainScript, ...Object.values(assets), seaScript, base.node], {
    node,
    nodeVersion,
    useCodeCache,
    strip,
  });
  if (existsSync(out) && existsSync(stamp) && readFileSync(stamp, 'utf8') === key) {
    log(`${rel(out)} is up to date (same bundle, assets and runtime), ${kib(statSync(out).size)}`);
    return checkVersion(out, entry, workDir, version, opts.target);
  }
  const blob = await step('SEA blob', () => {
    const b = makeBlob({ node, root, workDir, main: mainScript, assets, useCodeCache });
    return { blob: b, detail: `${rel(b)}, ${kib(statSync(b).size)}${useCodeCache ? ', with code cache' : ''}` };
  });

  await step(`inject into ${nodeVersion} ${opts.target} runtime`, async () => {
    const { stripped } = await injectBlob({ node: base.node, blob: blob.blob, out, strip });
    writeFileSync(stamp, key);
    return { detail: `${rel(out)}, ${kib(statSync(out).size)}${stripped ? ', stripped' : ''}` };
  });

  await checkVersion(out, entry, workDir, version, opts.target);
  log(`done in ${since(started)}`);
}

/** sha256 over the files' paths and bytes, and the options. */
function inputsKey(files, options) {
  const hash = createHash('sha256').update(JSON.stringify(options));
  for (const file of files) hash.update(file).update(readFileSync(file));
  return hash.digest('hex');
}

/**
 * For the real CLI: `<out> --version` must print the version with no Node and an empty environment (for
 * another platform under its emulator when this machine has one: scripts/build/targets.mjs).
 */
async function checkVersion(out, entry, cwd, version, targetName) {
  if (entry !== join(root, 'cli', 'src', 'main.ts')) return;
  const command = runTarget(targetName, out, ['--version']);
  if (!command) {
    log(`${rel(out)} --version not run: this machine cannot run ${targetName} binaries`);
    return;
  }
  await step(
    `check \`paseo --version\` with an empty environment${command.via ? ` (under ${command.via})` : ''}`,
    () => {
      const run = spawnSync(command.file, command.args, { cwd, env: { PATH: '/usr/bin:/bin' }, encoding: 'utf8' });
      if (run.status !== 0 || !run.stdout.includes(version)) {
        throw new Error(
          `${rel(out)} --version: exit ${run.status}, stdout ${JSON.stringify(run.stdout)}, stderr ${run.stderr}`,
        );
      }
      return { detail: run.stdout.trim() };
    },
  );
}

main().catch((error) => {
  log(`FAILED: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
