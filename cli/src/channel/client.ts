// A device's connection to the daemon over a WebSocket: handshake, `hello`/`welcome`, requests with
// answers, pushed messages, keepalive and a clear reason when it ends. Isomorphic: the browser uses its
// own WebSocket; Node tests pass the `ws` package's.
import { ChannelError, type CloseKind, InitiatorHandshake, parseCloseFrame, type SecureChannel } from './channel.js';
import { concat } from './encoding.js';
import { decodeWireFrame, FrameType } from './frame.js';
import {
  type ClientMessage,
  type DaemonMessage,
  type DaemonMessageOf,
  parseDaemonMessage,
  type RequestType,
  type ResultOf,
} from './messages.js';
import type { KeyPair } from './noise.js';
import { PendingRequests, REQUEST_TIMEOUT_MS, type RequestMessage } from './requests.js';

/** How long the handshake and `welcome` may take, in milliseconds. */
export const CONNECT_TIMEOUT_MS = 15_000;
/** How often the client pings the daemon, in milliseconds (the daemon cuts a device silent for 8 s). */
export const HEARTBEAT_INTERVAL_MS = 1_000;
/** A ping not answered (nothing at all heard since it went out) within this is a stalled link, in ms. */
export const HEARTBEAT_TIMEOUT_MS = 2_500;
/** A timer this late means the page slept or was busy, not the link: look again after this, in ms. */
const LATE_TIMER_MS = 1_000;

export type { CloseKind };

/** The device's keys (X25519). */
export type DeviceKeys = KeyPair;

/** How to reach and authenticate to the daemon. */
export interface ConnectOptions {
  /** ws(s)://host/ws */
  url: string;
  /** The daemon's static public key (32 bytes). */
  daemonPublicKey: Uint8Array;
  /** This device's static key pair. */
  keys: DeviceKeys;
  /** Present only the first time: pair with a one-time code. */
  pairing?: { code: string; deviceName: string };
  /** Names the client software, e.g. `paseo-web/0.1`. */
  clientName: string;
  /** A WebSocket constructor (defaults to the global one). */
  WebSocketImpl?: WebSocketConstructor;
}

/** The part of the WebSocket constructor this module uses (the browser's and `ws` both fit). */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** The part of a WebSocket this module uses. */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

/** Why the connection could not be made or ended; `message` is a sentence for people. */
export class ConnectionError extends Error {
  constructor(
    readonly kind: CloseKind | 'unreachable',
    message: string,
    /**
     * True only when the daemon itself said so: inside the encrypted channel (`revoked`) or in its
     * handshake reply, which only the holder of the daemon's key can write. A CLOSE frame never is.
     */
    readonly authenticated = false,
  ) {
    super(message);
    this.name = 'ConnectionError';
  }

  /** True when only pairing again can fix it: never for anything a carrier could have made up. */
  get needsPairing(): boolean {
    return this.authenticated && (this.kind === 'needs-pairing' || this.kind === 'revoked');
  }
}

const WS_OPEN = 1;

/** An open, authenticated connection to the daemon. */
export class PaseoConnection {
  private readonly requests = new PendingRequests((msg, body) => this.send(msg, body), {
    timeoutMs: REQUEST_TIMEOUT_MS,
    timeoutMessage: 'The computer did not answer in time.',
    badResponseMessage: 'The computer sent an answer this page does not understand.',
  });
  private readonly messageListeners = new Set<(msg: DaemonMessage, body: Uint8Array) => void>();
  private readonly closeListeners = new Set<(err: ConnectionError) => void>();
  private closeReason: ConnectionError | undefined;
  private closed = false;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  /** The deadline of the ping waiting for an answer. */
  private pingDeadline: ReturnType<typeof setTimeout> | undefined;
  private lastHeardAt = Date.now();

  private advisory: ConnectionError | undefined;

