// Running the daemon in the background (`paseo up --daemon`) and stopping it (`paseo down`): a detached
// child process with its log in PASEO_HOME/daemon.log and its pid in PASEO_HOME/paseo.pid.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, unlinkSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { selfCommand } from '../self.js';
import { homePaths } from '../state/home.js';
import { AUTHKEY_FD, AUTHKEY_FD_ENV, withoutAuthKeyArg, withoutSecrets } from '../state/secrets.js';
import { ControlClient, isDaemonRunning } from './control-client.js';

/** How long `up --daemon` waits for the daemon to answer, in milliseconds. */
export const START_TIMEOUT_MS = 20_000;
/** How long `down` waits for the daemon to exit, in milliseconds. */
export const STOP_TIMEOUT_MS = 15_000;

/** Set in the detached child: it writes the pid file and keeps secrets out of its log. */
export const DETACHED_ENV = 'PASEO_DETACHED';

/**
 * Starts the daemon detached; resolves once it answers on its socket, or rejects with a sentence. The
 * auth key, if any, goes through an inherited pipe: never on the command line, never in the environment.
 */
export async function startDetached(
  home: string,
  upArgs: string[],
  onWait: (elapsedMs: number) => void,
  authKey?: string,
): Promise<number> {
  const paths = homePaths(home);
  const logFd = openSync(paths.log, 'a', 0o600);
  const [cmd, args] = selfCommand(['up', ...withoutAuthKeyArg(upArgs)]);
  const child = spawn(cmd, args, {
    detached: true,
    stdio: ['ignore', logFd, logFd, authKey ? 'pipe' : 'ignore'],
    env: {
      ...withoutSecrets(process.env),
      [DETACHED_ENV]: '1',
      PASEO_HOME: home,
      ...(authKey ? { [AUTHKEY_FD_ENV]: String(AUTHKEY_FD) } : {}),
    },
  });
  closeSync(logFd);
  if (authKey) (child.stdio[AUTHKEY_FD] as Writable).end(authKey);
  let exited: number | null = null;
  child.on('exit', (code) => (exited = code ?? 1));
  child.unref();
  const started = Date.now();
  while (Date.now() - started < START_TIMEOUT_MS) {
    if (exited !== null) {
      throw new Error(
        `paseo stopped right after starting (exit code ${exited}). The reason is at the end of ${paths.log}:\n${tail(paths.log, 8)}`,
      );
    }
    const client = await ControlClient.connect(home).catch(() => undefined);
    if (client) {
      client.close();
      return child.pid ?? 0;
    }
    onWait(Date.now() - started);
    await sleep(150);
  }
  throw new Error(`paseo did not start within ${START_TIMEOUT_MS / 1000} s. See ${paths.log}.`);
}

/** Asks the daemon to stop and waits until it is gone. False when it was not running. */
export async function stopDaemon(home: string): Promise<boolean> {
  const client = await ControlClient.connect(home).catch(() => undefined);
  if (!client) {
    removeStalePid(home);
    return false;
  }
  const pid = readPid(home);
  await client.request({ t: 'shutdown' }).catch(() => undefined);
  client.close();
  const started = Date.now();
  while (Date.now() - started < STOP_TIMEOUT_MS) {
    const still = await isDaemonRunning(home);
    if (!still && (pid === undefined || !alive(pid))) return true;
    await sleep(100);
  }
  throw new Error(`paseo did not stop within ${STOP_TIMEOUT_MS / 1000} s${pid ? ` (pid ${pid})` : ''}.`);
}

/** The pid in the pid file, if any. */
export function readPid(home: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(homePaths(home).pid, 'utf8').trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function removeStalePid(home: string): void {
  const pid = readPid(home);
  if (pid !== undefined && !alive(pid)) {
    try {
      unlinkSync(homePaths(home).pid);
    } catch {
      /* gone */
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
