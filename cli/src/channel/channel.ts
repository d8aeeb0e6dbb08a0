// The encrypted channel: the Noise handshakes both sides run, and the secure channel that follows.
//
//   pairing (first time):  device → PAIR_INIT    Noise_IKpsk2 message 1, payload {name, tag}
//   later connections:     device → CONNECT_INIT Noise_IK message 1,     payload {}
//   both:                  daemon → HANDSHAKE_REPLY message 2,           payload {ok, deviceId, …} or {ok:false, …}
//   then:                  DATA frames both ways: Noise transport messages carrying message fragments.
//
// Isomorphic: used by the daemon (responder) and the browser (initiator). See docs/protocol.md.

import type { AeadFactory } from './aead.js';
import { toBase64Url, utf8 } from './encoding.js';
import {
  decodeMessage,
  encodeMessage,
  encodeMessageHead,
  encodeWireFrame,
  FRAGMENT_FLAG_FINAL,
  FRAGMENT_FLAGS_BYTES,
  FrameType,
  fragmentMessage,
  MAX_FRAGMENT_PLAINTEXT_BYTES,
  Reassembler,
  WIRE_FRAME_TYPE_BYTES,
} from './frame.js';
import {
  type CloseBody,
  type CloseKind,
  closeBody,
  type HandshakeReply,
  handshakeReply,
  MAX_NAME_CHARS,
  pairingRequest,
  parsePayload,
} from './messages.js';
import { type CipherState, HandshakeState, type KeyPair, type NoiseHashes, nobleX25519, type X25519 } from './noise.js';
import { pairingPsk, pairingTag } from './pairing-code.js';

export type { CloseKind, HandshakeReply };

/** Noise protocol used when pairing with a one-time code. */
export const PAIR_PROTOCOL = 'Noise_IKpsk2_25519_ChaChaPoly_SHA256';
/** Noise protocol used by paired devices. */
export const CONNECT_PROTOCOL = 'Noise_IK_25519_ChaChaPoly_SHA256';
/** Prologue mixed into every handshake: binds it to this protocol and version. */
export const PROLOGUE = utf8('paseo/1');

/** The WebSocket close code that goes with each CLOSE kind (docs/protocol.md, "Closing"). */
export const CLOSE_CODES: Readonly<Record<CloseKind, number>> = {
  'needs-pairing': 4001,
  revoked: 4003,
  'bad-code': 4004,
  timeout: 4008,
  'rate-limited': 4029,
  protocol: 4000,
  shutdown: 1001,
  closed: 1000,
};

/** A failure in the channel; `kind` says what the other side should tell the person. */
export class ChannelError extends Error {
  constructor(
    readonly kind: CloseKind,
    message: string,
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'ChannelError';
  }
}

/** Encodes a CLOSE wire frame (plaintext, unauthenticated: used only to explain a close to a person). */
export function closeFrame(kind: CloseKind, message: string): Uint8Array {
  return encodeWireFrame(FrameType.CLOSE, utf8(JSON.stringify({ kind, message } satisfies CloseBody)));
}

/** Reads a CLOSE frame body; one that does not validate only loses its reason, since it is advisory. */
export function parseCloseFrame(body: Uint8Array): CloseBody {
  try {
    return parsePayload(body, closeBody);
  } catch {
    return { kind: 'closed', message: 'The connection was closed.' };
  }
}

/** An established channel: turns messages into DATA frames and DATA frames back into messages. */
export class SecureChannel {
  private readonly reassembler = new Reassembler();

  constructor(
    private readonly sendState: CipherState,
    private readonly receiveState: CipherState,
  ) {}

  /** Encrypts one message (header + body) into one or more DATA wire frames. */
  seal(header: object, body: Uint8Array = EMPTY): Uint8Array[] {
    // One fragment (every session.output is one): the flags byte and the head in one small array, the
    // body as it is, sealed straight into the wire frame (no copy of the body before the cipher's).
    const head = encodeMessageHead(header, body.length, FRAGMENT_FLAGS_BYTES);
    if (head.length + body.length <= MAX_FRAGMENT_PLAINTEXT_BYTES) {
      head[0] = FRAGMENT_FLAG_FINAL;
      return [this.dataFrame(body.length > 0 ? [head, body] : [head])];
    }
    return fragmentMessage(encodeMessage(header, body)).map((fragment) => this.dataFrame([fragment]));
  }

