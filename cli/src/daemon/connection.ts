// One device's connection, whatever carries it: the handshake (pairing or paired), then encrypted
// messages both ways. Any bad frame closes the connection with a reason; the daemon keeps running.
import {
  ChannelError,
  type CloseKind,
  closeFrame,
  ResponderHandshake,
  type SecureChannel,
} from '../channel/channel.js';
import { decodeWireFrame, FrameError, FrameType } from '../channel/frame.js';
import { type DaemonMessage, parseClientMessage } from '../channel/messages.js';
import { ValidationError } from '../channel/validate.js';
import { logText, type RepeatLimitedLog } from '../log.js';
import { randomId } from '../state/ids.js';
import type { FramePipe } from '../transport/pipe.js';
import type { Admitted } from './admission.js';
import type { Client } from './client.js';
import type { DaemonCore } from './core.js';
import { dispatch } from './dispatch.js';
import { nodeChaChaPoly } from './node-aead.js';
import { nodeNoiseHashes } from './node-hash.js';
import { nodeX25519 } from './node-x25519.js';

/** How long a device has to finish the handshake and say hello, in milliseconds. */
export const HANDSHAKE_TIMEOUT_MS = 10_000;
/** A device that sends nothing for this long is cut (devices ping every second: its link has stalled), in ms. */
export const DEVICE_SILENCE_TIMEOUT_MS = 8_000;

type State = 'handshake' | 'hello' | 'open' | 'closed';

/**
 * A device connection over one pipe, whatever carries it: feed it frames with `receive`, call `closed`
 * when the pipe ends. The caps, the handshake, revocation by key and CLOSE frames all live here.
 */
export class DeviceConnection implements Client, Admitted {
  #id: string | undefined;
  readonly owner = false;
  deviceId: string | undefined;
  /** The device's static key, once the handshake proved the device holds it. */
  deviceKey: Uint8Array | undefined;
  private state: State = 'handshake';
  private readonly responder: ResponderHandshake;
  private channel: SecureChannel | undefined;
  private pendingPairing: { name: string; key: Uint8Array; id: string } | undefined;
  private readonly timer: ReturnType<typeof setTimeout>;
  /** Cuts the device after DEVICE_SILENCE_TIMEOUT_MS without a frame from it (once open). */
  private silence: ReturnType<typeof setTimeout> | undefined;
  private queue: Promise<void> = Promise.resolve();

  private readonly peer: FramePipe['peer'];

  constructor(
    private readonly daemon: DaemonCore,
    private readonly pipe: FramePipe,
    /** Whoever can reach the daemon can make it log these: limited per kind. */
    private readonly log: RepeatLimitedLog,
  ) {
    this.peer = pipe.peer;
    this.responder = new ResponderHandshake(daemon.identity.keys, {
      aead: nodeChaChaPoly,
      dh: nodeX25519,
      hashes: nodeNoiseHashes,
    });
    this.timer = setTimeout(() => {
      if (this.state === 'handshake' || this.state === 'hello') {
        this.fail(new ChannelError('timeout', 'The secure connection took too long to set up. Try again.'));
      }
    }, daemon.handshakeTimeoutMs);
    if (!daemon.connections.admit(this)) {
      this.log.warn('too many connections', `refused a connection from ${this.peer.remote}: it already holds too many`);
      this.close(
        'rate-limited',
        'This device has too many connections open to this computer. Close some, then try again.',
      );
    }
  }

  /** This connection's id among the daemon's clients, made when first asked for (a flood's never are). */
  get id(): string {
    this.#id ??= randomId(8);
    return this.#id;
  }

  /** Where the connection comes from: the unit of the per-source limits. */
  get source(): string {
    return this.peer.remote;
  }

  /** The paired device's name, as people know it. */
  get name(): string | undefined {
    return this.deviceId ? this.daemon.devices.get(this.deviceId)?.name : undefined;
  }

  /** Handles one message from the carrier (text is refused). Never throws. */
  receive(bytes: Uint8Array | string): void {
    if (this.state === 'closed') return;
    this.silence?.refresh();
    if (typeof bytes === 'string') {
      this.close('protocol', 'The connection sent text where binary frames were expected.');
      return;
    }
    try {
      const frame = decodeWireFrame(bytes);
      if (this.state === 'handshake') this.onHandshake(frame.type, frame.body);
      else if (frame.type === FrameType.DATA) this.onData(frame.body);
      else if (frame.type === FrameType.CLOSE) {
        // The device (or anything on the path: it is plaintext) ends the connection; the pipe closes too,
        // so a relay channel does not linger.
        this.pipe.close('closed');
        this.closed();
      } else throw new ChannelError('protocol', 'The connection sent a handshake twice.');
    } catch (err) {
      this.fail(err);
    }
  }

  /** Sends a message to the device (dropped once closed). */
  send(msg: DaemonMessage, body?: Uint8Array): void {
    if (this.state !== 'open' || !this.channel) return;
    for (const f of this.channel.sealPieces(msg, body)) this.pipe.send(f);
  }

  /** Closes with a reason the device can show. */
  close(kind: CloseKind, message: string): void {
    if (this.state === 'closed') return;
    this.pipe.send(closeFrame(kind, message));
    this.pipe.close(kind);
    this.closed();
  }

