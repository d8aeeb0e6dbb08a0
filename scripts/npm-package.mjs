#!/usr/bin/env node
// `make npm`: the npm package of the CLI, for Node ≥ 20 (`npm install -g`) and Deno 2 (`deno run -A`).
//
//   node scripts/npm-package.mjs [--out dist/npm]
//
// dist/npm/package/ is the package (its package.json is generated here; the repo's own stays private),
// packed by `npm pack` into dist/npm/paseo-<version>.tgz:
//   paseo.mjs             the CLI, one ES module bundled by esbuild (everything but node-pty)
//   web/                  the web UI (web/dist without source maps)
//   sidecar/<target>/     the tailnet sidecar for each Linux target (static Go binaries)
// node-pty stays a dependency: npm installs its prebuilt addon for the machine.
// The packed package is then installed once into a scratch folder (online): that checks it installs, and
// leaves its dependencies in npm's cache, from which cli/test/release/npm.test.ts installs it --offline.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';
import { kib } from './build/assets.mjs';
import { screenWorkerCode } from './build/bundle.mjs';
import { buildSidecar, TARGETS } from './build/targets.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: opts } = parseArgs({ options: { out: { type: 'string', default: 'dist/npm' } } });
const out = resolve(root, opts.out);
const pkgDir = join(out, 'package');
const log = (line) => process.stderr.write(`[npm] ${line}\n`);
const NODE_PTY = '@homebridge/node-pty-prebuilt-multiarch';

/** `node:sea` exists in neither Deno nor early Node 20: the package never runs as a single binary anyway. */
const seaShim = {
  name: 'paseo-no-sea',
  setup(build) {
    build.onResolve({ filter: /^node:sea$/ }, () => ({ path: 'node:sea', namespace: 'paseo-no-sea' }));
    build.onLoad({ filter: /.*/, namespace: 'paseo-no-sea' }, () => ({
      contents: [
        'export const isSea = () => false;',
        'const none = () => { throw new Error("paseo: no embedded assets outside the single binary"); };',
        'export const getAsset = none, getRawAsset = none, getAssetAsBlob = none;',
      ].join('\n'),
      loader: 'js',
    }));
  },
};

async function bundle(rootPkg) {
  const result = await esbuild.build({
    entryPoints: [join(root, 'cli', 'src', 'main.ts')],
    outfile: join(pkgDir, 'paseo.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: false,
    legalComments: 'eof',
    logLevel: 'silent',
    external: [NODE_PTY, 'bufferutil', 'utf-8-validate'],
    // CommonJS dependencies bundled into an ES module still call require() for built-ins.
    banner: {
      js: [
        '#!/usr/bin/env node',
        'import { createRequire as __paseo_createRequire } from "node:module";',
        'const require = __paseo_createRequire(import.meta.url);',
      ].join('\n'),
    },
    define: {
      __PASEO_VERSION__: JSON.stringify(rootPkg.version),
      __PASEO_PACKAGE__: 'true',
      __PASEO_BUNDLED__: 'false',
      // The screen worker's code (cli/src/session/screen-worker-code.ts), as in the single binary.
      __PASEO_SCREEN_WORKER__: JSON.stringify(await screenWorkerCode(root, 'node20')),
    },
    plugins: [seaShim],
  });
  for (const w of result.warnings) log(`esbuild warning: ${w.text}`);
  chmodSync(join(pkgDir, 'paseo.mjs'), 0o755);
}

function packageJson(rootPkg) {
  return {
    name: rootPkg.name,
    version: rootPkg.version,
    description: rootPkg.description,
    license: rootPkg.license,
    type: 'module',
    bin: { paseo: 'paseo.mjs' },
    exports: { '.': './paseo.mjs' },
    engines: rootPkg.engines,
    os: ['linux', 'darwin'],
    dependencies: { [NODE_PTY]: rootPkg.dependencies[NODE_PTY] },
    files: ['paseo.mjs', 'web', 'sidecar', 'README.md'],
  };
}

const README = (version, sidecars) => `# paseo ${version}

Run AI coding agents (Claude Code, Codex, Gemini CLI, Aider, or any command) on your own machine, walk
away, and keep watching and steering them from your phone, end-to-end encrypted.

\`\`\`sh
npm install -g paseo     # Node 20 or later
paseo up                 # prints a QR code: scan it with your phone
\`\`\`

With Deno 2: \`deno run -A npm:paseo up\` (or \`deno install -g -A -n paseo npm:paseo\`).

This package carries the web UI and the tailnet node for ${sidecars.join(', ')}; elsewhere, start it with
\`paseo up --no-tailnet\`. The single-binary releases need no Node at all.
`;

async function main() {
  const started = performance.now();
  const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  rmSync(out, { recursive: true, force: true });
  mkdirSync(pkgDir, { recursive: true });
  await bundle(rootPkg);
  log(`paseo.mjs: ${kib(statSync(join(pkgDir, 'paseo.mjs')).size)}`);

  cpSync(join(root, 'web', 'dist'), join(pkgDir, 'web'), {
    recursive: true,
    filter: (src) => !src.endsWith('.map'),
  });
  const linux = Object.keys(TARGETS).filter((t) => TARGETS[t].platform === 'linux');
  for (const target of linux) {
    const file = join(pkgDir, 'sidecar', target, 'paseo-sidecar');
    mkdirSync(dirname(file), { recursive: true });
    copyFileSync(buildSidecar(root, target), file);
    chmodSync(file, 0o755);
    log(`sidecar/${target}: ${kib(statSync(file).size)}`);
  }
  writeFileSync(join(pkgDir, 'package.json'), `${JSON.stringify(packageJson(rootPkg), null, 2)}\n`);
  writeFileSync(join(pkgDir, 'README.md'), README(rootPkg.version, linux));

  const pack = spawnSync('npm', ['pack', '--silent', '--pack-destination', out], { cwd: pkgDir, encoding: 'utf8' });
  if (pack.status !== 0) throw new Error(`npm pack failed: ${pack.stderr}`);
  const tarball = join(out, pack.stdout.trim().split('\n').pop());
  const scratch = join(out, 'install-check');
  const install = spawnSync('npm', ['install', '--prefix', scratch, '--no-audit', '--no-fund', '--no-save', tarball], {
    encoding: 'utf8',
  });
  if (install.status !== 0) throw new Error(`npm install of ${tarball} failed: ${install.stderr}`);
  rmSync(scratch, { recursive: true, force: true });
  log(
    `${relative(root, tarball)}: ${kib(statSync(tarball).size)} (${((performance.now() - started) / 1000).toFixed(1)} s)`,
  );
}

main().catch((error) => {
  log(`FAILED: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
