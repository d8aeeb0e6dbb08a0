// How to start this same paseo again, for the detached daemon (`up --daemon`) and the login service:
// the single binary itself, or the JavaScript runtime (Node or Deno) with the entry script.
import { realpathSync } from 'node:fs';
import * as sea from 'node:sea';

/** What runs paseo: the single binary (a Node SEA), Node with the npm package's script, or Deno. */
export type Runtime = 'binary' | 'node' | 'deno';

interface DenoGlobal {
  execPath(): string;
}

function deno(): DenoGlobal | undefined {
  return (globalThis as { Deno?: DenoGlobal }).Deno;
}

/** The runtime running this process. */
export function runtime(): Runtime {
  if (sea.isSea()) return 'binary';
  return deno() ? 'deno' : 'node';
}

/**
 * The absolute command line that runs this paseo with `args`, as [program, arguments]: the binary;
 * `node [its flags] /abs/entry.mjs`; or `deno run -A /abs/entry.mjs` (Deno needs its permissions
 * again: -A, as the documented `deno run -A`).
 */
export function selfCommand(args: string[]): [string, string[]] {
  const d = deno();
  if (sea.isSea()) return [process.execPath, args];
  const entry = realpathSync(process.argv[1] ?? '');
  if (d) return [d.execPath(), ['run', '-A', entry, ...args]];
  return [process.execPath, [...process.execArgv, entry, ...args]];
}
