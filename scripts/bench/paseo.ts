// The contender: the real paseo binary (`paseo up --no-tailnet` in a temp PASEO_HOME), watched by a
// paired device speaking the encrypted protocol exactly as the browser does: PaseoConnection (noble
// ChaCha20-Poly1305 in JS, as in the browser), and acks batched by the web UI's own SessionStream.
import { type ChildProcess, spawnSync } from 'node:child_process';
import WebSocket from 'ws';
import { PaseoConnection, type WebSocketConstructor } from '../../cli/src/channel/client.js';
import { fromBase64Url } from '../../cli/src/channel/encoding.js';
import { generateKeyPair } from '../../cli/src/channel/noise.js';
import { SessionStream } from '../../web/src/session-stream.js';
import { Listeners, sleep, spawnTracked, stopChild, type Term, type TermPath, tempDir, withTimeout } from './common.js';

/** What the terminal echoes for the Enter that opens a session's gate. */
const GATE_ECHO = [0x0d, 0x0a];

/** A running daemon. */
export interface PaseoDaemon {
  bin: string;
  home: string;
  wsUrl: string;
  publicKey: Uint8Array;
  pid: number;
  /** The end of what the daemon logged (warnings and errors). */
  log(): string;
  /** A fresh one-time pairing code (`paseo pair --json`). */
  pairingCode(): string;
  stop(): Promise<void>;
}

function daemonEnv(home: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    PASEO_HOME: home,
    PASEO_LOG: 'warn',
    TS_NO_LOGS_NO_SUPPORT: '1',
    TS_DISABLE_PORTMAPPER: '1',
  };
}

/** Starts `paseo up --no-tailnet --listen 127.0.0.1:0` and waits until it answers. */
export async function startPaseo(bin: string): Promise<PaseoDaemon> {
  const home = tempDir('paseo-bench-home-');
  const env = daemonEnv(home);
  const child: ChildProcess = spawnTracked(bin, ['up', '--no-tailnet', '--listen', '127.0.0.1:0'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-4000)));
  child.stderr!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-4000)));
  child.once('exit', (code, signal) => (out += `\n[paseo up exited: ${signal ?? `code ${code}`}]`));
  const cli = (args: string[]) => spawnSync(bin, args, { env, encoding: 'utf8', timeout: 20_000 });
  const started = Date.now();
  let listen: string | undefined;
  while (!listen) {
    if (child.exitCode !== null) throw new Error(`paseo up exited with ${child.exitCode}:\n${out}`);
    if (Date.now() - started > 20_000) throw new Error(`paseo up did not start:\n${out}`);
    const r = cli(['status', '--json']);
    if (r.status === 0) listen = (JSON.parse(r.stdout) as { listen: string[] }).listen[0];
    else await sleep(100);
  }
  const port = Number(listen!.split(':').pop());
  const info = (await (await fetch(`http://127.0.0.1:${port}/api/info`)).json()) as { publicKey: string };
  return {
    bin,
    home,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    publicKey: fromBase64Url(info.publicKey),
    pid: child.pid!,
    log: () => out,
    pairingCode() {
      const r = cli(['pair', '--json']);
      if (r.status !== 0) throw new Error(`paseo pair --json failed: ${r.stderr}`);
      return (JSON.parse(r.stdout) as { code: string }).code;
    },
    async stop() {
      await stopChild(child);
    },
  };
}

/** Pairs a new device; returns a function that opens a connection as that device (the first is open). */
export async function pairClient(
  d: Pick<PaseoDaemon, 'wsUrl' | 'publicKey'>,
  code: string,
  name: string,
): Promise<() => Promise<PaseoConnection>> {
  const keys = generateKeyPair();
  const common = {
    url: d.wsUrl,
    daemonPublicKey: d.publicKey,
    keys,
    clientName: 'paseo-bench/1',
    WebSocketImpl: WebSocket as unknown as WebSocketConstructor,
  };
  let first: PaseoConnection | undefined = await PaseoConnection.open({
    ...common,
    pairing: { code, deviceName: name },
  });
  return async () => {
    const c = first ?? (await PaseoConnection.open(common));
    first = undefined;
    return c;
  };
}

/**
 * Sessions over one connection. Commands start behind a gate (`read` a line, then exec) so that the
 * client is attached before the first byte: nothing is lost to the resume buffer or a snapshot.
 */
