// The relay protocol between a daemon and a relay (docs/relay.md): one WebSocket from the daemon carrying
// every phone's channel. The only module the relay server (relay/) and the daemon's relay client
// (transport/relay.ts) share. Isomorphic (no Node or DOM APIs), so another implementation can be
// checked against it byte for byte.
//
// Each WebSocket message is one relay frame:  op (1 byte) ‖ channel id (u32 big-endian) ‖ payload.
import { sha256 } from '@noble/hashes/sha2.js';
import { concat, fromUtf8, toBase32, utf8 } from './encoding.js';
import { MAX_WIRE_FRAME_BYTES } from './frame.js';
import { type Infer, int, obj, oneOf, parseJson, str, ValidationError } from './validate.js';

/** The WebSocket subprotocol a daemon asks for; a relay that does not answer with it is not a paseo relay. */
export const RELAY_SUBPROTOCOL = 'paseo-relay.v1';
/** The path of the daemon's WebSocket on a relay. */
export const RELAY_DAEMON_PATH = '/daemon';
/** The path prefix of a phone's WebSocket on a relay: `/ws/<relay id>`. */
export const RELAY_PHONE_PATH_PREFIX = '/ws/';

/** Operation codes (byte 0). */
export const RelayOp = {
  /** relay → daemon: a phone connected on a new channel; payload UTF-8 JSON `{"remote"}`. */
  OPEN: 0x01,
  /** both ways: one wire frame of the channel, forwarded untouched. */
  DATA: 0x02,
  /** both ways: the channel ends; payload u16 WebSocket close code ‖ UTF-8 reason (≤ 123 bytes). */
  CLOSE: 0x03,
  /** both ways, channel 0: are you there? payload 8 bytes, echoed in PONG. */
  PING: 0x04,
  /** both ways, channel 0: the answer to PING, same payload. */
  PONG: 0x05,
  /** relay → daemon, channel 0, first frame: 32 random bytes to sign. */
  CHALLENGE: 0x10,
  /** daemon → relay, channel 0: Ed25519 public key (32) ‖ signature (64) ‖ UTF-8 relay host it signed. */
  REGISTER: 0x11,
  /** relay → daemon, channel 0: registered; payload UTF-8 JSON `{"relayId", "maxChannels"}`. */
  REGISTERED: 0x12,
  /** relay → daemon: UTF-8 JSON `{"code", "message"}`; on channel 0 the relay closes the link next. */
  ERROR: 0x1f,
} as const;
export type RelayOpCode = (typeof RelayOp)[keyof typeof RelayOp];
const OPS = new Set<number>(Object.values(RelayOp));

/** Bytes before the payload: the op and the channel id. */
export const RELAY_HEADER_BYTES = 5;
/** The largest relay frame: a DATA frame carrying the largest wire frame. */
export const MAX_RELAY_FRAME_BYTES = RELAY_HEADER_BYTES + MAX_WIRE_FRAME_BYTES;
/** Bytes of a CHALLENGE nonce. */
export const CHALLENGE_BYTES = 32;
/** Bytes of an Ed25519 public key and signature. */
export const ED25519_PUBLIC_KEY_BYTES = 32;
export const ED25519_SIGNATURE_BYTES = 64;
/** Characters of a relay id: 100 bits of the hash of the daemon's Ed25519 public key. */
export const RELAY_ID_CHARS = 20;
/** Longest close reason, in bytes (what a WebSocket close frame can hold). */
export const MAX_CLOSE_REASON_BYTES = 123;
/** Bytes of a PING nonce. */
export const PING_BYTES = 8;

