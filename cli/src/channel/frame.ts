// Wire frames, DATA fragments, the message codec, and length-prefixed stream framing. Pure functions on
// Uint8Array; isomorphic (no Node or DOM APIs beyond TextEncoder/TextDecoder).
//
//   wire frame (one WebSocket binary message):  u8 type | body
//   DATA body:                                  Noise transport message; its plaintext is a fragment
//   fragment:                                   u8 flags (bit0 = FINAL) | part of an encoded message
//   encoded message:                            u32 BE headerLength | header (UTF-8 JSON object) | body
//   control socket stream:                      u32 BE length | encoded message, repeated
import { MAX_NOISE_MESSAGE_BYTES, MAX_NOISE_PLAINTEXT_BYTES } from './noise-cipher.js';

/** Why a frame, fragment or message was rejected. */
export type FrameErrorCode =
  | 'empty' // nothing where something was required
  | 'unknown-type' // wire frame type byte not in FrameType
  | 'too-large' // over a size limit
  | 'truncated' // shorter than its own length fields say
  | 'bad-flags' // unknown fragment flag bits
  | 'bad-length' // a length field out of range
  | 'bad-utf8' // header is not valid UTF-8
  | 'bad-json' // header is not JSON
  | 'bad-header' // header JSON is not a plain object, or cannot be encoded
  | 'bad-argument' // caller passed an invalid argument
  | 'bad-state'; // decoder used after it failed

/** Every failure of the framing layer; `code` says which kind. */
export class FrameError extends Error {
  /** Machine-readable failure kind. */
  readonly code: FrameErrorCode;
  /** Creates an error with a code and a human message. */
  constructor(code: FrameErrorCode, message: string) {
    super(message);
    this.name = 'FrameError';
    this.code = code;
  }
}

// ---- Wire frames ------------------------------------------------------------------------------------

/** Wire frame type bytes. */
export const FrameType = {
  /** Noise IKpsk2 message 1 (pairing with a one-time code). */
  PAIR_INIT: 0x01,
  /** Noise IK message 1 (a paired device reconnecting). */
  CONNECT_INIT: 0x02,
  /** Noise handshake message 2 (the daemon's reply). */
  HANDSHAKE_REPLY: 0x03,
  /** A Noise transport message whose plaintext is one fragment. */
  DATA: 0x04,
  /** Plaintext, unauthenticated close notice (UTF-8 JSON {kind, message}); advisory only. */
  CLOSE: 0x05,
} as const;

/** One of the FrameType values. */
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

const FRAME_TYPES: ReadonlySet<number> = new Set(Object.values(FrameType));

/** Size of the wire frame type prefix. */
export const WIRE_FRAME_TYPE_BYTES = 1;
/** Largest wire frame: type byte plus the largest Noise message. */
export const MAX_WIRE_FRAME_BYTES = WIRE_FRAME_TYPE_BYTES + MAX_NOISE_MESSAGE_BYTES;

/** True when the byte is a known FrameType. */
export function isFrameType(value: number): value is FrameType {
  return FRAME_TYPES.has(value);
}

/** Encodes `u8 type | body`; the body is at most MAX_NOISE_MESSAGE_BYTES. */
export function encodeWireFrame(type: FrameType, body: Uint8Array): Uint8Array {
  if (!isFrameType(type)) throw new FrameError('unknown-type', `unknown frame type ${String(type)}`);
  if (body.length > MAX_NOISE_MESSAGE_BYTES) {
    throw new FrameError('too-large', `frame body is ${body.length} bytes (max ${MAX_NOISE_MESSAGE_BYTES})`);
  }
  const out = new Uint8Array(WIRE_FRAME_TYPE_BYTES + body.length);
  out[0] = type;
  out.set(body, WIRE_FRAME_TYPE_BYTES);
  return out;
}

