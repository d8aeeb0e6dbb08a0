// Opening a device's connection to the daemon, step by step (see Opening). Isomorphic.
import { ChannelError, InitiatorHandshake, type SecureChannel } from './channel.js';
import {
  ConnectionError,
  type ConnectOptions,
  closeAdvisory,
  receiveFailure,
  toBytes,
  type WebSocketLike,
} from './client-socket.js';
import { decodeWireFrame, FrameType } from './frame.js';
import { type DaemonMessageOf, parseDaemonMessage } from './messages.js';

/** How long the handshake and `welcome` may take, in milliseconds. */
export const CONNECT_TIMEOUT_MS = 15_000;

/** Hooks through which an Opening hands over the connection, or the reason it failed. */
export interface OpeningHooks {
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
export class Opening {
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
export function startHandshake(opts: ConnectOptions): InitiatorHandshake {
  return opts.pairing
    ? InitiatorHandshake.pair({ keys: opts.keys, daemonPublicKey: opts.daemonPublicKey, ...opts.pairing })
    : InitiatorHandshake.connect({ keys: opts.keys, daemonPublicKey: opts.daemonPublicKey });
}

/** Why the handshake could not even start (a malformed pairing code, most likely). */
export function handshakeStartError(err: unknown): ConnectionError {
  return new ConnectionError(
    'bad-code',
    err instanceof Error && /code/.test(err.message)
      ? 'That is not a valid pairing code.'
      : 'Could not start a secure connection.',
  );
}
