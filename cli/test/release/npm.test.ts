// The npm package (`make npm`: dist/npm/paseo-<version>.tgz), installed globally into a temporary prefix
// with this machine's npm, then run by this machine's Node (20) and by Deno 2 from the npm registry
// (`make deno`): up / pair / run / down each time. The install is --offline: `make npm` put the package's
// dependencies into npm's cache, so the test sends nothing over the network.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../integration/harness.js';
import { smokeTest, VERSION } from './smoke.js';

/** This machine's own Node and npm (not the pinned Node 24 that runs the tests). */
const SYSTEM_PATH = '/usr/local/bin:/usr/bin:/bin';
const systemNode = spawnSync('node', ['--version'], { env: { PATH: SYSTEM_PATH }, encoding: 'utf8' }).stdout?.trim();
const DENO = join(REPO_ROOT, '.cache', 'release', 'deno-2.9.6', 'node_modules', '.bin', 'deno');
const COMMAND_TIMEOUT_MS = 30_000;

let prefix: string;
let entry: string;

beforeAll(() => {
  const dir = join(REPO_ROOT, 'dist', 'npm');
  const tarball = existsSync(dir) ? readdirSync(dir).find((f) => f === `paseo-${VERSION}.tgz`) : undefined;
  if (!tarball) throw new Error(`dist/npm/paseo-${VERSION}.tgz does not exist: run \`make npm\` first.`);
  prefix = mkdtempSync(join(tmpdir(), 'paseo-npm-prefix-'));
  const r = spawnSync(
    'npm',
    ['install', '--global', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', join(dir, tarball)],
    { env: { PATH: SYSTEM_PATH, HOME: process.env.HOME ?? '/root' }, encoding: 'utf8', timeout: 120_000 },
  );
  if (r.status !== 0) throw new Error(`npm install -g of the package failed:\n${r.stdout}${r.stderr}`);
  entry = join(prefix, 'lib', 'node_modules', 'paseo', 'paseo.mjs');
}, 180_000);
afterAll(() => rmSync(prefix, { recursive: true, force: true }));

describe('the npm package', () => {
  it('installs `paseo` on the PATH with the web UI, the Linux sidecars and node-pty as a dependency', () => {
    const pkg = join(prefix, 'lib', 'node_modules', 'paseo');
    expect(existsSync(join(prefix, 'bin', 'paseo'))).toBe(true);
    expect(readFileSync(entry, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(existsSync(join(pkg, 'web', 'index.html'))).toBe(true);
    for (const target of ['linux-x64', 'linux-arm64']) {
      expect(statSync(join(pkg, 'sidecar', target, 'paseo-sidecar')).mode & 0o111, `${target} sidecar`).not.toBe(0);
    }
    expect(existsSync(join(pkg, 'node_modules', '@homebridge', 'node-pty-prebuilt-multiarch', 'package.json'))).toBe(
      true,
    );
  });

  it(`runs up, pairs a device, runs an agent and goes down on this machine's Node (${systemNode})`, async () => {
    expect(Number(/^v(\d+)\./.exec(systemNode ?? '')?.[1]), 'the machine has Node ≥ 20').toBeGreaterThanOrEqual(20);
    await smokeTest('node', {
      argv: (args) => [join(prefix, 'bin', 'paseo'), args],
      env: { PATH: `${join(prefix, 'bin')}:${SYSTEM_PATH}` },
      daemon: true,
      commandTimeoutMs: COMMAND_TIMEOUT_MS,
    });
  }, 120_000);

  it('runs up, pairs a device, runs an agent and goes down under Deno 2 (`deno run -A`)', async () => {
    if (!existsSync(DENO)) throw new Error(`${DENO} does not exist: run \`make deno\` first.`);
    const version = spawnSync(DENO, ['--version'], { encoding: 'utf8' }).stdout;
    expect(version).toMatch(/^deno 2\./);
    await smokeTest('deno', {
      argv: (args) => [DENO, ['run', '-A', entry, ...args]],
      // Deno runs it, and starts itself again (`deno run -A`) for `up --daemon`.
      env: { PATH: '/usr/bin:/bin', DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1' },
      daemon: true,
      commandTimeoutMs: COMMAND_TIMEOUT_MS,
    });
  }, 120_000);
});
