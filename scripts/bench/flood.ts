// The flood for the latency test: `yes` in another session, watched by another client in a child process
// (its own core and event loop, as another device would be), which consumes and acks as fast as it can.
//   paseo: a second paired device on the same daemon      ttyd: a second ttyd client      node-pty: yes in a PTY
// The child prints FLOWING once output streams, and on SIGTERM stops the session and prints its rate.
import type { ChildProcess } from 'node:child_process';
import { fromBase64Url, toBase64Url } from '../../cli/src/channel/encoding.js';
import { spawnTracked, stopChild, type Term, type TermPath, withTimeout } from './common.js';
import { type PaseoDaemon, PaseoPath, pairClient } from './paseo.js';
import { RawPtyPath } from './rawpty.js';
import { TtydPath } from './ttyd.js';

export interface FloodContext {
  bundle: string;
  daemon: PaseoDaemon;
  ttydPort: number | undefined;
}

/** A flood running in a child; `stop` ends it and returns its rate in MiB/s. */
export interface Flood {
  stop(): Promise<number>;
}

/** Starts the flood that matches `pathName`; resolves once its output streams at its client. */
export async function startFlood(pathName: string, ctx: FloodContext): Promise<Flood> {
  let args: string[];
  if (pathName === 'paseo') {
    args = ['paseo', ctx.daemon.wsUrl, toBase64Url(ctx.daemon.publicKey), ctx.daemon.pairingCode()];
  } else if (pathName === 'ttyd') {
    args = ['ttyd', String(ctx.ttydPort)];
  } else if (pathName === 'node-pty') {
    args = ['node-pty'];
  } else throw new Error(`no flood for ${pathName}`);
  const child: ChildProcess = spawnTracked(process.execPath, [ctx.bundle, '--role', 'flood', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      const check = setInterval(() => {
        if (out.includes('FLOWING')) {
          clearInterval(check);
          resolve();
        }
      }, 10);
      child.once('exit', (code) => {
        clearInterval(check);
        reject(new Error(`flood child (${pathName}) exited with ${code}`));
      });
    }),
    20_000,
    `flood (${pathName}) start`,
  );
  return {
    async stop() {
      await stopChild(child, 10_000);
      const m = /RATE ([\d.]+)/.exec(out);
      return m ? Number(m[1]) : NaN;
    },
  };
}

/** The child side: `bench.mjs --role flood <kind> …`. */
export async function runFloodRole(args: string[]): Promise<void> {
  const kind = args[0];
  let path: TermPath;
  let cleanup: () => Promise<void> = async () => {};
  if (kind === 'paseo') {
    const [, wsUrl, key, code] = args as [string, string, string, string];
    const paseo = new PaseoPath(await pairClient({ wsUrl, publicKey: fromBase64Url(key) }, code, 'bench flood'), 0);
    path = paseo;
    cleanup = async () => paseo.close();
  } else if (kind === 'ttyd') {
    path = TtydPath.connectOnly(Number(args[1]));
  } else if (kind === 'node-pty') {
    path = new RawPtyPath();
  } else throw new Error(`unknown flood kind ${kind}`);
  const term: Term = await path.spawn([
    'yes',
    'flood-flood-flood-flood-flood-flood-flood-flood-flood-flood-flood-flood',
  ]);
  let bytes = 0;
  let t0 = 0;
  let flowing = false;
  term.onData((b) => {
    bytes += b.length;
    if (!flowing && bytes >= 256 * 1024) {
      flowing = true;
      bytes = 0;
      t0 = performance.now();
      process.stdout.write('FLOWING\n');
    }
  });
  process.once('SIGTERM', () => {
    const seconds = (performance.now() - t0) / 1000;
    process.stdout.write(`RATE ${(bytes / 1024 / 1024 / Math.max(seconds, 1e-9)).toFixed(2)}\n`);
    void term
      .close()
      .catch(() => {})
      .then(cleanup)
      .finally(() => process.exit(0));
  });
}