export class PaseoPath implements TermPath {
  readonly name = 'paseo';
  /** Times the daemon dropped this client's connection (it reconnects, like the browser, between runs). */
  drops = 0;
  private conn: PaseoConnection | undefined;
  private readonly sessions = new Map<string, { stream: SessionStream; listeners: Listeners; exit: () => void }>();

  constructor(
    private readonly connect: () => Promise<PaseoConnection>,
    private readonly daemonPid: number,
    private readonly log: (s: string) => void = () => {},
  ) {}

  /** The open connection (reconnecting if the daemon dropped it). */
  private async connection(): Promise<PaseoConnection> {
    if (this.conn?.isOpen) return this.conn;
    if (this.conn) {
      this.drops++;
      this.log('  paseo: the daemon had dropped the connection; reconnecting');
    }
    const conn = await this.connect();
    conn.onMessage((msg, body) => {
      if (msg.t !== 'session.output' && msg.t !== 'session.snapshot' && msg.t !== 'session.exit') return;
      const s = this.sessions.get(msg.sessionId);
      if (!s) return;
      if (msg.t === 'session.output') s.stream.output(msg.seq, body);
      else if (msg.t === 'session.snapshot') s.stream.snapshot(msg.seq, msg.cols, msg.rows, body);
      else s.exit();
    });
    // A dropped connection ends every session's stream here (the runs in progress fail; later ones reconnect).
    conn.onClose(() => {
      for (const s of this.sessions.values()) s.exit();
    });
    this.conn = conn;
    return conn;
  }

  /** Closes the connection. */
  close(): void {
    this.conn?.close();
  }

  async spawn(argv: string[]): Promise<Term> {
    const conn = await this.connection();
    const info = await conn.request({
      t: 'session.create',
      command: ['sh', '-c', 'read -r _; exec "$@"', 'bench-gate', ...argv],
      name: argv[0],
      cols: 80,
      rows: 24,
    });
    const sessionId = info.id;
    const listeners = new Listeners();
    let exited = false;
    let gateEcho = GATE_ECHO.length;
    let resolveExit: () => void = () => {};
    const exitP = new Promise<void>((r) => (resolveExit = r));
    // The browser's flow control: acks after the terminal processed the bytes (here: after the
    // listeners ran), at most every 16 ms or every 32 KiB.
    const stream = new SessionStream(
      {
        reset() {},
        resize() {},
        write(data, cb) {
          // Drop the echo of the Enter that opened the gate, so every path delivers the same bytes.
          let bytes = data;
          while (gateEcho > 0 && bytes.length > 0 && bytes[0] === GATE_ECHO[GATE_ECHO.length - gateEcho]) {
            bytes = bytes.subarray(1);
            gateEcho--;
          }
          if (bytes.length > 0) {
            gateEcho = 0;
            listeners.emit(bytes);
          }
          cb();
        },
      },
      (seq) => conn.send({ t: 'session.ack', sessionId, seq }),
    );
    this.sessions.set(sessionId, {
      stream,
      listeners,
      exit: () => {
        exited = true;
        stream.flush();
        resolveExit();
      },
    });
    conn.send({ t: 'session.attach', sessionId, afterSeq: 0, cols: 80, rows: 24 });
    conn.send({ t: 'session.input', sessionId }, new TextEncoder().encode('\r')); // open the gate
    const sessions = this.sessions;
    const daemonPid = this.daemonPid;
    return {
      onData: (cb) => listeners.add(cb),
      write(bytes) {
        conn.send(
          { t: 'session.input', sessionId },
          typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes,
        );
      },
      exited: exitP,
      async close() {
        try {
          if (!exited) await withTimeout(conn.request({ t: 'session.kill', sessionId }), 10_000, 'session.kill');
          else await conn.request({ t: 'session.kill', sessionId }).catch(() => {}); // removes the exited session
        } finally {
          stream.dispose();
          sessions.delete(sessionId);
        }
      },
      serverPids: () => [daemonPid],
      async describe() {
        if (!conn.isOpen) return 'the daemon closed the connection during the run';
        const list = await withTimeout(conn.request({ t: 'sessions.list' }), 5000, 'sessions.list');
        const info = list.find((x) => x.id === sessionId);
        return `session ${sessionId}: ${JSON.stringify(info)}; client processed up to seq ${stream.lastSeq}, exit seen: ${exited}`;
      },
    };
  }
}