  private constructor(
    private readonly ws: WebSocketLike,
    private readonly channel: SecureChannel,
    /** The daemon's `welcome`: its id, name and this device's id and name. */
    readonly welcome: DaemonMessageOf<'welcome'>,
  ) {
    ws.onmessage = (ev) => this.receive(ev.data);
    ws.onclose = () => this.handleClose();
    this.startHeartbeat();
  }

  /** Connects (pairing first when `pairing` is given); resolves after `welcome`. */
  static open(opts: ConnectOptions): Promise<PaseoConnection> {
    const Impl = opts.WebSocketImpl ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!Impl) return Promise.reject(new ConnectionError('unreachable', 'This browser cannot open WebSockets.'));
    return new Promise((resolve, reject) => {
      let handshake: InitiatorHandshake;
      try {
        handshake = startHandshake(opts);
      } catch (err) {
        reject(handshakeStartError(err));
        return;
      }
      const ws = new Impl(opts.url);
      const opening = new Opening(ws, handshake, opts.clientName, {
        ready: (channel, welcome) => resolve(new PaseoConnection(ws, channel, welcome)),
        failed: reject,
      });
      opening.start();
    });
  }

  /** Sends a request (with its body, if the type has one); resolves with its validated result, rejects with RequestError or ConnectionError. */
  request<T extends RequestType>(msg: RequestMessage<T>, body?: Uint8Array): Promise<ResultOf<T>> {
    return this.requests.request(msg, body);
  }

  /** Sends a message without waiting for an answer. Dropped silently once closed. */
  send(msg: ClientMessage, body?: Uint8Array): void {
    if (this.closed || this.ws.readyState !== WS_OPEN) return;
    for (const frame of this.channel.seal(msg, body)) this.ws.send(frame);
  }

  /** Listens to messages pushed by the daemon; returns a function that stops listening. */
  onMessage(cb: (msg: DaemonMessage, body: Uint8Array) => void): () => void {
    this.messageListeners.add(cb);
    return () => this.messageListeners.delete(cb);
  }

  /** Called once when the connection ends, with the reason. */
  onClose(cb: (err: ConnectionError) => void): () => void {
    if (this.closed && this.closeReason) {
      const reason = this.closeReason;
      queueMicrotask(() => cb(reason));
    } else this.closeListeners.add(cb);
    return () => this.closeListeners.delete(cb);
  }

  /** True until the connection ends. */
  get isOpen(): boolean {
    return !this.closed;
  }

  /** Closes the connection. */
  close(): void {
    this.abort(new ConnectionError('closed', 'The connection was closed.'));
  }

  /** When the daemon was last heard from (ms since epoch). */
  get lastHeard(): number {
    return this.lastHeardAt;
  }

  /** The daemon was heard: the ping waiting for an answer has it, the next one may go. */
  private answered(): void {
    clearTimeout(this.pingDeadline);
    this.pingDeadline = undefined;
  }

  /**
   * A ping every HEARTBEAT_INTERVAL_MS, one at a time; when nothing at all is heard within
   * HEARTBEAT_TIMEOUT_MS of one, the link has stalled (packets dropped, no close) and the connection ends.
   */
  private startHeartbeat(): void {
    let nonce = 0;
    const check = (sentAt: number, due: number): void => {
      this.pingDeadline = undefined;
      if (this.lastHeardAt >= sentAt) return;
      const now = Date.now();
      if (now - due > LATE_TIMER_MS) {
        // The page slept or was busy: messages that arrived meanwhile may not be handled yet.
        this.pingDeadline = setTimeout(() => check(sentAt, now + LATE_TIMER_MS), LATE_TIMER_MS);
        return;
      }
      this.abort(new ConnectionError('unreachable', 'Lost the connection to the computer.'));
    };
    this.heartbeat = setInterval(() => {
      if (this.pingDeadline !== undefined) return;
      const sentAt = Date.now();
      this.send({ t: 'ping', nonce: nonce++ % 2 ** 31 });
      this.pingDeadline = setTimeout(() => check(sentAt, sentAt + HEARTBEAT_TIMEOUT_MS), HEARTBEAT_TIMEOUT_MS);
    }, HEARTBEAT_INTERVAL_MS);
  }

  /** One WebSocket message after `welcome`: a CLOSE explains the coming close; anything wrong ends the connection. */
  private receive(data: unknown): void {
    try {
      const frame = decodeWireFrame(toBytes(data));
      if (frame.type === FrameType.CLOSE) this.advisory = closeAdvisory(frame.body);
      else this.handleFrame(frame.type, frame.body);
    } catch (err) {
      this.abort(receiveFailure(err));
    }
  }

  private handleFrame(type: number, body: Uint8Array): void {
    if (type !== FrameType.DATA) throw new ChannelError('protocol', 'Unexpected frame type.');
    const whole = this.channel.open(body);
    this.lastHeardAt = Date.now(); // every authentic fragment, so a long message is no silence
    this.answered();
    if (!whole) return;
    const { msg, body: msgBody } = parseDaemonMessage(whole.header, whole.body);
    if (this.requests.settle(msg)) return;
    if (msg.t === 'revoked') this.closeReason = new ConnectionError('revoked', msg.message, true);
    for (const cb of this.messageListeners) cb(msg, msgBody);
  }

  private handleClose(): void {
    this.finish(
      this.closeReason ?? this.advisory ?? new ConnectionError('closed', 'The connection to the computer closed.'),
    );
  }

  private abort(err: ConnectionError): void {
    try {
      this.ws.close(1000);
    } catch {
      /* already closed */
    }
    this.finish(err);
  }

  private finish(err: ConnectionError): void {
    if (this.closed) return;
    this.closed = true;
    this.closeReason = this.closeReason ?? err;
    if (this.heartbeat) clearInterval(this.heartbeat);
    clearTimeout(this.pingDeadline);
    this.requests.close(this.closeReason);
    for (const cb of this.closeListeners) cb(this.closeReason);
    this.closeListeners.clear();
  }
}

