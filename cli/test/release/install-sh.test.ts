// install.sh as a user runs it (`curl -fsSL …/install.sh | sh`: the script on sh's stdin), against an HTTP
// server on 127.0.0.1 serving the release folder `make release` wrote (dist/release). uname and id are
// stand-ins where the test needs another machine (arm64, FreeBSD) or a user other than root.
import { spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../integration/harness.js';
import { VERSION } from './smoke.js';

const release = join(REPO_ROOT, 'dist', 'release');
const INSTALL_TIMEOUT_MS = 60_000;
const scratch = mkdtempSync(join(tmpdir(), 'paseo-install-sh-'));
let server: Server;
let base: string;

/** /good/<file>: the release as built; /tampered/: its SHA256SUMS lies about paseo-linux-x64. */
function serve(variant: string, file: string): Buffer | undefined {
  if (!/^[\w.-]+$/.test(file) || !existsSync(join(release, file))) return undefined;
  const bytes = readFileSync(join(release, file));
  if (variant === 'good') return bytes;
  if (variant === 'tampered' && file === 'SHA256SUMS') {
    return Buffer.from(bytes.toString().replace(/^[0-9a-f]{64}(?= {2}paseo-linux-x64$)/m, '0'.repeat(64)));
  }
  return variant === 'tampered' ? bytes : undefined;
}

beforeAll(async () => {
  for (const f of ['install.sh', 'SHA256SUMS', 'paseo-linux-x64', 'paseo-linux-arm64']) {
    if (!existsSync(join(release, f))) throw new Error(`dist/release/${f} does not exist: run \`make release\` first.`);
  }
  server = createServer((req, res) => {
    const [, variant = '', file = ''] = (req.url ?? '').split('/');
    const body = serve(variant, file);
    res.writeHead(body ? 200 : 404).end(body ?? 'not found');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(scratch, { recursive: true, force: true });
});

/** A folder of stand-ins: uname answering `os`/`arch`, id -u answering `uid`. */
function fakes(name: string, os: string, arch: string, uid: number): string {
  const dir = join(scratch, `fakes-${name}`);
  mkdirSync(dir);
  const write = (file: string, text: string) => {
    writeFileSync(join(dir, file), text);
    chmodSync(join(dir, file), 0o755);
  };
  write('uname', `#!/bin/sh\ncase "$1" in -s) echo ${os} ;; -m) echo ${arch} ;; *) exec /bin/uname "$@" ;; esac\n`);
  write('id', `#!/bin/sh\nif [ "$1" = -u ]; then echo ${uid}; else exec /usr/bin/id "$@"; fi\n`);
  return dir;
}

/**
 * `curl -fsSL $url/install.sh | sh` with HOME=`home` and the given stand-ins first on PATH. Asynchronous:
 * the HTTP server answering curl lives in this process.
 */
function install(home: string, fakeDir: string, env: Record<string, string> = {}) {
  mkdirSync(home, { recursive: true });
  const child = spawn('sh', [], {
    env: { HOME: home, PATH: `${fakeDir}:/usr/bin:/bin`, ...env },
    detached: true, // its own process group: a timeout stops curl too
  });
  child.stdin.end(readFileSync(join(release, 'install.sh')));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), INSTALL_TIMEOUT_MS);
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    }),
  );
}

const sameBytes = (a: string, b: string) => readFileSync(a).equals(readFileSync(b));

