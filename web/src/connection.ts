// The app's link to the daemon: one PaseoConnection at a time, replaced after a drop with backoff.
// Screens subscribe once; their listeners survive reconnects. Only what the daemon itself says (the
// encrypted `revoked`, an authenticated `needs-pairing` reply) ends the link and goes to `onNeedsPairing`;
// everything else, plaintext CLOSE frames included (anything on the path can forge them), is retried.
import {
  ConnectionError,
  type ConnectOptions,
  type DeviceKeys,
  PaseoConnection,
} from '../../cli/src/channel/client.js';
import type {
  ClientMessage,
  DaemonMessage,
  DaemonMessageOf,
  RequestType,
  ResultOf,
} from '../../cli/src/channel/messages.js';
import type { RequestMessage } from '../../cli/src/channel/requests.js';
import type { LinkFacts } from './link-status.js';

/** connecting: first attempt; connected; reconnecting: lost it (or never got it) and retrying; stopped. */
export type LinkState = 'connecting' | 'connected' | 'reconnecting' | 'stopped';

/** How long a request waits for a connection before giving up, in milliseconds. */
const REQUEST_WAIT_MS = 10_000;
/** How long a liveness probe (after the page wakes up) waits for any answer, in milliseconds. */
const PROBE_TIMEOUT_MS = 5_000;

/** Milliseconds before reconnect attempt `attempt` (0-based): 0.5 s doubling to 15 s, with jitter. */
export function backoffDelay(attempt: number, kind: string, random: () => number = Math.random): number {
  const floor = kind === 'rate-limited' ? 30_000 : 0;
  const base = Math.min(15_000, 500 * 2 ** Math.min(attempt, 10));
  return Math.max(floor, Math.round(base * (0.75 + random() * 0.5)));
}

/**
 * The URL of the daemon's WebSocket on this page's origin: `/ws` when the daemon serves the page, or
 * `/ws/<relay id>` when a relay does (docs/relay.md).
 */
