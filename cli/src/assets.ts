// Embedded assets: the web UI, the node-pty native addon and the tailnet sidecar.
// In the single binary (a Node SEA) they are SEA assets written by scripts/build.mjs; file assets are
// extracted once to PASEO_HOME/cache/<sha256 prefix>/<name> (content addressed, atomic, reused only after
// their SHA-256 matched the manifest embedded in the binary).
// In development (plain node on the repo, or `node dist/sea/paseo/main.cjs`) they are the files in the repo.
// In the npm package (scripts/npm-package.mjs, run by Node or Deno) they are files next to paseo.mjs:
// web/, sidecar/<platform>-<arch>/paseo-sidecar; node-pty is the package's dependency.
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, sep } from 'node:path';
import * as sea from 'node:sea';
import { fileURLToPath } from 'node:url';
import { homePaths, paseoHome } from './state/home.js';
import { writeFileAtomic } from './state/state-file.js';

/** Assets that are single files on disk (the web UI is served from memory: see webAssets()). */
export type FileAssetName = 'sidecar' | 'pty-addon';
export type AssetName = FileAssetName | 'web';

/** One file of the web UI, ready for an HTTP response. `bytes` must not be mutated. */
export interface WebAsset {
  bytes: Buffer;
  contentType: string;
  /** Strong ETag, quoted, from the sha256 of the bytes. */
  etag: string;
}

/** SEA asset 'manifest' (JSON), written by scripts/build.mjs. */
interface AssetManifest {
  version: string;
  assets: Record<string, { sha256: string; size: number; executable: boolean }>;
}

/** Header of the 'web' SEA asset: u32 BE header length, this JSON, then the files' bytes back to back. */
interface WebArchiveHeader {
  files: { path: string; offset: number; size: number; sha256: string }[];
}

export class AssetMissingError extends Error {
  constructor(
    readonly asset: string,
    detail: string,
  ) {
    super(`The ${asset} asset is not available: ${detail}`);
    this.name = 'AssetMissingError';
  }
}

/** True when running as the single binary with embedded assets. */
export function isEmbedded(): boolean {
  return sea.isSea();
}

/** Whether an asset is available (embedded at build time, or present in the repo in development). */
export function hasAsset(name: AssetName): boolean {
  if (isEmbedded()) return Object.hasOwn(manifest().assets, name);
  return existsSync(devPath(name));
}

/**
 * Absolute path of a file asset. In the binary, the first call extracts it to
 * PASEO_HOME/cache/<first 16 hex of its sha256>/<name> (0700 for executables, 0600 otherwise)
 * and later calls, in this process or the next, reuse that file once its SHA-256 matched the manifest
 * (a damaged or replaced file is extracted again). Throws AssetMissingError if the
 * binary was built without it (e.g. no sidecar) or, in development, if the file does not exist.
 */
export function assetPath(name: FileAssetName): string {
  if (!isEmbedded()) {
    const file = devPath(name);
    if (!existsSync(file)) throw new AssetMissingError(name, `${file} does not exist (${hint(name)})`);
    return file;
  }
  const entry = Object.hasOwn(manifest().assets, name) ? manifest().assets[name] : undefined;
  if (!entry) throw new AssetMissingError(name, `this paseo binary was built without it (${hint(name)})`);
  const file = join(homePaths(paseoHome()).cache, entry.sha256.slice(0, 16), name);
  if (!verifiedFiles.has(file)) {
    // Loaded or executed next: only bytes whose SHA-256 is the one embedded in this binary will do.
    if (fileSha256(file) !== entry.sha256) extract(name, entry, file);
    verifiedFiles.add(file);
  }
  return file;
}

/** Cached files whose digest this process checked. */
const verifiedFiles = new Set<string>();

/** The hex SHA-256 of a file, read in chunks; undefined when it does not exist or cannot be read. */
function fileSha256(file: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const hash = createHash('sha256');
    const chunk = Buffer.allocUnsafe(HASH_CHUNK_BYTES);
    for (let n = readSync(fd, chunk); n > 0; n = readSync(fd, chunk)) hash.update(chunk.subarray(0, n));
    return hash.digest('hex');
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Read size when hashing a cached asset, in bytes. */
const HASH_CHUNK_BYTES = 1024 * 1024;

/**
 * The web UI, keyed by URL path ('/index.html', '/assets/app.js', …; no '/' alias: map it yourself).
 * In the binary it is parsed from memory once and the same map is returned on every call; in development
 * web/dist is listed on every call (so a rebuilt bundle shows up; unchanged files are not read again),
 * and a missing web/dist gives an empty map. Cheap enough to call per request.
 */
export function webAssets(): Map<string, WebAsset> {
  if (!isEmbedded()) return readWebDir(devPath('web'));
  cachedWeb ??= Object.hasOwn(manifest().assets, 'web') ? parseWebArchive(Buffer.from(sea.getAsset('web'))) : new Map();
  return cachedWeb;
}

/** Set to true by the npm package's build (scripts/npm-package.mjs); undefined elsewhere. */
declare const __PASEO_PACKAGE__: boolean | undefined;
const IN_PACKAGE = typeof __PASEO_PACKAGE__ === 'boolean' && __PASEO_PACKAGE__;

let cachedManifest: AssetManifest | undefined;
let cachedWeb: Map<string, WebAsset> | undefined;
let cachedRoot: string | undefined;

function manifest(): AssetManifest {
  cachedManifest ??= JSON.parse(sea.getAsset('manifest', 'utf8')) as AssetManifest;
  return cachedManifest;
}

function extract(name: string, entry: AssetManifest['assets'][string], file: string): void {
  const bytes = new Uint8Array(sea.getRawAsset(name)); // a view of the binary's memory: read only
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== entry.sha256 || bytes.length !== entry.size) {
    throw new Error(`Embedded asset ${name} does not match its manifest: the paseo binary is damaged`);
  }
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  // Another process may extract the same bytes meanwhile: the rename is atomic either way.
  writeFileAtomic(file, bytes, entry.executable ? 0o700 : 0o600);
}

