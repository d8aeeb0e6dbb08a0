// One daemon's link on the relay, and the phone channels it carries. The link proves its id first (the
// relay's challenge, signed with the key the id derives from), then every phone that asks for that id
// gets a channel: its binary messages go to the daemon as DATA frames and the daemon's DATA frames go to
// it, untouched. Nothing here reads a wire frame: the relay is a pipe with limits.
import { createPublicKey, randomBytes, verify } from 'node:crypto';
import type { WebSocket } from 'ws';
import { closeFrame } from '../channel/channel.js';
import { toBase64Url } from '../channel/encoding.js';
import {
  CHALLENGE_BYTES,
  closePayload,
  decodeRelayFrame,
  encodeRelayFrame,
  jsonPayload,
  PING_BYTES,
  parseClosePayload,
  parseRegister,
  type RelayErrorCode,
  RelayFrameError,
  RelayOp,
  registrationMessage,
  relayHostName,
  relayIdOf,
} from '../channel/relay-protocol.js';
import { logText, type RepeatLimitedLog } from '../log.js';
import type { RelayLimits } from './limits.js';
import type { DropReason, RelayMetrics } from './metrics.js';

/** What a link needs from the relay around it. */
export interface LinkContext {
  limits: RelayLimits;
  metrics: RelayMetrics;
  log: RepeatLimitedLog;
  /** Takes the link under its proven id, replacing (and closing) an earlier link with that id. */
  register(link: DaemonLink): void;
  /** Forgets the link (it closed). */
  unregister(link: DaemonLink): void;
}

/** WebSocket close codes the relay uses towards phones. */
const PHONE_CLOSE = { tryAgainLater: 1013, goingAway: 1001, unsupported: 1003 } as const;

/** A sentence for the phone's screen when its computer's link is gone. */
const LINK_GONE = 'The relay lost the connection to your computer. Reconnecting…';

/** The ways a link ends, each with what the daemon is told. */
type LinkEnd = { code: RelayErrorCode; message: string; drop?: DropReason } | undefined;

/** A daemon's WebSocket on the relay: registration, its channels, its keepalive. */
export class DaemonLink {
  /** The proven id, once registered. */
  relayId: string | undefined;
  private readonly channels = new Map<number, PhoneChannel>();
  private nextChannel = 1;
  private lastHeardAt = Date.now();
  private readonly challenge = new Uint8Array(randomBytes(CHALLENGE_BYTES));
  private readonly registerTimer: ReturnType<typeof setTimeout>;
  private closed = false;
  private phonesPaused = false;

  constructor(
    private readonly ws: WebSocket,
    /** The relay's host name as this request named it: what the daemon must have signed. */
    private readonly host: string,
    /** The daemon's address (for logs). */
    readonly remote: string,
    private readonly ctx: LinkContext,
  ) {
    ws.on('message', (data: Buffer, isBinary) => this.onMessage(data, isBinary));
    ws.on('close', () => this.onClose());
    ws.on('error', (err) => ctx.log.warn('daemon link error', `daemon link from ${remote}: ${logText(err.message)}`));
    ws.on('pong', () => this.heard());
    this.registerTimer = setTimeout(() => {
      ctx.metrics.dropped('registration-timeout');
      this.end({ code: 'timeout', message: 'The relay waited too long for the daemon to register.' });
    }, ctx.limits.registerTimeoutMs);
    this.sendFrame(RelayOp.CHALLENGE, 0, this.challenge);
  }

  /** Channels open now. */
  get channelCount(): number {
    return this.channels.size;
  }

  /** Keepalive, from the relay's timer: a PING, or the end of a link that has been silent too long. */
  keepalive(now: number): void {
    if (this.closed || !this.relayId) return;
    if (now - this.lastHeardAt > this.ctx.limits.deadAfterMs) {
      this.ctx.metrics.dropped('dead-peer');
      this.end({ code: 'timeout', message: 'The daemon did not answer the relay’s keepalive.' });
      return;
    }
    this.sendFrame(RelayOp.PING, 0, new Uint8Array(randomBytes(PING_BYTES)));
    for (const c of this.channels.values()) c.keepalive();
  }

  /** A phone asked for this daemon: opens a channel, or refuses it when the daemon has too many. */
  openChannel(phone: WebSocket, remote: string): void {
    if (this.channels.size >= this.ctx.limits.maxChannelsPerDaemon) {
      this.ctx.metrics.dropped('too-many-channels');
      refusePhone(phone, 'rate-limited', 'Too many devices are connected to this computer through the relay.', 4029);
      return;
    }
    const id = this.nextChannel++;
    const channel = new PhoneChannel(id, phone, this, this.ctx);
    this.channels.set(id, channel);
    this.ctx.metrics.channels.inc();
    this.ctx.metrics.channelsTotal.inc();
    this.sendFrame(RelayOp.OPEN, id, jsonPayload({ remote }));
    if (this.phonesPaused) phone.pause();
  }

