// The contender: the real paseo binary (`paseo up --no-tailnet` in a temp PASEO_HOME), watched by a
// paired device speaking the encrypted protocol exactly as the browser does: PaseoConnection (noble
// ChaCha20-Poly1305 in JS, as in the browser), and acks batched by the web UI's own SessionStream.
import { PaseoConnection } from '../../cli/src/channel/client.js';
import { generateKeyPair } from '../../cli/src/channel/noise.js';
import { NodeWebSocket, startDaemonProcess, testEnv } from '../../cli/test/fixtures/daemon-process.js';
import { SessionStream } from '../../web/src/session-stream.js';
import { Listeners, spawnTracked, type Term, type TermPath, tempDir, withTimeout } from './common.js';

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

/** Starts `paseo up --no-tailnet --listen 127.0.0.1:0` and waits until it answers. */
export async function startPaseo(bin: string): Promise<PaseoDaemon> {
  const home = tempDir('paseo-bench-home-');
  const d = await startDaemonProcess({
    bin,
    home,
    env: testEnv(home, { PASEO_LOG: 'warn' }),
    spawn: (cmd, args, env) => spawnTracked(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] }),
    keepOutputChars: 4000,
  });
  return {
    bin,
    home,
    wsUrl: d.wsUrl,
    publicKey: d.daemonPublicKey,
    pid: d.process.pid!,
    log: d.output,
    pairingCode: d.pairingCode,
    stop: d.stop,
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
    WebSocketImpl: NodeWebSocket,
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

  /** Starts `argv` in a session nobody here watches (the page benchmark opens it in a browser); its id. */
  async createSession(argv: string[]): Promise<string> {
    const conn = await this.connection();
    return (await conn.request({ t: 'session.create', command: argv, name: argv[0], cols: 80, rows: 24 })).id;
  }

  /** Ends a session started with createSession. */
  async killSession(id: string): Promise<void> {
    await (await this.connection()).request({ t: 'session.kill', sessionId: id });
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
