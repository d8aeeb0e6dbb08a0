// The linux-arm64 release binary (`make release`), run on this x64 machine by qemu-user: its version, then
// up / pair / run / down. Debian's qemu-user and libc6-arm64-cross are needed (.ci/run installs them):
// qemu-aarch64 -L loads the binary with that aarch64 glibc. Its own children (the agent's shell) are this
// machine's programs and run natively.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../integration/harness.js';
import { smokeTest, VERSION } from './smoke.js';

const SYSROOT = '/usr/aarch64-linux-gnu';
const bin = join(REPO_ROOT, 'dist', 'release', 'paseo-linux-arm64');
const qemu = (file: string, args: string[]): [string, string[]] => ['qemu-aarch64', ['-L', SYSROOT, file, ...args]];
/** Emulated V8 is slow: one CLI command may take several seconds. */
const COMMAND_TIMEOUT_MS = 90_000;

function requireTools(): void {
  if (!existsSync(bin)) throw new Error(`${bin} does not exist: run \`make release\` first.`);
  const q = spawnSync('qemu-aarch64', ['-version'], { encoding: 'utf8' });
  if (q.status !== 0 || !existsSync(join(SYSROOT, 'lib', 'ld-linux-aarch64.so.1'))) {
    throw new Error('qemu-aarch64 and an aarch64 glibc are needed: apt-get install qemu-user libc6-arm64-cross');
  }
}

describe('the linux-arm64 binary under qemu-user', () => {
  it('is an aarch64 executable that prints its version with an empty environment', () => {
    requireTools();
    expect(readFileSync(bin).subarray(0, 20).readUInt16LE(18), 'ELF e_machine: EM_AARCH64 (183)').toBe(183);
    const [cmd, args] = qemu(bin, ['--version']);
    const r = spawnSync(cmd, args, { env: { PATH: '/usr/bin:/bin' }, encoding: 'utf8', timeout: COMMAND_TIMEOUT_MS });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe(VERSION);
  });

  it('embeds the arm64 sidecar, which runs', () => {
    requireTools();
    const manifest = JSON.parse(
      readFileSync(join(REPO_ROOT, 'dist', 'sea', 'paseo-linux-arm64', 'manifest.json'), 'utf8'),
    );
    const sidecar = join(REPO_ROOT, 'dist', 'sidecar', 'linux-arm64', 'paseo-sidecar');
    const sha256 = createHash('sha256').update(readFileSync(sidecar)).digest('hex');
    expect(manifest.assets.sidecar.sha256).toBe(sha256);
    const [cmd, args] = qemu(sidecar, ['--help']);
    const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: COMMAND_TIMEOUT_MS });
    expect(r.stderr).toContain('usage: paseo-sidecar --state-dir DIR');
  });

  it(
    'runs up, pairs a device, runs an agent in a PTY and goes down',
    async () => {
      requireTools();
      await smokeTest('arm64', {
        argv: (args) => qemu(bin, args),
        daemon: false,
        commandTimeoutMs: COMMAND_TIMEOUT_MS,
      });
    },
    10 * COMMAND_TIMEOUT_MS,
  );
});