/** Error codes in ERROR frames. */
export const RELAY_ERROR_CODES = [
  'bad-frame', // a frame the relay could not read
  'bad-signature', // REGISTER did not prove possession of the key
  'wrong-relay', // REGISTER signed another relay's host name
  'timeout', // no REGISTER in time, or no answer to PING
  'replaced', // a daemon with the same key registered since: this link is closed
  'too-many-channels', // the channel was refused: the daemon has the most channels a relay allows
  'slow-consumer', // the channel was closed: the phone did not read what was sent to it
  'rate-limited', // too many connections from this address
  'shutdown', // the relay is stopping
] as const;
export type RelayErrorCode = (typeof RELAY_ERROR_CODES)[number];

/** An ERROR payload. */
export const relayError = obj({ code: oneOf(...RELAY_ERROR_CODES), message: str(500) });
export type RelayError = Infer<typeof relayError>;
/** An OPEN payload: the phone's address as the relay saw it (a hint for the daemon's per-source caps). */
export const relayOpen = obj({ remote: str(64) });
/** A REGISTERED payload. */
export const relayRegistered = obj({ relayId: str(RELAY_ID_CHARS), maxChannels: int(1, 1_000_000) });
export type RelayRegistered = Infer<typeof relayRegistered>;

/** A relay frame that breaks the framing. */
export class RelayFrameError extends Error {
  override name = 'RelayFrameError';
}

/** One decoded relay frame. */
export interface RelayFrame {
  op: RelayOpCode;
  channel: number;
  payload: Uint8Array;
}

