// The state folder: PASEO_HOME, default ~/.paseo. Every file the daemon keeps lives here.
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** The state folder (not created). */
export function paseoHome(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.PASEO_HOME;
  return resolve(fromEnv && fromEnv.trim() !== '' ? fromEnv : join(homedir(), '.paseo'));
}

/** Creates the state folder (mode 0700) if needed and returns it. */
export function ensureHome(home: string = paseoHome()): string {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  return home;
}

/** Paths of the files inside the state folder. */
export function homePaths(home: string) {
  return {
    identity: join(home, 'identity.json'),
    devices: join(home, 'devices'),
    socket: join(home, 'paseo.sock'),
    pid: join(home, 'paseo.pid'),
    log: join(home, 'daemon.log'),
    presets: join(home, 'presets.json'),
    recordings: join(home, 'recordings'),
    tailnet: join(home, 'tailnet'),
    cache: join(home, 'cache'),
  };
}