/** Reads the 'web' asset format (written by packWebDir in scripts/build/assets.mjs). Exported for tests. */
export function parseWebArchive(archive: Buffer): Map<string, WebAsset> {
  const headerLength = archive.readUInt32BE(0);
  const header = JSON.parse(archive.toString('utf8', 4, 4 + headerLength)) as WebArchiveHeader;
  const base = 4 + headerLength;
  const out = new Map<string, WebAsset>();
  for (const file of header.files) {
    const bytes = archive.subarray(base + file.offset, base + file.offset + file.size);
    out.set(file.path, { bytes, contentType: contentType(file.path), etag: `"${file.sha256.slice(0, 32)}"` });
  }
  return out;
}

/** Development: web/dist as it is now; files unchanged since the last call (mtime, size) are not read again. */
function readWebDir(root: string): Map<string, WebAsset> {
  const out = new Map<string, WebAsset>();
  if (!existsSync(root)) return out;
  const files = readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
  for (const file of files) {
    const urlPath = `/${relative(root, file).split(sep).join('/')}`;
    const { mtimeMs, size } = statSync(file);
    let known = devWebFiles.get(file);
    if (!known || known.mtimeMs !== mtimeMs || known.size !== size) {
      const bytes = readFileSync(file);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      known = { mtimeMs, size, asset: { bytes, contentType: contentType(urlPath), etag: `"${sha256.slice(0, 32)}"` } };
      devWebFiles.set(file, known);
    }
    out.set(urlPath, known.asset);
  }
  return out;
}

const devWebFiles = new Map<string, { mtimeMs: number; size: number; asset: WebAsset }>();

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
};

function contentType(urlPath: string): string {
  return CONTENT_TYPES[extname(urlPath).toLowerCase()] ?? 'application/octet-stream';
}

/** What to do about a missing asset. */
function hint(name: AssetName): string {
  if (!IN_PACKAGE) {
    return { web: 'build it with `make web`', sidecar: 'build it with `make sidecar`', 'pty-addon': 'run `npm ci`' }[
      name
    ];
  }
  if (name === 'sidecar') {
    return `this npm package carries the tailnet node for ${packagedSidecars()} only, not ${process.platform}-${process.arch}: start paseo with --no-tailnet, or use a release binary`;
  }
  return 'the npm package is incomplete: install it again';
}

/** The platforms whose sidecar the npm package carries, e.g. "linux-x64, linux-arm64". */
function packagedSidecars(): string {
  const dir = join(repoRoot(), 'sidecar');
  return existsSync(dir) ? readdirSync(dir).sort().join(', ') : 'no platform';
}

function devPath(name: AssetName): string {
  const root = repoRoot();
  switch (name) {
    case 'web':
      return IN_PACKAGE ? join(root, 'web') : join(root, 'web', 'dist');
    case 'sidecar':
      return IN_PACKAGE
        ? join(root, 'sidecar', `${process.platform}-${process.arch}`, 'paseo-sidecar')
        : join(root, 'sidecar', 'paseo-sidecar');
    case 'pty-addon': {
      const dir = `${process.platform}-${process.arch}`;
      const pkg = join(root, 'node_modules', '@homebridge', 'node-pty-prebuilt-multiarch');
      return join(pkg, 'prebuilds', dir, `node.abi${process.versions.modules}.node`);
    }
    default:
      throw new AssetMissingError(String(name), 'unknown asset name');
  }
}

/** The repo: the nearest folder above this module whose package.json is named "paseo"; in the npm package, its folder. */
function repoRoot(): string {
  if (cachedRoot) return cachedRoot;
  const start = dirname(fileURLToPath(import.meta.url));
  if (IN_PACKAGE) {
    cachedRoot = start;
    return start;
  }
  for (let dir = start; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'paseo') {
      cachedRoot = dir;
      return dir;
    }
    if (dirname(dir) === dir) throw new Error(`Cannot find the paseo repo above ${start} for development assets`);
  }
}
