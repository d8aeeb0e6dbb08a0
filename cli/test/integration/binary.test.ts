// The single binary, as a user gets it: no Node on PATH, an empty folder, an empty environment.
// dist/paseo (or $PASEO_BIN) and dist/paseo-smoke (or $PASEO_SMOKE_BIN; same build, smoke entry
// cli/test/integration/fixtures/sea-smoke.ts) are built by `make` / `make test` before the tests run.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
const bin = resolve(process.env.PASEO_BIN ?? join(root, 'dist', 'paseo'));
const smokeBin = resolve(process.env.PASEO_SMOKE_BIN ?? join(root, 'dist', 'paseo-smoke'));
const addonAbi = '137'; // process.versions.modules of the pinned Node 24 runtime (checked by scripts/build.mjs)
const repoAddon = join(
  root,
  'node_modules',
  '@homebridge',
  'node-pty-prebuilt-multiarch',
  'prebuilds',
  'linux-x64',
  `node.abi${addonAbi}.node`,
);

interface SmokeResult {
  version: string;
  embedded: boolean;
  assets: Record<'pty-addon' | 'sidecar', string | null>;
  web: { path: string; size: number; type: string; etag: string }[];
  pty: { pid: number; exitCode: number; output: string };
}

let scratch: string;
let emptyPath: string; // a PATH folder with nothing in it: certainly no node

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'paseo-binary-'));
  emptyPath = join(scratch, 'empty-bin');
  mkdirSync(emptyPath);
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function requireBuilt(file: string, how: string): void {
  if (!existsSync(file)) throw new Error(`${file} does not exist: run \`${how}\` first (it builds it).`);
}

