// paseo's own secrets in the environment, and keeping them out of what it starts. An agent session runs
// whatever its command does: it gets the user's environment minus these. The tailnet auth key reaches the
// detached daemon through an inherited pipe (never its command line, which every user can read with `ps`),
// and the sidecar gets its secrets on stdin (never its environment: /proc/<pid>/environ keeps what a
// process started with, whatever it unsets later).
import { closeSync, readFileSync } from 'node:fs';

/** Environment variables that hold paseo's secrets (or say where to read one). */
export const SECRET_ENV_VARS = ['TS_AUTHKEY', 'TS_AUTH_KEY', 'PASEO_SIDECAR_TOKEN', 'PASEO_AUTHKEY_FD'] as const;

/** Set in the detached daemon's environment: the file descriptor its auth key arrives on. */
export const AUTHKEY_FD_ENV = 'PASEO_AUTHKEY_FD';
/** The file descriptor the detached daemon reads its auth key from (an inherited pipe). */
export const AUTHKEY_FD = 3;

/** A copy of `env` without paseo's secrets. */
export function withoutSecrets(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env };
  for (const name of SECRET_ENV_VARS) delete out[name];
  return out;
}

/** Removes paseo's secrets from this process's environment (what every child inherits by default). */
export function dropSecretsFromEnv(env: NodeJS.ProcessEnv = process.env): void {
  for (const name of SECRET_ENV_VARS) delete env[name];
}

/**
 * The auth key the parent passed on an inherited pipe (`paseo up --daemon`), read to its end and closed;
 * undefined when there is none.
 */
export function takeInheritedAuthKey(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env[AUTHKEY_FD_ENV] !== String(AUTHKEY_FD)) return undefined;
  delete env[AUTHKEY_FD_ENV];
  try {
    return readFileSync(AUTHKEY_FD, 'utf8').trim() || undefined;
  } finally {
    try {
      closeSync(AUTHKEY_FD);
    } catch {
      /* already closed */
    }
  }
}

/** The command line without `--authkey KEY` / `--authkey=KEY` (the key travels another way). */
export function withoutAuthKeyArg(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--authkey') i++;
    else if (!a.startsWith('--authkey=')) out.push(a);
  }
  return out;
}
