// The platforms paseo builds a single binary for, and how this machine runs one (qemu-user for arm64).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * platform/arch: Node's names (the node-pty prebuild folder, the npm runtime package node-<platform>-<arch>);
 * goos/goarch: the sidecar's cross-compilation; strip: the binutils that strips that runtime (if any).
 */
export const TARGETS = {
  'linux-x64': { platform: 'linux', arch: 'x64', goos: 'linux', goarch: 'amd64', strip: 'strip' },
  'linux-arm64': { platform: 'linux', arch: 'arm64', goos: 'linux', goarch: 'arm64', strip: 'aarch64-linux-gnu-strip' },
};

/** This machine's target (its pinned runtime makes every blob). */
export const HOST_TARGET = `${process.platform}-${process.arch}`;

/** Debian's libc6-arm64-cross puts an aarch64 glibc here; `qemu-aarch64 -L` loads binaries with it. */
export const ARM64_SYSROOT = '/usr/aarch64-linux-gnu';

/** The sidecar for a target: `make sidecar`'s for this machine, else the cross-compiled one in dist/sidecar/. */
export function sidecarFile(root, target) {
  return target === HOST_TARGET
    ? join(root, 'sidecar', 'paseo-sidecar')
    : join(root, 'dist', 'sidecar', target, 'paseo-sidecar');
}

/**
 * Cross-compiles the sidecar for `target` into sidecarFile() (static: CGO off, like `make sidecar`) and
 * returns its path; this machine's is `make sidecar`'s, built before. Go's build cache makes a rebuild
 * of unchanged sources take seconds.
 */
export function buildSidecar(root, target) {
  const file = sidecarFile(root, target);
  if (target === HOST_TARGET) {
    if (!existsSync(file)) throw new Error(`${file} is missing: run \`make sidecar\` first`);
    return file;
  }
  const { goos, goarch } = TARGETS[target];
  mkdirSync(dirname(file), { recursive: true });
  const env = { ...process.env, GOOS: goos, GOARCH: goarch, CGO_ENABLED: '0', GOTOOLCHAIN: 'local' };
  const r = spawnSync('go', ['build', '-trimpath', '-ldflags', '-s -w', '-o', file, '.'], {
    cwd: join(root, 'sidecar'),
    env,
    stdio: 'inherit',
  });
  if (r.status !== 0)
    throw new Error(`go build of the ${target} sidecar failed (${r.error?.message ?? `exit ${r.status}`})`);
  return file;
}

/**
 * How to run `file args` built for `target` here: directly for this machine's, under qemu-aarch64 for
 * linux-arm64 when Debian's qemu-user and libc6-arm64-cross are installed; undefined otherwise.
 */
export function runTarget(target, file, args) {
  if (target === HOST_TARGET) return { file, args };
  if (target === 'linux-arm64' && hasQemuArm64()) {
    return { file: 'qemu-aarch64', args: ['-L', ARM64_SYSROOT, file, ...args], via: 'qemu-aarch64' };
  }
  return undefined;
}

export function hasQemuArm64() {
  return (
    spawnSync('qemu-aarch64', ['-version'], { stdio: 'ignore' }).status === 0 &&
    existsSync(join(ARM64_SYSROOT, 'lib', 'ld-linux-aarch64.so.1'))
  );
}
