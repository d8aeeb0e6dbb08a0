// What the login service runs: this paseo's absolute command line, `up`, the flags the person gave, and a
// small recorded environment. Shared by the systemd unit and the launchd agent.
import type { ArgDef, ArgsDef } from 'citty';
import { selfCommand } from '../self.js';
import { homePaths } from '../state/home.js';

/** Set in the service's environment: the daemon then prints no pairing code (its output is a log). */
export const SERVICE_ENV_DETACHED = 'PASEO_DETACHED';

export interface ServiceSpec {
  /** The absolute program and its arguments, ending with `up` and the recorded flags. */
  argv: string[];
  /** The service's environment, in a stable order. Never holds an auth key. */
  env: [string, string][];
  /** The daemon's log file (launchd writes there; systemd keeps the journal). */
  log: string;
}

/** Builds the spec for `paseo up <flags>` started by this same paseo. */
export function serviceSpec(flags: string[], home: string, env: NodeJS.ProcessEnv = process.env): ServiceSpec {
  const [program, args] = selfCommand(['up', ...flags]);
  // From the installing shell: PATH (agents are found as in your terminal), and when set, the state folder
  // and the locale (agents render UTF-8).
  const recorded: [string, string][] = [[SERVICE_ENV_DETACHED, '1']];
  if (env.PASEO_HOME) recorded.push(['PASEO_HOME', home]);
  if (env.LANG) recorded.push(['LANG', env.LANG]);
  recorded.push(['PATH', env.PATH || '/usr/local/bin:/usr/bin:/bin']);
  return { argv: [program, ...args], env: recorded, log: homePaths(home).log };
}

/** A flag the person gave that `paseo service install` will not record, and why. */
export class ServiceFlagError extends Error {
  override name = 'ServiceFlagError';
}

/**
 * Checks `flags` against `paseo up`'s own flag definitions (so flags added to `up` are accepted as they
 * come) and returns them unchanged. Refuses --daemon (the service manager keeps it running), --authkey
 * (an auth key is never written into a service file) and anything `up` does not know.
 */
export function checkUpFlags(flags: string[], upArgs: ArgsDef): string[] {
  const byName = new Map<string, ArgDef>();
  for (const [name, def] of Object.entries(upArgs)) {
    if (def.type === 'positional') continue;
    byName.set(name, def);
    for (const alias of [('alias' in def && def.alias) || []].flat()) byName.set(alias, def);
  }
  for (let i = 0; i < flags.length; i++) {
    const token = flags[i]!;
    const m = /^(--?)(no-)?([^=]+)(=.*)?$/.exec(token);
    if (!m || token === '--') throw new ServiceFlagError(`"${token}" is not a flag of \`paseo up\`.`);
    const name = byName.has(m[3]!) || !m[2] ? m[3]! : `no-${m[3]}`;
    if (name === 'daemon' || name === 'd') {
      throw new ServiceFlagError('The service keeps paseo running by itself: leave out --daemon.');
    }
    if (name === 'authkey') {
      throw new ServiceFlagError(
        'An auth key is never written into a service file. Join your tailnet once with `paseo up --authkey …` in a terminal (the node remembers it), then install the service without --authkey.',
      );
    }
    const def = byName.get(name);
    if (!def) throw new ServiceFlagError(`${token} is not a flag of \`paseo up\` (see \`paseo up --help\`).`);
    if ((def.type === 'string' || def.type === 'enum') && !m[4]) {
      const value = flags[i + 1];
      if (value === undefined || value.startsWith('-')) throw new ServiceFlagError(`${token} needs a value.`);
      i++;
    }
  }
  return flags;
}
