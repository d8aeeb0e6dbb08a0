// Baseline (c): a bare `ws` pipe on loopback, no PTY, no encryption: the transport ceiling. A child
// process (its own core, like the daemon) serves `/?mode=file&path=…` (the file in 32 KiB messages,
// paseo's output chunk size, with socket backpressure) and `/?mode=echo` (each message sent back).

import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import {
  ECHO_ARGV,
  Listeners,
  spawnTracked,
  stopChild,
  type Term,
  type TermPath,
  withTimeout,
  wsOpened,
} from './common.js';

const CHUNK = 32 * 1024;
const HIGH_WATER = 1024 * 1024;

/** The server side: runs in the child (`bench.mjs --role bare-ws-server`). */
export async function runBareWsServer(): Promise<void> {
  const files = new Map<string, Buffer>();
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await once(wss, 'listening');
  wss.on('connection', (ws, req) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.searchParams.get('mode') === 'echo') {
      ws.send(Buffer.from('ECHO-READY\n'));
      ws.on('message', (data: Buffer) => ws.send(data));
      return;
    }
    const path = url.searchParams.get('path') ?? '';
    let file = files.get(path);
    if (!file) {
      file = readFileSync(path);
      files.set(path, file);
    }
    const socket = (ws as unknown as { _socket: Socket })._socket;
    void (async () => {
      for (let at = 0; at < file.length && ws.readyState === ws.OPEN; at += CHUNK) {
        ws.send(file.subarray(at, at + CHUNK));
        if (ws.bufferedAmount > HIGH_WATER) await once(socket, 'drain');
      }
      ws.close(1000);
    })();
  });
  const addr = wss.address();
  process.stdout.write(`PORT ${typeof addr === 'object' && addr ? addr.port : 0}\n`);
  process.on('SIGTERM', () => {
    for (const c of wss.clients) c.terminate();
    wss.close(() => process.exit(0));
  });
}

export class BareWsPath implements TermPath {
  readonly name = 'bare ws';

  private constructor(
    private readonly child: ChildProcess,
    private readonly port: number,
  ) {}

  static async start(bundle: string): Promise<BareWsPath> {
    const child = spawnTracked(process.execPath, [bundle, '--role', 'bare-ws-server'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    const port = await withTimeout(
      new Promise<number>((resolve, reject) => {
        child.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /PORT (\d+)/.exec(out);
          if (m) resolve(Number(m[1]));
        });
        child.once('exit', (code) => reject(new Error(`bare ws server exited with ${code}`)));
      }),
      10_000,
      'bare ws server start',
    );
    return new BareWsPath(child, port);
  }

  async stop(): Promise<void> {
    await stopChild(this.child);
  }

  /** `cat FILE` streams the file; ECHO_ARGV echoes. Nothing else is supported. */
  async spawn(argv: string[]): Promise<Term> {
    let query: string;
    if (argv[0] === 'cat' && argv.length === 2) query = `mode=file&path=${encodeURIComponent(argv[1] as string)}`;
    else if (argv.join('\0') === ECHO_ARGV.join('\0')) query = 'mode=echo';
    else throw new Error(`bare ws cannot run ${argv.join(' ')}`);
    const ws = new WebSocket(`ws://127.0.0.1:${this.port}/?${query}`, { perMessageDeflate: false });
    const listeners = new Listeners();
    let closed = false;
    const closedP = new Promise<void>((resolve) =>
      ws.once('close', () => {
        closed = true;
        resolve();
      }),
    );
    ws.on('message', (data: Buffer) => listeners.emit(data));
    await wsOpened(ws, 'bare ws connect');
    const pid = this.child.pid!;
    return {
      onData: (cb) => listeners.add(cb),
      write(bytes) {
        ws.send(typeof bytes === 'string' ? Buffer.from(bytes) : bytes, { binary: true });
      },
      exited: closedP,
      async close() {
        if (!closed) {
          ws.close();
          await withTimeout(closedP, 5000, 'bare ws close').catch(() => ws.terminate());
        }
      },
      serverPids: () => [pid],
    };
  }
}