  /** Ends the link: the daemon is told why (ERROR on channel 0), every phone is closed. */
  end(why: LinkEnd): void {
    if (this.closed) return;
    if (why) {
      if (why.drop) this.ctx.metrics.dropped(why.drop);
      this.sendFrame(RelayOp.ERROR, 0, jsonPayload({ code: why.code, message: why.message }));
      this.ws.close(why.code === 'shutdown' ? 1001 : 1008, why.code);
    } else this.ws.terminate();
    this.onClose(why?.code === 'shutdown' ? 'The relay is restarting. Reconnecting…' : LINK_GONE);
  }

  /** A frame from a phone channel towards the daemon. */
  toDaemon(channel: number, frame: Uint8Array): void {
    if (this.closed || this.ws.readyState !== this.ws.OPEN) return;
    const data = encodeRelayFrame(RelayOp.DATA, channel, frame);
    this.ctx.metrics.forwarded('to_daemon', frame.length);
    if (this.phonesPaused || this.ws.bufferedAmount + data.length <= this.ctx.limits.daemonBufferHighBytes) {
      this.ws.send(data);
      return;
    }
    // The daemon is not keeping up: its phones are not read until this frame (and all before it) is out.
    this.pausePhones();
    this.ws.send(data, () => this.resumePhones());
  }

  /** A phone channel ended on the phone's side (or the relay cut it): the daemon is told. */
  channelEnded(channel: PhoneChannel, code: number, reason: string, tellDaemon = true): void {
    if (!this.channels.delete(channel.id)) return;
    this.ctx.metrics.channels.dec();
    if (tellDaemon && !this.closed) this.sendFrame(RelayOp.CLOSE, channel.id, closePayload(code, reason));
  }

  /** Bytes queued towards all this daemon's phones; cuts the phone holding the most while over the cap. */
  checkPhonesBuffer(): void {
    let total = 0;
    let largest: PhoneChannel | undefined;
    for (const c of this.channels.values()) {
      total += c.buffered;
      if (!largest || c.buffered > largest.buffered) largest = c;
    }
    if (total > this.ctx.limits.daemonPhonesBufferBytes && largest) largest.cut();
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (this.closed) return;
    this.heard();
    if (!isBinary) {
      this.ctx.metrics.dropped('bad-frame');
      this.end({ code: 'bad-frame', message: 'The daemon sent text where relay frames were expected.' });
      return;
    }
    let frame: ReturnType<typeof decodeRelayFrame>;
    try {
      frame = decodeRelayFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    } catch (err) {
      this.badFrame(err instanceof RelayFrameError ? err.message : String(err));
      return;
    }
    if (!this.relayId) {
      if (frame.op === RelayOp.REGISTER) this.onRegister(frame.payload);
      else if (frame.op !== RelayOp.PONG) this.badFrame('a frame before REGISTER');
      return;
    }
    switch (frame.op) {
      case RelayOp.DATA:
        this.channels.get(frame.channel)?.toPhone(frame.payload);
        return;
      case RelayOp.CLOSE: {
        const { code, reason } = parseClosePayload(frame.payload);
        this.channels.get(frame.channel)?.closeFromDaemon(code, reason);
        return;
      }
      case RelayOp.PING:
        this.sendFrame(RelayOp.PONG, 0, frame.payload);
        return;
      case RelayOp.PONG:
        return;
      default:
        this.badFrame(`op 0x${frame.op.toString(16)} from a daemon`);
    }
  }

  private onRegister(payload: Uint8Array): void {
    let reg: ReturnType<typeof parseRegister>;
    try {
      reg = parseRegister(payload);
    } catch (err) {
      this.badFrame(String(err));
      return;
    }
    if (relayHostName(reg.host) !== this.host) {
      this.ctx.metrics.dropped('bad-registration');
      this.end({
        code: 'wrong-relay',
        message: `The daemon signed its registration for "${logText(reg.host, 100)}", but this relay is "${this.host}". Check the relay address, and that a proxy in front of the relay passes the Host header on.`,
      });
      return;
    }
    if (!verifies(registrationMessage(this.host, this.challenge, reg.publicKey), reg.publicKey, reg.signature)) {
      this.ctx.metrics.dropped('bad-registration');
      this.end({ code: 'bad-signature', message: 'The registration was not signed by the key it names.' });
      return;
    }
    clearTimeout(this.registerTimer);
    this.relayId = relayIdOf(reg.publicKey);
    this.ctx.register(this);
    this.sendFrame(
      RelayOp.REGISTERED,
      0,
      jsonPayload({ relayId: this.relayId, maxChannels: this.ctx.limits.maxChannelsPerDaemon }),
    );
    this.ctx.log.info('daemon registered', `daemon ${this.relayId} registered from ${this.remote}`);
  }

  private badFrame(detail: string): void {
    this.ctx.log.warn('bad daemon frame', `daemon link from ${this.remote}: ${logText(detail)}`);
    this.ctx.metrics.dropped('bad-frame');
    this.end({ code: 'bad-frame', message: 'The relay could not read a frame from the daemon.' });
  }

