// The login service behind `paseo service`: one interface over the platform's service manager
// (systemd user units on Linux, launchd agents on macOS).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, unlinkSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../state/state-file.js';
import { launchdManager } from './launchd.js';
import type { Run, ServiceManager, ServicePlatform } from './platform.js';
import type { ServiceSpec } from './spec.js';
import { systemdManager } from './systemd.js';

export type { Run, RunResult, ServiceManager, ServicePlatform, ServiceState } from './platform.js';

/** How long one service-manager command may take, in milliseconds. */
export const SERVICE_COMMAND_TIMEOUT_MS = 30_000;

/** Runs a command; a missing program is a failed run (status null), not an exception. */
export const runCommand: Run = (command, args) => {
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: SERVICE_COMMAND_TIMEOUT_MS });
  return { status: r.error ? null : r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? r.error?.message ?? '' };
};

/** The manager for this platform, or undefined where paseo has none (not Linux or macOS). */
export function serviceManager(
  log: string,
  platform: NodeJS.Platform = process.platform,
  overrides: Partial<ServicePlatform> = {},
): ServiceManager | undefined {
  const info = userInfo();
  const p: ServicePlatform = {
    homeDir: homedir(),
    user: info.username,
    uid: info.uid,
    env: process.env,
    log,
    run: runCommand,
    ...overrides,
  };
  if (platform === 'linux') return systemdManager(p);
  if (platform === 'darwin') return launchdManager(p);
  return undefined;
}

/** Writes the service file for `spec` (mode 0644: it holds no secret). */
export function writeServiceFile(manager: ServiceManager, spec: ServiceSpec): void {
  mkdirSync(dirname(manager.file), { recursive: true });
  writeFileAtomic(manager.file, manager.render(spec), 0o644);
}

/**
 * Stops and disables the service where the manager runs, then removes its file.
 * False when there was no file (nothing installed).
 */
export function removeService(manager: ServiceManager, managerRuns: boolean): boolean {
  if (!existsSync(manager.file)) return false;
  if (managerRuns) manager.deactivate();
  unlinkSync(manager.file);
  if (managerRuns) manager.forget();
  return true;
}