/** Hooks through which an Opening hands over the connection, or the reason it failed. */
interface OpeningHooks {
  /** The daemon said `welcome`: the socket and channel are ready to be adopted. */
  ready(channel: SecureChannel, welcome: DaemonMessageOf<'welcome'>): void;
  /** The attempt failed (called at most once, and never after `ready`). */
  failed(err: ConnectionError): void;
}

/**
 * One attempt to connect, step by step: the socket opens and the first handshake message goes out; the
 * daemon's handshake reply gives the channel and `hello` goes out; the daemon's `welcome` hands the socket
 * and channel over. A CLOSE frame, a close of the socket, a bad frame or CONNECT_TIMEOUT_MS end it.
 */
class Opening {
  private channel: SecureChannel | undefined;
  private advisory: ConnectionError | undefined;
  private opened = false;
  private settled = false;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly ws: WebSocketLike,
    private readonly handshake: InitiatorHandshake,
    private readonly clientName: string,
    private readonly hooks: OpeningHooks,
  ) {}

  start(): void {
    const ws = this.ws;
    ws.binaryType = 'arraybuffer';
    this.timer = setTimeout(
      () =>
        this.fail(
          new ConnectionError('timeout', 'The computer did not answer in time. Check that paseo is still running.'),
        ),
      CONNECT_TIMEOUT_MS,
    );
    ws.onopen = () => this.sendHandshake();
    ws.onerror = () => {
      /* onclose follows with the details */
    };
    ws.onclose = () => this.socketClosed();
    ws.onmessage = (ev) => {
      try {
        this.receive(ev.data);
      } catch (err) {
        this.fail(receiveFailure(err));
      }
    };
  }

  private sendHandshake(): void {
    this.opened = true;
    this.ws.send(this.handshake.firstFrame);
  }

  private receive(data: unknown): void {
    const frame = decodeWireFrame(toBytes(data));
    if (frame.type === FrameType.CLOSE) this.advisory = closeAdvisory(frame.body);
    else if (!this.channel) this.readHandshakeReply(frame.type, frame.body);
    else this.readWelcome(this.channel, frame.type, frame.body);
  }

  /** The daemon's handshake message 2: a refusal, or the channel, on which `hello` goes out at once. */
  private readHandshakeReply(type: number, body: Uint8Array): void {
    if (type !== FrameType.HANDSHAKE_REPLY)
      throw new ChannelError('protocol', 'The computer did not answer the handshake.');
    const { reply, channel } = this.handshake.readReply(body);
    if (!reply.ok) {
      // Authenticated: the reply decrypted, so the daemon holding the pinned key wrote it.
      this.fail(new ConnectionError(reply.kind, reply.message, true));
      return;
    }
    if (!channel) return;
    this.channel = channel;
    for (const f of channel.seal({ t: 'hello', client: this.clientName.slice(0, 64) })) this.ws.send(f);
  }

  /** The first message on the channel: `welcome` hands the connection over; an `error` refuses it. */
  private readWelcome(channel: SecureChannel, type: number, body: Uint8Array): void {
    if (type !== FrameType.DATA) throw new ChannelError('protocol', 'Unexpected frame before welcome.');
    const whole = channel.open(body);
    if (!whole) return;
    const { msg } = parseDaemonMessage(whole.header, whole.body);
    if (msg.t === 'error') {
      this.fail(new ConnectionError('closed', msg.message));
      return;
    }
    if (msg.t !== 'welcome') throw new ChannelError('protocol', 'The computer did not say welcome.');
    this.settled = true;
    clearTimeout(this.timer);
    this.hooks.ready(channel, msg);
  }

  private socketClosed(): void {
    this.fail(
      this.advisory ??
        (this.opened
          ? new ConnectionError('closed', 'The connection closed before it was ready.')
          : new ConnectionError(
              'unreachable',
              'Could not reach the computer. Check that paseo is running and this device is on the same network.',
            )),
    );
  }

  private fail(err: ConnectionError): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    try {
      this.ws.close(1000);
    } catch {
      /* already closed */
    }
    this.hooks.failed(err);
  }
}

