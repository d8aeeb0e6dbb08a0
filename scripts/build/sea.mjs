// The single executable: a SEA preparation blob injected into a copy of the pinned Node 24 runtime.
// Node 24.x has neither `--build-sea` nor `mainFormat`, so: `node --experimental-sea-config` + postject.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const POSTJECT_CLI = createRequire(import.meta.url).resolve('postject/dist/cli.js');
// LIEF (inside postject) prints these for Node's ELF notes; Node's SEA docs call them harmless.
const HARMLESS = /^warning: Can't find string offset for section name '\.note(\.\d+)?'$/;

/**
 * Writes `<workDir>/sea-config.json` and generates the blob with the runtime `node`.
 * useCodeCache: the main script's V8 code cache is in the blob (faster start; import() cannot be used
 * in the main script then, which the bundle step checks). execArgvExtension "none": NODE_OPTIONS from
 * the user's environment never reach paseo.
 */
export function makeBlob({ node, root, workDir, main, assets, useCodeCache = true }) {
  const config = join(workDir, 'sea-config.json');
  const blob = join(workDir, 'sea-prep.blob');
  const seaConfig = {
    main,
    output: blob,
    disableExperimentalSEAWarning: true,
    useSnapshot: false,
    useCodeCache,
    execArgvExtension: 'none',
    assets,
  };
  writeFileSync(config, `${JSON.stringify(seaConfig, null, 2)}\n`);
  const run = spawnSync(node, ['--experimental-sea-config', config], { cwd: root, encoding: 'utf8' });
  if (run.status !== 0) {
    throw new Error(`node --experimental-sea-config failed (${run.status}):\n${run.stderr}${run.stdout}`);
  }
  return blob;
}

/**
 * Copies the runtime to a temporary file next to `out` (stripping its debug info and symbols with the
 * binutils program `strip` names, when it is installed: -18 MB), injects the blob, then renames it to
 * `out`, so `out` is never a half-written binary. Returns { stripped }.
 */
export async function injectBlob({ node, blob, out, strip }) {
  const tmp = join(dirname(out), `.${Date.now()}-${process.pid}.tmp`);
  try {
    const stripped = !!strip && spawnSync(strip, ['-o', tmp, node], { stdio: 'ignore' }).status === 0;
    if (!stripped) copyFileSync(node, tmp);
    chmodSync(tmp, 0o755);
    const run = spawnSync(process.execPath, [POSTJECT_CLI, tmp, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE], {
      encoding: 'utf8',
    });
    if (run.status !== 0) throw new Error(`postject failed (${run.status}):\n${run.stdout}${run.stderr}`);
    const warnings = run.stderr.split('\n').filter((line) => line.trim() && !HARMLESS.test(line));
    for (const line of warnings) process.stderr.write(`[build]   postject: ${line}\n`);
    renameSync(tmp, out);
    return { stripped };
  } finally {
    rmSync(tmp, { force: true });
  }
}
