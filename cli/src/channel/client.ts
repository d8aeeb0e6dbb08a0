// A device's connection to the daemon over a WebSocket: handshake, `hello`/`welcome`, requests with
// answers, pushed messages, keepalive and a clear reason when it ends. Isomorphic: the browser uses its
// own WebSocket; Node tests pass the `ws` package's.
import { ChannelError, type CloseKind, type SecureChannel } from './channel.js';
import {
  ConnectionError,
  type ConnectOptions,
  closeAdvisory,
  receiveFailure,
  toBytes,
  type WebSocketConstructor,
  type WebSocketLike,
} from './client-socket.js';
import { decodeWireFrame, FrameType } from './frame.js';
import {
  type ClientMessage,
  type DaemonMessage,
  type DaemonMessageOf,
  parseDaemonMessage,
  type RequestType,
  type ResultOf,
} from './messages.js';
import { handshakeStartError, Opening, startHandshake } from './opening.js';
import { PendingRequests, REQUEST_TIMEOUT_MS, type RequestMessage } from './requests.js';

/** How often the client pings the daemon, in milliseconds (the daemon cuts a device silent for 8 s). */
export const HEARTBEAT_INTERVAL_MS = 1_000;
/** A ping not answered (nothing at all heard since it went out) within this is a stalled link, in ms. */
export const HEARTBEAT_TIMEOUT_MS = 2_500;
/** A timer this late means the page slept or was busy, not the link: look again after this, in ms. */
const LATE_TIMER_MS = 1_000;

export {
  ConnectionError,
  type ConnectOptions,
  type DeviceKeys,
  type WebSocketConstructor,
  type WebSocketLike,
} from './client-socket.js';
export { CONNECT_TIMEOUT_MS } from './opening.js';
export type { CloseKind };

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
      let handshake: ReturnType<typeof startHandshake>;
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
    if (this.requests.settle(msg, msgBody)) return;
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