describe('install.sh', () => {
  it('is published as scripts/install.sh (with the release address when `make release RELEASE_URL=…` gives one)', () => {
    const published = readFileSync(join(release, 'install.sh'), 'utf8');
    const source = readFileSync(join(REPO_ROOT, 'scripts', 'install.sh'), 'utf8');
    expect(published.replace(/^PASEO_RELEASE_URL_DEFAULT='[^']*'$/m, "PASEO_RELEASE_URL_DEFAULT=''")).toBe(source);
    expect(readFileSync(join(release, 'SHA256SUMS'), 'utf8')).toMatch(/^[0-9a-f]{64} {2}install\.sh$/m);
  });

  it('installs the linux-x64 binary to ~/.local/bin, checked against SHA256SUMS, and says what is next', async () => {
    const home = join(scratch, 'home-x64');
    const r = await install(home, fakes('x64', 'Linux', 'x86_64', 1000), { PASEO_RELEASE_URL: `${base}/good` });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const dest = join(home, '.local', 'bin', 'paseo');
    expect(r.stdout).toBe(
      [
        'Downloading paseo-linux-x64…',
        `Installed paseo ${VERSION} to ${dest} (checked against SHA256SUMS).`,
        `${home}/.local/bin is not on your PATH: add it, e.g. in ~/.profile: export PATH="${home}/.local/bin:$PATH"`,
        '',
        'Next:',
        `  ${dest} up                   start paseo; it shows a QR code to pair your phone`,
        `  ${dest} service install      start it at every login`,
        '',
      ].join('\n'),
    );
    expect(sameBytes(dest, join(release, 'paseo-linux-x64'))).toBe(true);
    expect(statSync(dest).mode & 0o777).toBe(0o755);
    expect(readdirSync(join(home, '.local', 'bin'))).toEqual(['paseo']);
  });

  it('installs into PASEO_INSTALL_DIR over an older paseo; on the PATH, the next step is plain `paseo up`', async () => {
    const dir = join(scratch, 'opt-bin');
    mkdirSync(dir);
    writeFileSync(join(dir, 'paseo'), 'an older paseo');
    const fakeDir = fakes('dir', 'Linux', 'amd64', 1000);
    const r = await install(join(scratch, 'home-dir'), fakeDir, {
      PASEO_RELEASE_URL: `${base}/good/`,
      PASEO_INSTALL_DIR: dir,
      PATH: `${fakeDir}:${dir}:/usr/bin:/bin`,
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('\nNext:\n  paseo up ');
    expect(r.stdout).not.toContain('not on your PATH');
    expect(sameBytes(join(dir, 'paseo'), join(release, 'paseo-linux-x64'))).toBe(true);
  });

  it('picks linux-arm64 on an aarch64 machine (which this x64 machine then cannot start, and says so)', async () => {
    const home = join(scratch, 'home-arm64');
    const r = await install(home, fakes('arm64', 'Linux', 'aarch64', 1000), { PASEO_RELEASE_URL: `${base}/good` });
    expect(r.stdout).toBe('Downloading paseo-linux-arm64…\n');
    expect(r.stderr).toContain(
      `paseo install: installed ${home}/.local/bin/paseo, but it does not start on this computer`,
    );
    expect(r.status).toBe(1);
    expect(sameBytes(join(home, '.local', 'bin', 'paseo'), join(release, 'paseo-linux-arm64'))).toBe(true);
  });

  it('refuses a binary that does not match SHA256SUMS and installs nothing', async () => {
    const home = join(scratch, 'home-tampered');
    const r = await install(home, fakes('tampered', 'Linux', 'x86_64', 1000), {
      PASEO_RELEASE_URL: `${base}/tampered`,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /paseo install: paseo-linux-x64 does not match SHA256SUMS \(expected 0{64}, got [0-9a-f]{64}\): nothing was installed\./,
    );
    expect(existsSync(join(home, '.local'))).toBe(false);
  });

  it.each([
    ['FreeBSD', 'amd64', 'there is no paseo binary for FreeBSD; with Node 20 or later, try `npm install -g paseo`.'],
    ['Linux', 'riscv64', 'there is no paseo binary for riscv64 computers (only x64 and arm64).'],
    ['Darwin', 'arm64', 'this release has no paseo for darwin-arm64 (it has: linux-arm64, linux-x64).'],
  ])('on %s %s says which platforms it has', async (os, arch, sentence) => {
    const home = join(scratch, `home-${os}-${arch}`);
    const r = await install(home, fakes(`${os}-${arch}`, os, arch, 1000), { PASEO_RELEASE_URL: `${base}/good` });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`paseo install: ${sentence}\n`);
    expect(existsSync(join(home, '.local'))).toBe(false);
  });

  it('refuses a plain-http release address that is not this machine, before downloading anything', async () => {
    const r = await install(join(scratch, 'home-http'), fakes('http', 'Linux', 'x86_64', 1000), {
      PASEO_RELEASE_URL: 'http://example.invalid/release',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      'paseo install: the release address must start with https:// (got http://example.invalid/release).\n',
    );
  });
});