  /** The carrier ended. */
  closed(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.timer);
    clearTimeout(this.silence);
    this.daemon.connections.remove(this);
    this.daemon.removeClient(this);
  }

  private onHandshake(type: number, body: Uint8Array): void {
    const init = this.responder.readInit(type, body);
    if (init.kind === 'connect') {
      const device = this.daemon.devices.byKey(init.deviceKey);
      if (!device) {
        this.log.info('unknown key', `refused an unknown device key from ${this.peer.remote}`);
        this.pipe.send(
          this.responder.refuse(
            'needs-pairing',
            'This device needs to be paired again. It is not (or no longer) paired with this computer.',
          ),
        );
        this.pipe.close('needs-pairing');
        this.closed();
        return;
      }
      const { frame, channel } = this.responder.accept({ deviceId: device.id, deviceName: device.name });
      this.deviceId = device.id;
      this.deviceKey = init.deviceKey;
      this.channel = channel;
      this.state = 'hello';
      this.pipe.send(frame);
      return;
    }
    const attempt = this.daemon.pairing.attempt(init.tag, init.deviceEphemeral, init.deviceKey);
    if (!attempt.ok) {
      this.log.warn('pairing refused', `pairing attempt from ${this.peer.remote} refused: ${attempt.reason}`);
      this.pipe.send(closeFrame('bad-code', attempt.message));
      this.pipe.close('bad-code');
      this.closed();
      return;
    }
    // The device record is written when the device proves it holds the channel keys (its `hello`).
    this.pendingPairing = { name: init.deviceName, key: init.deviceKey, id: randomId(10) };
    const { frame, channel } = this.responder.accept(
      { deviceId: this.pendingPairing.id, deviceName: init.deviceName },
      attempt.psk,
    );
    this.channel = channel;
    this.state = 'hello';
    this.pipe.send(frame);
  }

  private onData(body: Uint8Array): void {
    const channel = this.channel;
    if (!channel) throw new ChannelError('protocol', 'Data arrived before the handshake finished.');
    const whole = channel.open(body);
    if (!whole) return;
    let received: ReturnType<typeof parseClientMessage>;
    try {
      received = parseClientMessage(whole.header, whole.body);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      if (this.state === 'hello')
        throw new ChannelError('protocol', 'The connection did not start with hello.', err.message);
      const rid =
        typeof whole.header.rid === 'number' && Number.isSafeInteger(whole.header.rid) && whole.header.rid > 0
          ? whole.header.rid
          : undefined;
      this.log.warn('malformed message', `malformed message from device ${this.deviceId}: ${logText(err.message)}`);
      this.send({
        t: 'error',
        ...(rid !== undefined && rid <= 2 ** 31 ? { rid } : {}),
        code: 'bad-request',
        message: `That request was malformed (${err.message}).`,
      });
      return;
    }
    const { msg, body: msgBody } = received;
    if (this.state === 'hello') {
      if (msg.t !== 'hello') throw new ChannelError('protocol', 'The connection did not start with hello.');
      this.completeHello();
      // `welcome` goes out first; only then does the client join broadcasts.
      this.queue = this.queue
        .then(() => dispatch(this.daemon, this, msg, msgBody))
        .then(() => {
          if (this.state === 'open') this.daemon.addClient(this);
        })
        .catch((err: unknown) => this.log.log.error(err));
      return;
    }
    // Messages are handled one after another, in order, even when a handler awaits.
    this.queue = this.queue
      .then(() => dispatch(this.daemon, this, msg, msgBody))
      .catch((err: unknown) => this.log.log.error(err));
  }

  private completeHello(): void {
    if (this.pendingPairing) {
      this.deviceKey = this.pendingPairing.key;
      const record = this.daemon.pairDevice(this, {
        id: this.pendingPairing.id,
        name: this.pendingPairing.name,
        publicKey: this.pendingPairing.key,
        ...(this.peer.tailnetIdentity ? { tailnetIdentity: this.peer.tailnetIdentity } : {}),
      });
      this.deviceId = record.id;
      this.pendingPairing = undefined;
      this.log.log.info(`paired a new device ${record.id} ("${record.name}") from ${this.peer.remote}`);
    } else if (this.deviceKey) {
      // The device may have been removed (or paired again) between the handshake and its hello.
      const record = this.daemon.devices.byKey(this.deviceKey);
      if (!record) {
        throw new ChannelError(
          'needs-pairing',
          'This device needs to be paired again. It is not (or no longer) paired with this computer.',
        );
      }
      this.deviceId = record.id;
      this.daemon.devices.touch(record.id, this.peer.tailnetIdentity);
    }
    clearTimeout(this.timer);
    this.state = 'open';
    this.daemon.connections.established(this);
    this.silence = setTimeout(() => {
      this.log.log.info(
        `device ${this.deviceId} sent nothing for ${DEVICE_SILENCE_TIMEOUT_MS / 1000} s: closing its connection`,
      );
      this.close('timeout', 'This device stopped answering, so the computer closed the connection.');
    }, DEVICE_SILENCE_TIMEOUT_MS);
  }

  private fail(err: unknown): void {
    if (err instanceof ChannelError) {
      this.log.warn(
        `closing: ${err.kind}`,
        `closing connection from ${this.peer.remote}${this.deviceId ? ` (device ${this.deviceId})` : ''}: ${err.message}${err.detail ? ` [${logText(err.detail)}]` : ''}`,
      );
      this.close(err.kind, err.message);
      return;
    }
    if (err instanceof FrameError) {
      this.log.warn(
        'malformed frame',
        `closing connection from ${this.peer.remote}: malformed frame (${logText(err.message)})`,
      );
      this.close('protocol', 'The connection was closed because a message was malformed.');
      return;
    }
    this.log.log.error(`unexpected error on connection from ${this.peer.remote}`, err);
    this.close('closed', 'Something went wrong on the computer. The details are in the paseo log.');
  }
}