/** Decodes one wire frame; `body` is a view into `bytes`. Throws FrameError when malformed. */
export function decodeWireFrame(bytes: Uint8Array): { type: FrameType; body: Uint8Array } {
  const type = bytes[0];
  if (type === undefined) throw new FrameError('empty', 'empty wire frame');
  if (bytes.length > MAX_WIRE_FRAME_BYTES) {
    throw new FrameError('too-large', `wire frame is ${bytes.length} bytes (max ${MAX_WIRE_FRAME_BYTES})`);
  }
  if (!isFrameType(type))
    throw new FrameError('unknown-type', `unknown frame type 0x${type.toString(16).padStart(2, '0')}`);
  return { type, body: bytes.subarray(WIRE_FRAME_TYPE_BYTES) };
}

// ---- Fragments --------------------------------------------------------------------------------------

/** Largest encoded message (header length field + header + body), in bytes. */
export const MAX_MESSAGE_BYTES = 8 * 1024 * 1024;
/** Largest fragment: the largest Noise transport plaintext (65535 minus the 16-byte tag). */
export const MAX_FRAGMENT_PLAINTEXT_BYTES = MAX_NOISE_PLAINTEXT_BYTES;
/** Fragment flag: this fragment ends the message. */
export const FRAGMENT_FLAG_FINAL = 0x01;
const KNOWN_FRAGMENT_FLAGS = FRAGMENT_FLAG_FINAL;
/** Size of a fragment's flags byte. */
export const FRAGMENT_FLAGS_BYTES = 1;

/** Splits an encoded message into fragments of at most maxPlaintextBytes (flags byte included). */
export function fragmentMessage(
  encoded: Uint8Array,
  maxPlaintextBytes: number = MAX_FRAGMENT_PLAINTEXT_BYTES,
): Uint8Array[] {
  if (
    !Number.isInteger(maxPlaintextBytes) ||
    maxPlaintextBytes < 2 ||
    maxPlaintextBytes > MAX_FRAGMENT_PLAINTEXT_BYTES
  ) {
    throw new FrameError('bad-argument', `maxPlaintextBytes must be an integer in 2..${MAX_FRAGMENT_PLAINTEXT_BYTES}`);
  }
  if (encoded.length > MAX_MESSAGE_BYTES) {
    throw new FrameError('too-large', `message is ${encoded.length} bytes (max ${MAX_MESSAGE_BYTES})`);
  }
  const chunkBytes = maxPlaintextBytes - FRAGMENT_FLAGS_BYTES;
  const fragments: Uint8Array[] = [];
  let at = 0;
  do {
    const end = Math.min(at + chunkBytes, encoded.length);
    const fragment = new Uint8Array(FRAGMENT_FLAGS_BYTES + end - at);
    fragment[0] = end === encoded.length ? FRAGMENT_FLAG_FINAL : 0;
    fragment.set(encoded.subarray(at, end), FRAGMENT_FLAGS_BYTES);
    fragments.push(fragment);
    at = end;
  } while (at < encoded.length);
  return fragments;
}

/**
 * Reassembles fragments (in order; Noise nonces already guarantee order) into whole encoded messages.
 * Errors are fatal to the connection: after one, call reset() or drop the Reassembler.
 */
export class Reassembler {
  #buffer = new Uint8Array(0);
  #length = 0;

  /** Bytes of the message in progress. */
  get pendingBytes(): number {
    return this.#length;
  }

  /** Drops any message in progress. */
  reset(): void {
    this.#buffer = new Uint8Array(0);
    this.#length = 0;
  }