  /**
   * Like seal, each wire frame as pieces to be sent back to back as one message (see FramePipe.send): the
   * daemon's cipher gives a large body as a piece of its own, which joining would copy once more.
   */
  sealPieces(header: object, body: Uint8Array = EMPTY): Uint8Array[][] {
    const head = encodeMessageHead(header, body.length, FRAGMENT_FLAGS_BYTES);
    if (head.length + body.length <= MAX_FRAGMENT_PLAINTEXT_BYTES) {
      head[0] = FRAGMENT_FLAG_FINAL;
      const pieces = this.sendState.encryptPiecesWithAd(
        EMPTY,
        body.length > 0 ? [head, body] : [head],
        WIRE_FRAME_TYPE_BYTES,
      );
      (pieces[0] as Uint8Array)[0] = FrameType.DATA;
      return [pieces];
    }
    return this.seal(header, body).map((frame) => [frame]);
  }

  private dataFrame(plaintext: readonly Uint8Array[]): Uint8Array {
    const frame = this.sendState.encryptPartsWithAd(EMPTY, plaintext, WIRE_FRAME_TYPE_BYTES);
    frame[0] = FrameType.DATA;
    return frame;
  }

  /**
   * Decrypts the body of one DATA frame. Returns the message once its last fragment arrived.
   * Any tampered, replayed, reordered or truncated frame throws ChannelError('protocol').
   */
  open(body: Uint8Array): { header: Record<string, unknown>; body: Uint8Array } | undefined {
    let plaintext: Uint8Array;
    try {
      plaintext = this.receiveState.decryptWithAd(EMPTY, body);
    } catch (err) {
      throw new ChannelError(
        'protocol',
        'The connection was closed because a message failed its integrity check.',
        `decrypt failed at nonce ${this.receiveState.nonce}: ${String(err)}`,
      );
    }
    try {
      const whole = this.reassembler.push(plaintext);
      return whole ? decodeMessage(whole) : undefined;
    } catch (err) {
      throw new ChannelError('protocol', 'The connection was closed because a message was malformed.', String(err));
    }
  }
}

const EMPTY = new Uint8Array(0);

// ---- Device side (initiator) ----------------------------------------------------------------------

/** The device's half of a handshake in progress. */
export class InitiatorHandshake {
  private constructor(
    private readonly hs: HandshakeState,
    /** The first wire frame to send (PAIR_INIT or CONNECT_INIT). */
    readonly firstFrame: Uint8Array,
  ) {}

  /** Starts pairing with a one-time code: the daemon will store `keys.publicKey` as a new device. */
  static pair(opts: {
    keys: KeyPair;
    daemonPublicKey: Uint8Array;
    code: string;
    deviceName: string;
    aead?: AeadFactory;
    dh?: X25519;
  }): InitiatorHandshake {
    const psk = pairingPsk(opts.code, opts.daemonPublicKey);
    const e = (opts.dh ?? nobleX25519).generateKeyPair();
    const hs = new HandshakeState({
      protocolName: PAIR_PROTOCOL,
      initiator: true,
      prologue: PROLOGUE,
      s: opts.keys,
      e,
      rs: opts.daemonPublicKey,
      psks: [psk],
      ...(opts.aead ? { aead: opts.aead } : {}),
      ...(opts.dh ? { dh: opts.dh } : {}),
    });
    const tag = pairingTag(psk, e.publicKey, opts.keys.publicKey);
    const payload = { name: opts.deviceName.slice(0, MAX_NAME_CHARS), tag: toBase64Url(tag) };
    const msg1 = hs.writeMessage(utf8(JSON.stringify(payload)));
    return new InitiatorHandshake(hs, encodeWireFrame(FrameType.PAIR_INIT, msg1));
  }

  /** Starts a connection as an already paired device. */
  static connect(opts: {
    keys: KeyPair;
    daemonPublicKey: Uint8Array;
    aead?: AeadFactory;
    dh?: X25519;
  }): InitiatorHandshake {
    const hs = new HandshakeState({
      protocolName: CONNECT_PROTOCOL,
      initiator: true,
      prologue: PROLOGUE,
      s: opts.keys,
      rs: opts.daemonPublicKey,
      ...(opts.aead ? { aead: opts.aead } : {}),
      ...(opts.dh ? { dh: opts.dh } : {}),
    });
    const msg1 = hs.writeMessage(utf8('{}'));
    return new InitiatorHandshake(hs, encodeWireFrame(FrameType.CONNECT_INIT, msg1));
  }

  /** Reads the daemon's HANDSHAKE_REPLY body; returns its answer and, when accepted, the channel. */
  readReply(body: Uint8Array): { reply: HandshakeReply; channel?: SecureChannel } {
    let payload: Uint8Array;
    try {
      payload = this.hs.readMessage(body);
    } catch (err) {
      throw new ChannelError(
        'protocol',
        'Could not verify the computer this page belongs to. Pair this device again.',
        String(err),
      );
    }
    const reply = parseReply(payload);
    if (!reply.ok) return { reply };
    const { send, receive } = this.hs.split();
    return { reply, channel: new SecureChannel(send, receive) };
  }
}

