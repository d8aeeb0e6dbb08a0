// Baseline (b): ttyd (C, libwebsockets + libuv), with a `ws` client speaking ttyd's protocol:
// subprotocol `tty`; the client first sends JSON {AuthToken, columns, rows}, which makes ttyd spawn the
// command; then each message starts with a command byte. Server → client: '0' output, '1' window
// title, '2' preferences. Client → server: '0' input, '1' resize (JSON), '2' pause, '3' resume.
// One ttyd serves every command: it runs `env` with the URL's `arg=` parameters appended (-a).

import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { Listeners, spawnTracked, stopChild, type Term, type TermPath, withTimeout, wsOpened } from './common.js';

/** ttyd's binary: TTYD_BIN, `ttyd` on PATH, or the one scripts/bench/install-ttyd.sh built. */
export function findTtyd(root: string): string | undefined {
  const explicit = process.env.TTYD_BIN;
  if (explicit) return existsSync(explicit) ? explicit : undefined;
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, 'ttyd'))) return join(dir, 'ttyd');
  }
  const built = join(root, '.cache', 'bench', 'ttyd', 'bin', 'ttyd');
  return existsSync(built) ? built : undefined;
}

const OUTPUT = 0x30; // '0'

export class TtydPath implements TermPath {
  readonly name = 'ttyd';

  private constructor(
    private readonly child: ChildProcess | undefined,
    readonly port: number,
  ) {}

  /** A client of a ttyd started elsewhere (the flood child). */
  static connectOnly(port: number): TtydPath {
    return new TtydPath(undefined, port);
  }

  /** Starts ttyd on a random loopback port. */
  static async start(bin: string): Promise<TtydPath> {
    const child = spawnTracked(bin, ['-p', '0', '-i', '127.0.0.1', '-W', '-a', 'env'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    const port = await withTimeout(
      new Promise<number>((resolve, reject) => {
        const onData = (d: Buffer): void => {
          log = (log + d.toString()).slice(-4000);
          const m = /Listening on port: (\d+)/.exec(log);
          if (m) resolve(Number(m[1]));
        };
        child.stdout!.on('data', onData);
        child.stderr!.on('data', onData);
        child.once('exit', (code) => reject(new Error(`ttyd exited with ${code}:\n${log}`)));
      }),
      10_000,
      'ttyd start',
    );
    // Keep draining its log so it never blocks on a full pipe.
    return new TtydPath(child, port);
  }

  async stop(): Promise<void> {
    if (this.child) await stopChild(this.child);
  }

  async spawn(argv: string[]): Promise<Term> {
    const query = argv.map((a) => `arg=${encodeURIComponent(a)}`).join('&');
    const ws = new WebSocket(`ws://127.0.0.1:${this.port}/ws?${query}`, ['tty'], { perMessageDeflate: false });
    const listeners = new Listeners();
    let closed = false;
    const closedP = new Promise<void>((resolve) =>
      ws.once('close', () => {
        closed = true;
        resolve();
      }),
    );
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const buf = isBinary ? data : Buffer.from(data);
      if (buf[0] === OUTPUT) listeners.emit(buf.subarray(1));
    });
    await wsOpened(ws, 'ttyd connect');
    ws.send(JSON.stringify({ AuthToken: '', columns: 80, rows: 24 }));
    const pids = this.child?.pid ? [this.child.pid] : [];
    return {
      onData: (cb) => listeners.add(cb),
      write(bytes) {
        const b = typeof bytes === 'string' ? Buffer.from(bytes) : Buffer.from(bytes);
        ws.send(Buffer.concat([Buffer.from([OUTPUT]), b]), { binary: true });
      },
      exited: closedP,
      async close() {
        if (!closed) {
          ws.close(); // ttyd sends SIGHUP to the command when its client goes
          await withTimeout(closedP, 5000, 'ttyd close').catch(() => ws.terminate());
        }
      },
      serverPids: () => pids,
    };
  }
}
