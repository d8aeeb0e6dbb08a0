#!/usr/bin/env node
// `make release`: the single binary for every target into dist/release/, with install.sh and SHA256SUMS.
//
//   node scripts/release.mjs [--out dist/release] [--url URL] [TARGET…]   (default: every target)
//
// Per target: the Go sidecar cross-compiled (static, CGO off), then scripts/build.mjs --target (the pinned
// Node runtime for that platform from the npm registry, node-pty's prebuild for it, the blob made here).
// --url (or RELEASE_URL): where the release will be served, written into the published install.sh so
// that `curl -fsSL URL/install.sh | sh` needs nothing else.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { kib } from './build/assets.mjs';
import { buildSidecar, TARGETS } from './build/targets.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    out: { type: 'string', default: 'dist/release' },
    url: { type: 'string', default: process.env.RELEASE_URL ?? '' },
  },
});
const targets = positionals.length ? positionals : Object.keys(TARGETS);
const out = resolve(root, opts.out);
const log = (line) => process.stderr.write(`[release] ${line}\n`);
const started = performance.now();
const seconds = (t) => `${((performance.now() - t) / 1000).toFixed(1)} s`;

function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`})`);
}

/** install.sh as published: with the release's address as its default when --url is given. */
function writeInstaller() {
  const source = readFileSync(join(root, 'scripts', 'install.sh'), 'utf8');
  const marker = /^PASEO_RELEASE_URL_DEFAULT=''$/m;
  if (!marker.test(source)) throw new Error("scripts/install.sh lost its line PASEO_RELEASE_URL_DEFAULT=''");
  const url = opts.url.replace(/\/+$/, '');
  if (url && !/^https:\/\/[^\s'"]+$/.test(url)) throw new Error(`--url must be an https:// address, not ${url}`);
  writeFileSync(join(out, 'install.sh'), source.replace(marker, `PASEO_RELEASE_URL_DEFAULT='${url}'`), {
    mode: 0o755,
  });
}

function main() {
  for (const name of targets) if (!TARGETS[name]) throw new Error(`unknown target ${name}`);
  mkdirSync(out, { recursive: true });
  // A previous release's binaries for targets not built now must not end up in SHA256SUMS.
  for (const file of readdirSync(out)) if (!targets.some((t) => file === `paseo-${t}`)) rmSync(join(out, file));
  for (const name of targets) {
    const t = performance.now();
    const sidecar = buildSidecar(root, name);
    log(`${name}: sidecar ${relative(root, sidecar)}, ${kib(statSync(sidecar).size)} (${seconds(t)})`);
    const binary = join(out, `paseo-${name}`);
    run(process.execPath, [
      join(root, 'scripts', 'build.mjs'),
      '--target',
      name,
      '--sidecar',
      sidecar,
      '--out',
      relative(root, binary),
    ]);
    log(`${name}: ${relative(root, binary)}, ${kib(statSync(binary).size)} (${seconds(t)})`);
  }
  writeInstaller();
  const files = readdirSync(out)
    .filter((f) => f !== 'SHA256SUMS')
    .sort();
  const sums = files.map(
    (f) =>
      `${createHash('sha256')
        .update(readFileSync(join(out, f)))
        .digest('hex')}  ${f}\n`,
  );
  writeFileSync(join(out, 'SHA256SUMS'), sums.join(''));
  log(`${relative(root, out)}: ${files.join(', ')}, SHA256SUMS (${seconds(started)})`);
}

try {
  main();
} catch (error) {
  log(`FAILED: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