export function socketUrl(loc: Pick<Location, 'protocol' | 'host'> = location, relayId?: string): string {
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/ws${relayId ? `/${relayId}` : ''}`;
}

export interface LinkOptions {
  daemonPublicKey: Uint8Array;
  keys: DeviceKeys;
  clientName: string;
  url?: string;
  /** The daemon says this device must pair again (revoked, or it does not know its key). The link has stopped. */
  onNeedsPairing(err: ConnectionError): void;
  /**
   * Asked after a failed handshake: true when /api/info names another daemon key (its state folder was
   * reset, or it was reinstalled). /api/info is plaintext that a carrier could forge, so the answer only
   * leads to `onIdentityChanged`: a question to the person, never an un-pairing.
   */
  identityChanged?: () => Promise<boolean>;
  /** The daemon's key seems to have changed: ask the person whether to pair again. Called once per link. */
  onIdentityChanged?(): void;
  /** Replaces PaseoConnection.open (tests). */
  open?: (opts: ConnectOptions) => Promise<PaseoConnection>;
}

type Welcome = DaemonMessageOf<'welcome'>;

export class Link {
  private conn: PaseoConnection | undefined;
  private stateValue: LinkState = 'connecting';
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private nextRetryAt = 0;
  private generation = 0;
  private lastErrorValue: ConnectionError | undefined;
  private welcomeValue: Welcome | undefined;
  /** When the computer said paseo was stopping; kept until it answers again. */
  private stoppedAtValue: number | undefined;
  /** When the computer was last heard from, on the connection that ended. */
  private lastSeenValue: number | undefined;
  private readonly messageListeners = new Set<(msg: DaemonMessage, body: Uint8Array) => void>();
  private readonly stateListeners = new Set<(state: LinkState) => void>();
  private readonly connectedListeners = new Set<(welcome: Welcome) => void>();
  private readonly cleanups: Array<() => void> = [];
  private identityPrompted = false;

  constructor(private readonly opts: LinkOptions) {}

  get state(): LinkState {
    return this.stateValue;
  }

  /** The latest welcome (daemon hostname, this device's id and name). */
  get welcome(): Welcome | undefined {
    return this.welcomeValue;
  }

  /** Why the last attempt failed, while reconnecting. */
  get lastError(): ConnectionError | undefined {
    return this.lastErrorValue;
  }

  /** When the next attempt starts (ms since epoch), while waiting to reconnect; 0 otherwise. */
  get retryAt(): number {
    return this.retryTimer === undefined ? 0 : this.nextRetryAt;
  }

  /** What the link knows for sure, to tell people (see link-status.ts). */
  facts(hostname: string): LinkFacts {
    return {
      state: this.stateValue,
      lastError: this.lastErrorValue,
      stoppedAt: this.stoppedAtValue,
      lastSeenAt: this.conn?.lastHeard ?? this.lastSeenValue,
      retryAt: this.retryAt,
      hostname,
    };
  }

  /** Starts connecting; `initial` is a connection already open (right after pairing). */
  start(initial?: PaseoConnection): void {
    const on = <K extends string>(target: EventTarget, type: K, fn: () => void): void => {
      target.addEventListener(type, fn);
      this.cleanups.push(() => target.removeEventListener(type, fn));
    };
    on(window, 'online', () => this.nudge());
    on(window, 'pageshow', () => this.nudge());
    on(document, 'visibilitychange', () => {
      if (document.visibilityState === 'visible') this.nudge();
    });
    if (initial) this.adopt(initial);
    else void this.connect();
  }

  /** Stops for good (logout, re-pair). */
  stop(): void {
    this.setState('stopped');
    this.generation++;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    for (const c of this.cleanups.splice(0)) c();
    const conn = this.conn;
    this.conn = undefined;
    conn?.close();
  }

  /** Try now: the page woke up or the network came back. A live connection gets a quick liveness probe. */
  nudge(): void {
    if (this.stateValue === 'stopped') return;
    if (this.conn) {
      this.probe(this.conn);
      return;
    }
    if (this.retryTimer !== undefined) {
      clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
      void this.connect();
    }
  }

  onMessage(cb: (msg: DaemonMessage, body: Uint8Array) => void): () => void {
    this.messageListeners.add(cb);
    return () => this.messageListeners.delete(cb);
  }

  onState(cb: (state: LinkState) => void): () => void {
    this.stateListeners.add(cb);
    return () => this.stateListeners.delete(cb);
  }

  /** Called after every successful (re)connection: re-list, re-attach. */
  onConnected(cb: (welcome: Welcome) => void): () => void {
    this.connectedListeners.add(cb);
    return () => this.connectedListeners.delete(cb);
  }

  /** Sends now if connected; returns false when it was dropped because there is no connection. */
  send(msg: ClientMessage, body?: Uint8Array): boolean {
    if (!this.conn) return false;
    this.conn.send(msg, body);
    return true;
  }

  /** A request; waits a little for a connection when there is none. Rejects with a sentence for people. */
  async request<T extends RequestType>(msg: RequestMessage<T>, body?: Uint8Array): Promise<ResultOf<T>> {
    const conn = this.conn ?? (await this.waitForConnection());
    return conn.request<T>(msg, body);
  }

  private waitForConnection(): Promise<PaseoConnection> {
    return new Promise((resolve, reject) => {
      if (this.stateValue === 'stopped') {
        reject(new ConnectionError('closed', 'Not connected to your computer.'));
        return;
      }
      const timer = setTimeout(() => {
        off();
        reject(new ConnectionError('unreachable', 'Not connected to your computer right now. Try again in a moment.'));
      }, REQUEST_WAIT_MS);
      const off = this.onConnected(() => {
        clearTimeout(timer);
        off();
        if (this.conn) resolve(this.conn);
        else reject(new ConnectionError('closed', 'Not connected to your computer.'));
      });
      this.nudge();
    });
  }

  private async connect(): Promise<void> {
    const gen = ++this.generation;
    this.setState(this.welcomeValue || this.attempt > 0 ? 'reconnecting' : 'connecting');
    const open = this.opts.open ?? ((o: ConnectOptions) => PaseoConnection.open(o));
    try {
      const conn = await open({
        url: this.opts.url ?? socketUrl(),
        daemonPublicKey: this.opts.daemonPublicKey,
        keys: this.opts.keys,
        clientName: this.opts.clientName,
      });
      if (gen !== this.generation || this.stateValue === 'stopped') {
        conn.close();
        return;
      }
      this.adopt(conn);
    } catch (err) {
      if (gen !== this.generation || this.stateValue === 'stopped') return;
      this.failed(asConnectionError(err));
    }
  }

  private adopt(conn: PaseoConnection): void {
    this.conn = conn;
    this.attempt = 0;
    this.lastErrorValue = undefined;
    this.stoppedAtValue = undefined;
    this.welcomeValue = conn.welcome;
    conn.onMessage((msg, body) => {
      if (this.conn !== conn) return;
      for (const cb of [...this.messageListeners]) {
        try {
          cb(msg, body);
        } catch (err) {
          console.debug('paseo: message handler failed', err);
        }
      }
    });
    conn.onClose((err) => {
      if (this.conn !== conn) return;
      this.conn = undefined;
      this.lastSeenValue = conn.lastHeard;
      this.failed(err);
    });
    this.setState('connected');
    for (const cb of [...this.connectedListeners]) cb(conn.welcome);
  }

  private failed(err: ConnectionError): void {
    if (this.stateValue === 'stopped') return;
    console.debug(`paseo: connection ${err.kind}: ${err.message}`);
    if (err.needsPairing) {
      this.stop();
      this.opts.onNeedsPairing(err);
      return;
    }
    // A handshake the daemon cannot read may mean it has a new key: then only pairing again helps.
    if (err.kind === 'protocol') this.checkIdentity();
    // Display only: the attempts that follow cannot reach it, but the known reason stays the one to show.
    if (err.kind === 'shutdown') this.stoppedAtValue ??= Date.now();
    this.lastErrorValue = err;
    const delay = backoffDelay(this.attempt++, err.kind);
    this.nextRetryAt = Date.now() + delay;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.connect();
    }, delay);
    this.setState('reconnecting');
  }

  private checkIdentity(): void {
    if (!this.opts.identityChanged || this.identityPrompted) return;
    this.opts.identityChanged().then(
      (changed) => {
        if (!changed || this.identityPrompted || this.stateValue === 'stopped' || this.conn) return;
        this.identityPrompted = true;
        this.opts.onIdentityChanged?.(); // the link keeps trying meanwhile
      },
      (err: unknown) => console.debug('paseo: could not check the daemon key', err),
    );
  }

  /** After the page sleeps a socket can be dead without knowing it: ping and expect an answer soon. */
  private probe(conn: PaseoConnection): void {
    let heard = false;
    const off = conn.onMessage(() => {
      heard = true;
    });
    conn.send({ t: 'ping', nonce: Math.floor(Math.random() * 2 ** 31) });
    setTimeout(() => {
      off();
      if (!heard && this.conn === conn) {
        console.debug('paseo: no answer to a ping after waking up; reconnecting');
        conn.close();
      }
    }, PROBE_TIMEOUT_MS);
  }

  private setState(state: LinkState): void {
    if (this.stateValue === state && state !== 'reconnecting') return;
    this.stateValue = state;
    for (const cb of [...this.stateListeners]) cb(state);
  }
}

/** Any failure as a ConnectionError with a sentence for people. */
export function asConnectionError(err: unknown): ConnectionError {
  if (err instanceof ConnectionError) return err;
  console.debug('paseo: unexpected connection failure', err);
  return new ConnectionError('closed', 'Something went wrong with the connection.');
}