/** Encodes a relay frame (the payload whole, or as pieces back to back). */
export function encodeRelayFrame(
  op: RelayOpCode,
  channel: number,
  payload: Uint8Array | readonly Uint8Array[] = new Uint8Array(0),
): Uint8Array {
  if (!Number.isInteger(channel) || channel < 0 || channel > 0xffffffff) throw new RangeError(`bad channel ${channel}`);
  const pieces = payload instanceof Uint8Array ? [payload] : payload;
  let length = 0;
  for (const p of pieces) length += p.length;
  const out = new Uint8Array(RELAY_HEADER_BYTES + length);
  out[0] = op;
  out[1] = channel >>> 24;
  out[2] = (channel >>> 16) & 0xff;
  out[3] = (channel >>> 8) & 0xff;
  out[4] = channel & 0xff;
  let at = RELAY_HEADER_BYTES;
  for (const p of pieces) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Decodes a relay frame and checks its shape (op known, channel 0 exactly for link ops, size); throws RelayFrameError. */
export function decodeRelayFrame(bytes: Uint8Array): RelayFrame {
  if (bytes.length < RELAY_HEADER_BYTES) throw new RelayFrameError(`a relay frame of ${bytes.length} bytes`);
  if (bytes.length > MAX_RELAY_FRAME_BYTES) throw new RelayFrameError(`a relay frame of ${bytes.length} bytes`);
  const op = bytes[0]!;
  if (!OPS.has(op)) throw new RelayFrameError(`unknown op 0x${op.toString(16)}`);
  const channel = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(1);
  const linkOp = op >= RelayOp.PING;
  if (linkOp && op !== RelayOp.ERROR && channel !== 0)
    throw new RelayFrameError(`op 0x${op.toString(16)} on channel ${channel}`);
  if (!linkOp && channel === 0) throw new RelayFrameError(`op 0x${op.toString(16)} on channel 0`);
  const payload = bytes.subarray(RELAY_HEADER_BYTES);
  if (op === RelayOp.DATA && payload.length === 0) throw new RelayFrameError('an empty DATA frame');
  if ((op === RelayOp.PING || op === RelayOp.PONG) && payload.length !== PING_BYTES)
    throw new RelayFrameError('a PING or PONG of the wrong size');
  if (op === RelayOp.CHALLENGE && payload.length !== CHALLENGE_BYTES) throw new RelayFrameError('a short CHALLENGE');
  return { op: op as RelayOpCode, channel, payload };
}

/** A CLOSE payload: the WebSocket close code for the phone and a short reason. */
export function closePayload(code: number, reason: string): Uint8Array {
  let r = utf8(reason);
  if (r.length > MAX_CLOSE_REASON_BYTES) r = utf8(reason.slice(0, MAX_CLOSE_REASON_BYTES / 4));
  const out = new Uint8Array(2 + r.length);
  new DataView(out.buffer).setUint16(0, code);
  out.set(r, 2);
  return out;
}

/** Reads a CLOSE payload; an unreadable one is a plain close (1000, no reason). */
export function parseClosePayload(payload: Uint8Array): { code: number; reason: string } {
  if (payload.length < 2) return { code: 1000, reason: '' };
  const code = new DataView(payload.buffer, payload.byteOffset, payload.byteLength).getUint16(0);
  let reason = '';
  try {
    reason = fromUtf8(payload.subarray(2, 2 + MAX_CLOSE_REASON_BYTES));
  } catch {
    /* not UTF-8: no reason */
  }
  // Only codes an application may send on a WebSocket; anything else becomes a plain close.
  return {
    code: code === 1000 || code === 1001 || code === 1013 || (code >= 4000 && code <= 4999) ? code : 1000,
    reason,
  };
}

/** A JSON payload (OPEN, REGISTERED, ERROR). */
export function jsonPayload(value: unknown): Uint8Array {
  return utf8(JSON.stringify(value));
}

/** Reads a JSON payload with its validator; throws RelayFrameError. */
export function parseJsonPayload<T>(payload: Uint8Array, validator: (v: unknown, path: string) => T): T {
  try {
    return parseJson(fromUtf8(payload), validator);
  } catch (err) {
    throw new RelayFrameError(err instanceof ValidationError ? err.message : 'a payload that is not UTF-8 JSON');
  }
}

/** The relay's host name as signed at registration: lower case, no port, no IPv6 brackets, no trailing dot. */
export function relayHostName(host: string): string {
  return host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
}

/**
 * What a daemon signs to register: a fixed label, the relay's host name (so a relay cannot pass the
 * signature on to another relay), the relay's random challenge (so it cannot be replayed) and the key.
 */
export function registrationMessage(host: string, challenge: Uint8Array, publicKey: Uint8Array): Uint8Array {
  return concat(utf8(`paseo-relay register v1\n${relayHostName(host)}\n`), challenge, publicKey);
}

/** A REGISTER payload. */
export function registerPayload(publicKey: Uint8Array, signature: Uint8Array, host: string): Uint8Array {
  return concat(publicKey, signature, utf8(relayHostName(host)));
}

/** Reads a REGISTER payload; throws RelayFrameError. */
export function parseRegister(payload: Uint8Array): { publicKey: Uint8Array; signature: Uint8Array; host: string } {
  const keyEnd = ED25519_PUBLIC_KEY_BYTES;
  const sigEnd = keyEnd + ED25519_SIGNATURE_BYTES;
  if (payload.length < sigEnd || payload.length > sigEnd + 255)
    throw new RelayFrameError('a REGISTER of the wrong size');
  let host: string;
  try {
    host = fromUtf8(payload.subarray(sigEnd));
  } catch {
    throw new RelayFrameError('a REGISTER whose host is not UTF-8');
  }
  return { publicKey: payload.slice(0, keyEnd), signature: payload.slice(keyEnd, sigEnd), host };
}

/** The alphabet of relay ids: lowercase base32 without the look-alikes 0/o and 1/l (as paseo's other ids). */
const ID_ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';

/** The relay id of a daemon's Ed25519 public key: the first 100 bits of its SHA-256, 20 characters. */
export function relayIdOf(publicKey: Uint8Array): string {
  return toBase32(sha256(publicKey), ID_ALPHABET, RELAY_ID_CHARS);
}

/** True when `text` has the shape of a relay id. */
export function isRelayId(text: string): boolean {
  if (text.length !== RELAY_ID_CHARS) return false;
  for (const c of text) if (!ID_ALPHABET.includes(c)) return false;
  return true;
}
