// The SEA assets: what gets embedded, and the formats cli/src/assets.ts reads back.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/**
 * Writes the asset files into `outDir` (the web archive and the manifest; the addon and the sidecar are
 * referenced where they are) and returns { assets: { key: absolutePath }, summary: [lines] } for the
 * SEA config. `modules` is the pinned runtime's process.versions.modules (the addon ABI); platform/arch
 * pick node-pty's prebuild; `sidecar` is the tailnet sidecar built for that platform.
 */
export function prepareAssets({ root, outDir, version, modules, platform, arch, sidecar }) {
  mkdirSync(outDir, { recursive: true });
  const files = {};
  const summary = [];

  const addon = join(
    root,
    'node_modules',
    '@homebridge',
    'node-pty-prebuilt-multiarch',
    'prebuilds',
    `${platform}-${arch}`,
    `node.abi${modules}.node`,
  );
  if (!existsSync(addon)) {
    throw new Error(
      `node-pty has no prebuilt addon for ABI ${modules} (${addon}); run npm ci, or pin a runtime it supports`,
    );
  }
  files['pty-addon'] = { path: addon, executable: true };

  if (existsSync(sidecar)) files.sidecar = { path: sidecar, executable: true };
  else summary.push(`sidecar: ${relative(root, sidecar)} not built, the binary will have no tailnet sidecar`);

  const web = packWebDir(join(root, 'web', 'dist'));
  if (web.count > 0) {
    const archive = join(outDir, 'web.bin');
    writeFileSync(archive, web.archive);
    files.web = { path: archive, executable: false };
    summary.push(`web: ${web.count} files, ${kib(web.archive.length)}`);
  } else {
    summary.push('web: web/dist is missing or empty, the binary will have no web UI');
  }

  const manifest = { version, assets: {} };
  const assets = {};
  for (const [name, { path, executable }] of Object.entries(files)) {
    const bytes = readFileSync(path);
    manifest.assets[name] = { sha256: sha256(bytes), size: bytes.length, executable };
    assets[name] = path;
    if (name !== 'web') summary.push(`${name}: ${relative(root, path)}, ${kib(bytes.length)}`);
  }
  const manifestPath = join(outDir, 'manifest.json');
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  assets.manifest = manifestPath;
  return { assets, summary };
}

/**
 * The web UI as one asset: u32 BE header length, a JSON header { files: [{ path, offset, size, sha256 }] }
 * (path is the URL path, offset counts from the end of the header), then the files back to back.
 */
export function packWebDir(dir) {
  const list =
    existsSync(dir) && statSync(dir).isDirectory()
      ? readdirSync(dir, { recursive: true, withFileTypes: true })
          // Source maps stay out of the binary: they are for debugging a development build.
          .filter((entry) => entry.isFile() && !entry.name.endsWith('.map'))
          .map((entry) => join(entry.parentPath, entry.name))
          .sort()
      : [];
  const files = [];
  const chunks = [];
  let offset = 0;
  for (const file of list) {
    const bytes = readFileSync(file);
    files.push({
      path: `/${relative(dir, file).split(sep).join('/')}`,
      offset,
      size: bytes.length,
      sha256: sha256(bytes),
    });
    chunks.push(bytes);
    offset += bytes.length;
  }
  const header = Buffer.from(JSON.stringify({ files }), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(header.length, 0);
  return { archive: Buffer.concat([length, header, ...chunks]), count: files.length };
}

export function kib(n) {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`;
}