/** The first handshake message: pairing with a one-time code, or connecting as a paired device. */
function startHandshake(opts: ConnectOptions): InitiatorHandshake {
  return opts.pairing
    ? InitiatorHandshake.pair({ keys: opts.keys, daemonPublicKey: opts.daemonPublicKey, ...opts.pairing })
    : InitiatorHandshake.connect({ keys: opts.keys, daemonPublicKey: opts.daemonPublicKey });
}

/** Why the handshake could not even start (a malformed pairing code, most likely). */
function handshakeStartError(err: unknown): ConnectionError {
  return new ConnectionError(
    'bad-code',
    err instanceof Error && /code/.test(err.message)
      ? 'That is not a valid pairing code.'
      : 'Could not start a secure connection.',
  );
}

/**
 * The reason a CLOSE frame gives for the close that follows. It is plaintext that anything on the path
 * (a relay, a proxy) can write, so it is display text and a reason to reconnect, nothing more: a kind
 * that would un-pair the device becomes 'closed' (the reconnect then hears the daemon's own answer).
 */
function closeAdvisory(body: Uint8Array): ConnectionError {
  const { kind, message } = parseCloseFrame(body);
  return new ConnectionError(kind === 'revoked' || kind === 'needs-pairing' ? 'closed' : kind, message);
}

/** What went wrong with a received frame, as a sentence for people. */
function receiveFailure(err: unknown): ConnectionError {
  return err instanceof ChannelError
    ? new ConnectionError(err.kind, err.message)
    : new ConnectionError('protocol', 'The computer sent something this page does not understand.');
}

function toBytes(data: unknown): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  // `ws` may deliver fragmented messages as Buffer[] unless binaryType is set; join them.
  if (Array.isArray(data)) return concat(...data.map(toBytes));
  throw new ChannelError('protocol', 'Received a text message where binary was expected.');
}
