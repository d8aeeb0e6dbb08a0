// What a device's connection is made of, shared by opening it (opening.ts) and the open connection
// (client.ts): how to reach the daemon, the part of a WebSocket used, why a connection failed or ended,
// and reading what arrives on the socket. Isomorphic.
import { ChannelError, type CloseKind, parseCloseFrame } from './channel.js';
import { concat } from './encoding.js';
import type { KeyPair } from './noise.js';

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

/**
 * The reason a CLOSE frame gives for the close that follows. It is plaintext that anything on the path
 * (a relay, a proxy) can write, so it is display text and a reason to reconnect, nothing more: a kind
 * that would un-pair the device becomes 'closed' (the reconnect then hears the daemon's own answer).
 */
export function closeAdvisory(body: Uint8Array): ConnectionError {
  const { kind, message } = parseCloseFrame(body);
  return new ConnectionError(kind === 'revoked' || kind === 'needs-pairing' ? 'closed' : kind, message);
}

/** What went wrong with a received frame, as a sentence for people. */
export function receiveFailure(err: unknown): ConnectionError {
  return err instanceof ChannelError
    ? new ConnectionError(err.kind, err.message)
    : new ConnectionError('protocol', 'The computer sent something this page does not understand.');
}

/** The bytes of a WebSocket message, whatever form the WebSocket gives them in. */
export function toBytes(data: unknown): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  // `ws` may deliver fragmented messages as Buffer[] unless binaryType is set; join them.
  if (Array.isArray(data)) return concat(...data.map(toBytes));
  throw new ChannelError('protocol', 'Received a text message where binary was expected.');
}