/** Runs `file` from a new empty folder with only PATH (no node on it), HOME and the given variables. */
function runIsolated(file: string, args: string[], env: Record<string, string> = {}) {
  const cwd = mkdtempSync(join(scratch, 'cwd-'));
  const home = join(scratch, 'home');
  const run = spawnSync(file, args, {
    cwd,
    env: { PATH: emptyPath, HOME: home, ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
  expect(readdirSync(cwd), 'the binary writes nothing to the current folder').toEqual([]);
  return run;
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

describe('dist/paseo', () => {
  it('prints its version from an empty folder with an empty environment and no node on PATH', () => {
    requireBuilt(bin, 'make');
    const home = join(scratch, 'version-home');
    const run = runIsolated(bin, ['--version'], { PASEO_HOME: home });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe(version);
    expect(existsSync(home), '`paseo --version` extracts no asset and creates no state folder').toBe(false);
  });

  it('ignores NODE_OPTIONS from the environment', () => {
    requireBuilt(bin, 'make');
    const run = runIsolated(bin, ['--version'], { NODE_OPTIONS: '--require /nonexistent/hook.js' });
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe(version);
  });
});

describe('embedded assets (dist/paseo-smoke: the same build, a smoke entry)', () => {
  let home: string;

  function smoke(env: Record<string, string> = {}): SmokeResult {
    const run = runIsolated(smokeBin, [], { PASEO_HOME: home, ...env });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    return JSON.parse(run.stdout) as SmokeResult;
  }

  beforeAll(() => {
    home = join(scratch, 'paseo-home');
  });

  it('extracts the node-pty addon to PASEO_HOME/cache/<sha256 prefix>/ and spawns a real PTY', () => {
    requireBuilt(smokeBin, 'make test');
    const result = smoke();
    expect(result.version).toBe(version);
    expect(result.embedded).toBe(true);

    const addon = result.assets['pty-addon'];
    expect(addon).toBeTypeOf('string');
    const digest = sha256(addon!);
    expect(addon).toBe(join(home, 'cache', digest.slice(0, 16), 'pty-addon'));
    expect(digest, 'the embedded addon is the prebuilt one for the pinned runtime').toBe(sha256(repoAddon));
    expect(statSync(addon!).mode & 0o777).toBe(0o700);
    expect(statSync(join(home, 'cache')).mode & 0o777).toBe(0o700);

    expect(result.pty.exitCode).toBe(0);
    expect(result.pty.pid).toBeGreaterThan(0);
    expect(result.pty.output).toMatch(/tty=\/dev\/pts\/\d+/);
    expect(result.pty.output).toContain('27 91'); // rows cols set through node-pty
  });

  it('reuses the extracted files on the next run without rewriting them', () => {
    requireBuilt(smokeBin, 'make test');
    const first = smoke();
    const files = Object.values(first.assets).filter((f): f is string => f !== null);
    const before = files.map((f) => statSync(f, { bigint: true }));
    const second = smoke();
    expect(second.assets).toEqual(first.assets);
    files.forEach((f, i) => {
      const after = statSync(f, { bigint: true });
      expect(after.ino).toBe(before[i]!.ino);
      expect(after.mtimeNs).toBe(before[i]!.mtimeNs);
    });
    for (const f of files) expect(readdirSync(dirname(f)), 'no temporary file is left').toEqual([basename(f)]);
  });

  it('extracts again a damaged (truncated) cache file', () => {
    requireBuilt(smokeBin, 'make test');
    const addon = smoke().assets['pty-addon']!;
    const digest = sha256(addon);
    truncateSync(addon, 100);
    const result = smoke();
    expect(result.pty.exitCode).toBe(0);
    expect(sha256(addon)).toBe(digest);
  });

  it('extracts again a cached file of the right size whose bytes were changed', () => {
    requireBuilt(smokeBin, 'make test');
    const first = smoke();
    const files = Object.values(first.assets).filter((f): f is string => f !== null);
    for (const file of files) {
      const bytes = readFileSync(file);
      const digest = sha256(file);
      bytes[bytes.length >> 1]! ^= 0xff; // same size, other bytes: a size check would take it
      writeFileSync(file, bytes);
      expect(sha256(file)).not.toBe(digest);
      const result = smoke();
      expect(result.pty.exitCode).toBe(0);
      expect(sha256(file), file).toBe(digest);
    }
  });

  it('survives concurrent first runs sharing one PASEO_HOME', async () => {
    requireBuilt(smokeBin, 'make test');
    const shared = join(scratch, 'concurrent-home');
    const runs = Array.from({ length: 4 }, () => {
      const cwd = mkdtempSync(join(scratch, 'cwd-'));
      const child = spawn(smokeBin, [], { cwd, env: { PATH: emptyPath, HOME: shared, PASEO_HOME: shared } });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      return new Promise<SmokeResult>((done, fail) =>
        child.on('exit', (code) =>
          code === 0 ? done(JSON.parse(out) as SmokeResult) : fail(new Error(`exit ${code}`)),
        ),
      );
    });
    const results = await Promise.all(runs);
    const addon = results[0]!.assets['pty-addon']!;
    for (const r of results) expect(r.assets['pty-addon']).toBe(addon);
    expect(readdirSync(dirname(addon))).toEqual(['pty-addon']);
  });

  it('embeds the sidecar and the web UI', () => {
    requireBuilt(smokeBin, 'make test');
    const sidecar = join(root, 'sidecar', 'paseo-sidecar');
    const webIndex = join(root, 'web', 'dist', 'index.html');
    // `make` builds both before the binary: a binary without them is a broken build, never a reason to skip.
    requireBuilt(sidecar, 'make');
    requireBuilt(webIndex, 'make');
    const result = smoke();
    const extracted = result.assets.sidecar;
    expect(extracted).toBe(join(home, 'cache', sha256(sidecar).slice(0, 16), 'sidecar'));
    expect(sha256(extracted!)).toBe(sha256(sidecar));
    expect(statSync(extracted!).mode & 0o777).toBe(0o700);
    const index = result.web.find((f) => f.path === '/index.html');
    expect(index?.type).toBe('text/html; charset=utf-8');
    expect(index?.size).toBe(statSync(webIndex).size);
  });
});
