// assets.ts and pty/native.ts in development (no SEA), and the web archive format end to end.
// The single binary itself is covered by cli/test/integration/binary.test.ts.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { assetPath, hasAsset, isEmbedded, parseWebArchive, webAssets } from '../../src/assets.js';
import { loadNodePty } from '../../src/pty/native.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'paseo-assets-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('assets in development', () => {
  it('uses the files of the repo', () => {
    expect(isEmbedded()).toBe(false);
    const addon = assetPath('pty-addon');
    expect(addon).toBe(
      join(
        root,
        'node_modules/@homebridge/node-pty-prebuilt-multiarch/prebuilds',
        `${process.platform}-${process.arch}`,
        `node.abi${process.versions.modules}.node`,
      ),
    );
    expect(hasAsset('pty-addon')).toBe(true);
  });

  it('serves web/dist as it is, without reading unchanged files again', () => {
    const first = webAssets();
    const onDisk = existsSync(join(root, 'web', 'dist'))
      ? readdirSync(join(root, 'web', 'dist'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile())
      : [];
    expect(first.size).toBe(onDisk.length);
    const second = webAssets();
    for (const [path, asset] of first) expect(second.get(path)).toBe(asset);
  });

  it('names the missing asset and how to build it', () => {
    if (hasAsset('sidecar')) return;
    expect(() => assetPath('sidecar')).toThrow(/sidecar asset is not available: .*make sidecar/);
  });

  it('loads node-pty and spawns a PTY', async () => {
    const term = loadNodePty().spawn('/bin/sh', ['-c', 'stty size'], {
      cols: 80,
      rows: 24,
      env: { PATH: '/usr/bin:/bin' },
    });
    let output = '';
    term.onData((d) => (output += d));
    const exitCode = await new Promise<number>((done) => term.onExit((e) => done(e.exitCode)));
    expect(exitCode).toBe(0);
    expect(output).toContain('24 80');
  });
});

describe('web archive', () => {
  it('round-trips a folder through packWebDir (build) and parseWebArchive (runtime)', async () => {
    const dir = join(scratch, 'web');
    mkdirSync(join(dir, 'assets'), { recursive: true });
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>paseo</title>');
    writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(join(dir, 'assets', 'logo.bin'), Buffer.from([0, 1, 2, 255]));
    const { archive, count } = (await buildAssets()).packWebDir(dir);
    expect(count).toBe(3);

    const parsed = parseWebArchive(archive);
    expect([...parsed.keys()]).toEqual(['/assets/app.js', '/assets/logo.bin', '/index.html']);
    for (const [path, file] of parsed) {
      expect(Buffer.compare(file.bytes, readFileSync(join(dir, path)))).toBe(0);
    }
    expect(parsed.get('/index.html')!.contentType).toBe('text/html; charset=utf-8');
    expect(parsed.get('/assets/app.js')!.contentType).toBe('text/javascript; charset=utf-8');
    expect(parsed.get('/assets/logo.bin')!.contentType).toBe('application/octet-stream');
    expect(parsed.get('/index.html')!.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(new Set([...parsed.values()].map((f) => f.etag)).size).toBe(3);
  });

  it('packs a missing folder as an empty set', async () => {
    const { archive, count } = (await buildAssets()).packWebDir(join(scratch, 'nope'));
    expect(count).toBe(0);
    expect(parseWebArchive(archive).size).toBe(0);
  });
});

/** scripts/build/assets.mjs (untyped JavaScript, run by the build). */
async function buildAssets() {
  return (await import(join(root, 'scripts', 'build', 'assets.mjs'))) as {
    packWebDir: (dir: string) => { archive: Buffer; count: number };
  };
}