  /** Adds one fragment; returns the whole encoded message when its FINAL fragment arrives. */
  push(fragmentPlaintext: Uint8Array): Uint8Array | undefined {
    const flags = fragmentPlaintext[0];
    if (flags === undefined) throw new FrameError('empty', 'empty fragment');
    if ((flags & ~KNOWN_FRAGMENT_FLAGS) !== 0) {
      throw new FrameError('bad-flags', `unknown fragment flags 0x${flags.toString(16).padStart(2, '0')}`);
    }
    const final = (flags & FRAGMENT_FLAG_FINAL) !== 0;
    const data = fragmentPlaintext.subarray(FRAGMENT_FLAGS_BYTES);
    if (!final && data.length === 0) throw new FrameError('empty', 'non-final fragment without data');
    const total = this.#length + data.length;
    if (total > MAX_MESSAGE_BYTES) {
      this.reset();
      throw new FrameError('too-large', `message exceeds ${MAX_MESSAGE_BYTES} bytes`);
    }
    // A whole message in one fragment: a view of it (the decrypted plaintext is a fresh array nobody reuses).
    if (final && this.#length === 0) return data;
    if (total > this.#buffer.length) {
      const grown = new Uint8Array(Math.min(MAX_MESSAGE_BYTES, Math.max(total, this.#buffer.length * 2, 4096)));
      grown.set(this.#buffer.subarray(0, this.#length), 0);
      this.#buffer = grown;
    }
    this.#buffer.set(data, this.#length);
    this.#length = total;
    if (!final) return undefined;
    const whole = this.#buffer.slice(0, this.#length);
    this.reset();
    return whole;
  }
}

// ---- Message codec ----------------------------------------------------------------------------------

/** Size of the header length field. */
export const MESSAGE_HEADER_LENGTH_BYTES = 4;
/** Largest header (UTF-8 JSON), in bytes. */
export const MAX_HEADER_BYTES = 64 * 1024;

const utf8Encoder = new TextEncoder();
const strictUtf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function isPlainObjectValue(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Encodes `u32 BE headerLength | JSON header | body`. The header must serialise to a JSON object. */
export function encodeMessage(header: object, body: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = encodeMessageHead(header, body.length, 0, body.length);
  out.set(body, out.length - body.length);
  return out;
}

/**
 * The start of an encoded message, `u32 BE headerLength | JSON header`, for a body of `bodyLength` bytes
 * sent after it, in a new array with `reserve` bytes free in front and room for `room` more at the end.
 * Checks the same limits as encodeMessage.
 */
export function encodeMessageHead(header: object, bodyLength: number, reserve = 0, room = 0): Uint8Array {
  if (!isPlainObjectValue(header)) throw new FrameError('bad-header', 'header must be a plain object');
  let json: string | undefined;
  try {
    json = JSON.stringify(header);
  } catch (error) {
    throw new FrameError('bad-header', `header cannot be serialised: ${String(error)}`);
  }
  if (json === undefined || !json.startsWith('{'))
    throw new FrameError('bad-header', 'header must serialise to a JSON object');
  const headerBytes = utf8Encoder.encode(json);
  if (headerBytes.length > MAX_HEADER_BYTES) {
    throw new FrameError('too-large', `header is ${headerBytes.length} bytes (max ${MAX_HEADER_BYTES})`);
  }
  const total = MESSAGE_HEADER_LENGTH_BYTES + headerBytes.length + bodyLength;
  if (total > MAX_MESSAGE_BYTES)
    throw new FrameError('too-large', `message is ${total} bytes (max ${MAX_MESSAGE_BYTES})`);
  const out = new Uint8Array(reserve + MESSAGE_HEADER_LENGTH_BYTES + headerBytes.length + room);
  new DataView(out.buffer).setUint32(reserve, headerBytes.length, false);
  out.set(headerBytes, reserve + MESSAGE_HEADER_LENGTH_BYTES);
  return out;
}

function rejectProtoKeys(key: string, value: unknown): unknown {
  if (key === '__proto__') throw new FrameError('bad-header', 'header contains a __proto__ key');
  return value;
}

/**
 * Decodes an encoded message; `body` is a view into `bytes`. Throws FrameError on short input, a header length
 * out of range, invalid UTF-8, JSON that is not a plain object, or any `__proto__` key (prototype-pollution guard).
 */
export function decodeMessage(bytes: Uint8Array): { header: Record<string, unknown>; body: Uint8Array } {
  if (bytes.length < MESSAGE_HEADER_LENGTH_BYTES)
    throw new FrameError('truncated', 'message shorter than its header length field');
  if (bytes.length > MAX_MESSAGE_BYTES) throw new FrameError('too-large', `message exceeds ${MAX_MESSAGE_BYTES} bytes`);
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, false);
  if (headerLength > MAX_HEADER_BYTES)
    throw new FrameError('too-large', `header length ${headerLength} exceeds ${MAX_HEADER_BYTES}`);
  if (headerLength > bytes.length - MESSAGE_HEADER_LENGTH_BYTES) {
    throw new FrameError('bad-length', `header length ${headerLength} exceeds the message`);
  }
  let text: string;
  try {
    text = strictUtf8Decoder.decode(
      bytes.subarray(MESSAGE_HEADER_LENGTH_BYTES, MESSAGE_HEADER_LENGTH_BYTES + headerLength),
    );
  } catch {
    throw new FrameError('bad-utf8', 'header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text, rejectProtoKeys);
  } catch (error) {
    if (error instanceof FrameError) throw error;
    throw new FrameError('bad-json', 'header is not valid JSON');
  }
  if (!isPlainObjectValue(header)) throw new FrameError('bad-header', 'header is not a JSON object');
  return { header, body: bytes.subarray(MESSAGE_HEADER_LENGTH_BYTES + headerLength) };
}

// ---- Length-prefixed stream framing (local control socket) -------------------------------------------

/** Size of the stream length prefix. */
export const LENGTH_PREFIX_BYTES = 4;
/** Largest payload of one length-prefixed frame. */
export const MAX_LENGTH_PREFIXED_BYTES = MAX_MESSAGE_BYTES + 4;

/** Encodes `u32 BE length | bytes`. */
export function encodeLengthPrefixed(bytes: Uint8Array): Uint8Array {
  if (bytes.length > MAX_LENGTH_PREFIXED_BYTES) {
    throw new FrameError('too-large', `frame is ${bytes.length} bytes (max ${MAX_LENGTH_PREFIXED_BYTES})`);
  }
  const out = new Uint8Array(LENGTH_PREFIX_BYTES + bytes.length);
  new DataView(out.buffer).setUint32(0, bytes.length, false);
  out.set(bytes, LENGTH_PREFIX_BYTES);
  return out;
}

/**
 * Splits a byte stream into length-prefixed frames, whatever the chunk boundaries. A too-large length is fatal
 * (the stream cannot be resynchronised): later pushes throw FrameError('bad-state').
 */
export class LengthPrefixedDecoder {
  readonly #prefix = new Uint8Array(LENGTH_PREFIX_BYTES);
  #prefixFilled = 0;
  #frame: Uint8Array | undefined;
  #frameFilled = 0;
  #failed = false;

  /** True when part of a frame (or of its length prefix) is buffered: at end of stream, it was truncated. */
  get hasPartial(): boolean {
    return this.#prefixFilled > 0 || this.#frame !== undefined;
  }

  /** Feeds one chunk; returns every frame it completes, in order (each a fresh Uint8Array). */
  push(chunk: Uint8Array): Uint8Array[] {
    if (this.#failed) throw new FrameError('bad-state', 'decoder already failed');
    const frames: Uint8Array[] = [];
    let at = 0;
    while (at < chunk.length) {
      if (this.#frame === undefined) {
        const take = Math.min(LENGTH_PREFIX_BYTES - this.#prefixFilled, chunk.length - at);
        this.#prefix.set(chunk.subarray(at, at + take), this.#prefixFilled);
        this.#prefixFilled += take;
        at += take;
        if (this.#prefixFilled < LENGTH_PREFIX_BYTES) break;
        const length = new DataView(this.#prefix.buffer).getUint32(0, false);
        this.#prefixFilled = 0;
        if (length > MAX_LENGTH_PREFIXED_BYTES) {
          this.#failed = true;
          throw new FrameError('too-large', `frame length ${length} exceeds ${MAX_LENGTH_PREFIXED_BYTES}`);
        }
        this.#frame = new Uint8Array(length);
        this.#frameFilled = 0;
      } else {
        const take = Math.min(this.#frame.length - this.#frameFilled, chunk.length - at);
        this.#frame.set(chunk.subarray(at, at + take), this.#frameFilled);
        this.#frameFilled += take;
        at += take;
      }
      if (this.#frame !== undefined && this.#frameFilled === this.#frame.length) {
        frames.push(this.#frame);
        this.#frame = undefined;
      }
    }
    return frames;
  }
}
