// The state folder: PASEO_HOME, default ~/.paseo. Every file the daemon keeps lives here, and those files
// decide who may control this computer (devices/ holds the keys it accepts), so the folder must be the
// user's own: nobody else may own it or write to it.
import { mkdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** A state folder paseo must not use; the message names it and the fix. */
export class HomeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HomeError';
  }
}

/** The state folder (not created). */
export function paseoHome(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.PASEO_HOME;
  return resolve(fromEnv && fromEnv.trim() !== '' ? fromEnv : join(homedir(), '.paseo'));
}

/** Longest unix socket path Linux accepts, in bytes (sun_path is 108 bytes with its final NUL). */
export const MAX_SOCKET_PATH_BYTES = 107;

/** Creates the state folder (mode 0700) if needed, checks it is the user's own and usable, and returns it. */
export function ensureHome(home: string = paseoHome()): string {
  checkSocketPath(home);
  mkdirSync(home, { recursive: true, mode: 0o700 });
  checkPrivateFolder(home);
  return home;
}

/** Throws a HomeError when the control socket's path in `home` would be too long for a unix socket. */
export function checkSocketPath(home: string): void {
  const bytes = Buffer.byteLength(homePaths(home).socket);
  if (bytes > MAX_SOCKET_PATH_BYTES) {
    throw new HomeError(
      `The state folder ${home} is too deep for paseo's control socket: its path would be ${bytes} bytes and a unix socket allows ${MAX_SOCKET_PATH_BYTES}. Set PASEO_HOME to a shorter folder, such as ~/.paseo.`,
    );
  }
}

/**
 * Throws a HomeError unless `dir` is a folder owned by this user that no other user can write to
 * (symbolic links are followed: what counts is the folder actually used). A missing folder passes.
 */
export function checkPrivateFolder(dir: string): void {
  const uid = process.getuid?.();
  const st = statSync(dir, { throwIfNoEntry: false });
  if (uid === undefined || !st) return;
  if (!st.isDirectory()) throw new HomeError(`${dir} is not a folder. Set PASEO_HOME to a folder of your own.`);
  if (st.uid !== uid) {
    throw new HomeError(
      `paseo will not use ${dir}: it belongs to another user (uid ${st.uid}), who could add devices to it. Set PASEO_HOME to a folder of your own, such as ~/.paseo.`,
    );
  }
  if ((st.mode & 0o022) !== 0) {
    throw new HomeError(
      `paseo will not use ${dir}: other users can write to it and could add devices to it. Run \`chmod 700 ${dir}\`, then try again.`,
    );
  }
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
