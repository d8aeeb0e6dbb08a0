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
/** How often the client pings the daemon, in milliseconds. */
export const HEARTBEAT_INTERVAL_MS = 20_000;
/** Silence after which the connection counts as dead, in milliseconds. */
export const HEARTBEAT_TIMEOUT_MS = 45_000;

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
  ) {
    super(message);
    this.name = 'ConnectionError';
  }

  /** True when only pairing again can fix it. */
  get needsPairing(): boolean {
    return this.kind === 'needs-pairing' || this.kind === 'revoked';
  }
}

const WS_OPEN = 1;

/** An open, authenticated connection to the daemon. */
export class PaseoConnection {
  private readonly requests = new PendingRequests((msg) => this.send(msg), {
    timeoutMs: REQUEST_TIMEOUT_MS,
    timeoutMessage: 'The computer did not answer in time.',
    badResponseMessage: 'The computer sent an answer this page does not understand.',
  });
  private readonly messageListeners = new Set<(msg: DaemonMessage, body: Uint8Array) => void>();
  private readonly closeListeners = new Set<(err: ConnectionError) => void>();
  private closeReason: ConnectionError | undefined;
  private closed = false;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private lastHeardAt = Date.now();

  private constructor(
    private readonly ws: WebSocketLike,
    private readonly channel: SecureChannel,
    /** The daemon's `welcome`: its id, name and this device's id and name. */
    readonly welcome: DaemonMessageOf<'welcome'>,
  ) {}

  /** Connects (pairing first when `pairing` is given); resolves after `welcome`. */
  static open(opts: ConnectOptions): Promise<PaseoConnection> {
    const Impl = opts.WebSocketImpl ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!Impl) return Promise.reject(new ConnectionError('unreachable', 'This browser cannot open WebSockets.'));
    return new Promise((resolve, reject) => {
      let handshake: InitiatorHandshake;
      try {
        handshake = opts.pairing
          ? InitiatorHandshake.pair({ keys: opts.keys, daemonPublicKey: opts.daemonPublicKey, ...opts.pairing })
          : InitiatorHandshake.connect({ keys: opts.keys, daemonPublicKey: opts.daemonPublicKey });
      } catch (err) {
        reject(
          new ConnectionError(
            'bad-code',
            err instanceof Error && /code/.test(err.message)
              ? 'That is not a valid pairing code.'
              : 'Could not start a secure connection.',
          ),
        );
        return;
      }
      const ws = new Impl(opts.url);
      ws.binaryType = 'arraybuffer';
      let conn: PaseoConnection | undefined;
      let channel: SecureChannel | undefined;
      let advisory: ConnectionError | undefined;
      let opened = false;
      let settled = false;
      const fail = (err: ConnectionError): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        try {
          ws.close(1000);
        } catch {
          /* already closed */
        }
        reject(err);
      };
      const timer = setTimeout(
        () =>
          fail(
            new ConnectionError('timeout', 'The computer did not answer in time. Check that paseo is still running.'),
          ),
        CONNECT_TIMEOUT_MS,
      );
      ws.onopen = () => {
        opened = true;
        ws.send(handshake.firstFrame);
      };
      ws.onerror = () => {
        /* onclose follows with the details */
      };
      ws.onclose = () => {
        if (conn) {
          conn.handleClose(advisory);
          return;
        }
        fail(
          advisory ??
            (opened
              ? new ConnectionError('closed', 'The connection closed before it was ready.')
              : new ConnectionError(
                  'unreachable',
                  'Could not reach the computer. Check that paseo is running and this device is on the same network.',
                )),
        );
      };
      ws.onmessage = (ev) => {
        try {
          const frame = decodeWireFrame(toBytes(ev.data));
          if (frame.type === FrameType.CLOSE) {
            const { kind, message } = parseCloseFrame(frame.body);
            advisory = new ConnectionError(kind, message);
            return;
          }
          if (conn) {
            conn.handleFrame(frame.type, frame.body);
            return;
          }
          if (!channel) {
            if (frame.type !== FrameType.HANDSHAKE_REPLY)
              throw new ChannelError('protocol', 'The computer did not answer the handshake.');
            const { reply, channel: ch } = handshake.readReply(frame.body);
            if (!reply.ok || !ch) {
              if (!reply.ok) fail(new ConnectionError(reply.kind, reply.message));
              return;
            }
            channel = ch;
            for (const f of channel.seal({ t: 'hello', client: opts.clientName.slice(0, 64) })) ws.send(f);
            return;
          }
          if (frame.type !== FrameType.DATA) throw new ChannelError('protocol', 'Unexpected frame before welcome.');
          const whole = channel.open(frame.body);
          if (!whole) return;
          const { msg } = parseDaemonMessage(whole.header, whole.body);
          if (msg.t === 'error') {
            fail(new ConnectionError('closed', msg.message));
            return;
          }
          if (msg.t !== 'welcome') throw new ChannelError('protocol', 'The computer did not say welcome.');
          settled = true;
          clearTimeout(timer);
          conn = new PaseoConnection(ws, channel, msg);
          conn.startHeartbeat();
          resolve(conn);
        } catch (err) {
          const e =
            err instanceof ChannelError
              ? new ConnectionError(err.kind, err.message)
              : new ConnectionError('protocol', 'The computer sent something this page does not understand.');
          if (conn) conn.abort(e);
          else fail(e);
        }
      };
    });
  }

  /** Sends a request and resolves with its validated result; rejects with RequestError or ConnectionError. */
  request<T extends RequestType>(msg: RequestMessage<T>): Promise<ResultOf<T>> {
    return this.requests.request(msg);
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

  private startHeartbeat(): void {
    let nonce = 0;
    this.heartbeat = setInterval(() => {
      if (Date.now() - this.lastHeardAt > HEARTBEAT_TIMEOUT_MS) {
        this.abort(new ConnectionError('unreachable', 'Lost the connection to the computer.'));
        return;
      }
      this.send({ t: 'ping', nonce: nonce++ % 2 ** 31 });
    }, HEARTBEAT_INTERVAL_MS);
  }

  private handleFrame(type: number, body: Uint8Array): void {
    if (type !== FrameType.DATA) throw new ChannelError('protocol', 'Unexpected frame type.');
    const whole = this.channel.open(body);
    if (!whole) return;
    this.lastHeardAt = Date.now();
    const { msg, body: msgBody } = parseDaemonMessage(whole.header, whole.body);
    if (this.requests.settle(msg)) return;
    if (msg.t === 'revoked') this.closeReason = new ConnectionError('revoked', msg.message);
    for (const cb of this.messageListeners) cb(msg, msgBody);
  }

  private handleClose(advisory: ConnectionError | undefined): void {
    this.finish(
      this.closeReason ?? advisory ?? new ConnectionError('closed', 'The connection to the computer closed.'),
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
    this.requests.close(this.closeReason);
    for (const cb of this.closeListeners) cb(this.closeReason);
    this.closeListeners.clear();
  }
}

function toBytes(data: unknown): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  // `ws` may deliver fragmented messages as Buffer[] unless binaryType is set; join them.
  if (Array.isArray(data)) return concat(...data.map(toBytes));
  throw new ChannelError('protocol', 'Received a text message where binary was expected.');
}