  private heard(): void {
    this.lastHeardAt = Date.now();
  }

  private sendFrame(op: (typeof RelayOp)[keyof typeof RelayOp], channel: number, payload: Uint8Array): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(encodeRelayFrame(op, channel, payload));
  }

  /** Stops reading this daemon's phones (it is not keeping up). */
  private pausePhones(): void {
    this.phonesPaused = true;
    for (const c of this.channels.values()) c.pause();
  }

  private resumePhones(): void {
    if (!this.phonesPaused || this.closed) return;
    this.phonesPaused = false;
    for (const c of this.channels.values()) c.resume();
  }

  private onClose(phoneMessage = LINK_GONE): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.registerTimer);
    for (const c of [...this.channels.values()]) c.linkGone(phoneMessage);
    this.channels.clear();
    this.ctx.unregister(this);
  }
}

/** One phone's channel through a daemon's link. */
class PhoneChannel {
  private alive = true;
  private ended = false;

  constructor(
    readonly id: number,
    private readonly ws: WebSocket,
    private readonly link: DaemonLink,
    private readonly ctx: LinkContext,
  ) {
    ws.on('message', (data: Buffer, isBinary) => {
      if (this.ended) return;
      this.alive = true;
      if (!isBinary) {
        ctx.metrics.dropped('text-message');
        this.closePhone(PHONE_CLOSE.unsupported, 'binary frames only');
        return;
      }
      link.toDaemon(id, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    });
    ws.on('pong', () => {
      this.alive = true;
    });
    ws.on('close', (code, reason) => this.phoneClosed(code, reason.toString('utf8')));
    ws.on('error', () => {
      /* 'close' follows */
    });
  }

  /** Bytes queued towards the phone. */
  get buffered(): number {
    return this.ws.bufferedAmount;
  }

  /** A wire frame from the daemon: sent on, unless the phone has stopped reading (then it is cut off). */
  toPhone(frame: Uint8Array): void {
    if (this.ended || this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(frame);
    this.ctx.metrics.forwarded('to_phone', frame.length);
    const buffered = this.ws.bufferedAmount;
    const limits = this.ctx.limits;
    if (buffered > limits.channelBufferBytes) this.cut();
    // While every phone holds less than its share, all of them together are under the daemon's cap.
    else if (buffered > limits.daemonPhonesBufferBytes / limits.maxChannelsPerDaemon) this.link.checkPhonesBuffer();
  }

  /** The phone does not read what it is sent: close it, so it never holds up the daemon or other phones. */
  cut(): void {
    if (this.ended) return;
    this.ctx.metrics.dropped('slow-phone');
    this.ctx.log.info('slow phone', `cut off a phone on channel ${this.id}: it did not read what was sent to it`);
    this.ended = true;
    this.ws.terminate();
    this.link.channelEnded(this, 1013, 'slow-consumer');
  }

  /** The daemon closed the channel: the phone's WebSocket closes with its code after the frames before it. */
  closeFromDaemon(code: number, reason: string): void {
    this.closePhone(code, reason, false);
  }

  /** The daemon's link is gone: the phone is told in a CLOSE frame (display text) and may reconnect. */
  linkGone(message: string): void {
    if (this.ended) return;
    this.ended = true;
    this.ctx.metrics.channels.dec();
    if (this.ws.readyState === this.ws.OPEN) {
      this.ws.send(closeFrame('closed', message));
      this.ws.close(PHONE_CLOSE.tryAgainLater, 'relay link lost');
    }
  }

  keepalive(): void {
    if (this.ended) return;
    if (!this.alive) {
      this.ctx.metrics.dropped('dead-peer');
      this.ended = true;
      this.ws.terminate();
      this.link.channelEnded(this, 1001, 'no answer to the relay’s keepalive');
      return;
    }
    this.alive = false;
    this.ws.ping();
  }

  pause(): void {
    this.ws.pause();
  }

  resume(): void {
    this.ws.resume();
  }

  private closePhone(code: number, reason: string, tellDaemon = true): void {
    if (this.ended) return;
    this.ended = true;
    if (this.ws.readyState === this.ws.OPEN) this.ws.close(code, reason);
    this.link.channelEnded(this, code, reason, tellDaemon);
  }

  private phoneClosed(code: number, reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.link.channelEnded(this, code, reason);
  }
}

/** Refuses a phone with a CLOSE frame (display text) and a close code. */
export function refusePhone(phone: WebSocket, kind: 'closed' | 'rate-limited', message: string, code: number): void {
  if (phone.readyState !== phone.OPEN) return;
  phone.send(closeFrame(kind, message));
  phone.close(code, kind);
}

/** True when `signature` is `publicKey`'s Ed25519 signature of `message`. */
function verifies(message: Uint8Array, publicKey: Uint8Array, signature: Uint8Array): boolean {
  try {
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: toBase64Url(publicKey) }, format: 'jwk' });
    return verify(null, message, key, signature);
  } catch {
    return false;
  }
}