function parseReply(payload: Uint8Array): HandshakeReply {
  try {
    return parsePayload(payload, handshakeReply);
  } catch (err) {
    throw new ChannelError('protocol', 'The computer answered in a way this page does not understand.', String(err));
  }
}

// ---- Daemon side (responder) ----------------------------------------------------------------------

/** What the daemon learns from a device's first handshake message. */
export type InitRequest =
  | { kind: 'pair'; deviceKey: Uint8Array; deviceName: string; tag: Uint8Array; deviceEphemeral: Uint8Array }
  | { kind: 'connect'; deviceKey: Uint8Array };

/** The daemon's half of a handshake in progress. */
export class ResponderHandshake {
  private hs: HandshakeState | undefined;
  private request: InitRequest | undefined;

  constructor(
    private readonly staticKeys: KeyPair,
    /** Implementations to use (the daemon passes node:crypto's); default @noble. */
    private readonly impl: { aead?: AeadFactory; dh?: X25519; hashes?: NoiseHashes } = {},
  ) {}

  /** Reads the first wire frame (already split into type and body). Throws ChannelError('protocol'). */
  readInit(type: number, body: Uint8Array): InitRequest {
    if (this.hs) throw new ChannelError('protocol', 'The handshake was started twice.');
    const pairing = type === FrameType.PAIR_INIT;
    if (!pairing && type !== FrameType.CONNECT_INIT) {
      throw new ChannelError('protocol', 'The connection did not start with a handshake.', `frame type ${type}`);
    }
    const hs = new HandshakeState({
      protocolName: pairing ? PAIR_PROTOCOL : CONNECT_PROTOCOL,
      initiator: false,
      prologue: PROLOGUE,
      s: this.staticKeys,
      ...this.impl,
    });
    let payload: Uint8Array;
    try {
      payload = hs.readMessage(body);
    } catch (err) {
      throw new ChannelError('protocol', 'The handshake message was invalid.', String(err));
    }
    this.hs = hs;
    const deviceKey = hs.remoteStaticKey;
    if (!deviceKey) throw new ChannelError('protocol', 'The handshake carried no device key.');
    if (!pairing) {
      this.request = { kind: 'connect', deviceKey };
      return this.request;
    }
    const deviceEphemeral = hs.remoteEphemeralKey;
    if (!deviceEphemeral) throw new ChannelError('protocol', 'The handshake carried no ephemeral key.');
    let fields: ReturnType<typeof pairingRequest>;
    try {
      fields = parsePayload(payload, pairingRequest);
    } catch (err) {
      throw new ChannelError('protocol', 'The pairing request was malformed.', String(err));
    }
    this.request = {
      kind: 'pair',
      deviceKey,
      deviceName: cleanDeviceName(fields.name),
      tag: fields.tag,
      deviceEphemeral,
    };
    return this.request;
  }

  /** Accepts: writes the reply (setting the pairing PSK first when pairing) and returns it with the channel. */
  accept(
    reply: { deviceId: string; deviceName: string },
    psk?: Uint8Array,
  ): { frame: Uint8Array; channel: SecureChannel } {
    const hs = this.requireState();
    if (this.request?.kind === 'pair') {
      if (!psk) throw new Error('pairing needs the PSK of the matched code');
      hs.setPsks([psk]);
    }
    const msg2 = hs.writeMessage(utf8(JSON.stringify({ ok: true, ...reply } satisfies HandshakeReply)));
    const { send, receive } = hs.split();
    return { frame: encodeWireFrame(FrameType.HANDSHAKE_REPLY, msg2), channel: new SecureChannel(send, receive) };
  }

  /**
   * Refuses a connecting device with an authenticated reason (IK only: the device can trust it comes
   * from this daemon). Pairing refusals use a plain CLOSE frame, since there is no shared PSK to use.
   */
  refuse(kind: CloseKind, message: string): Uint8Array {
    const hs = this.requireState();
    if (this.request?.kind !== 'connect') return closeFrame(kind, message);
    return encodeWireFrame(
      FrameType.HANDSHAKE_REPLY,
      hs.writeMessage(utf8(JSON.stringify({ ok: false, kind, message } satisfies HandshakeReply))),
    );
  }

  private requireState(): HandshakeState {
    if (!this.hs) throw new Error('readInit must come first');
    return this.hs;
  }
}

/** Trims a device name to something safe to show: printable, single line, bounded. */
export function cleanDeviceName(name: string): string {
  return cleanLabel(name, MAX_NAME_CHARS) || 'Unnamed device';
}

/**
 * Makes text from elsewhere (a device name, a tailnet login or node name) safe to store and show in a
 * terminal or a page: control characters (escape sequences), line breaks and bidirectional overrides
 * become spaces, runs of spaces one, and it is cut to `maxChars`. May return ''.
 */
export function cleanLabel(text: string, maxChars: number): string {
  return (
    text
      // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
      .replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, maxChars)
      .trim()
  );
}
