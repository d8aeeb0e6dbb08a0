// Every message of the Paseo application protocol, declared once, with a one-line comment each.
//
// A message travels as a JSON header `{ "t": <type>, ...fields }` plus an optional binary body (frame.ts
// encodes them). Inside the encrypted channel and on the local control socket the same messages are used.
// Requests carry a request id `rid`; the daemon answers each with `result` (same rid) or `error` (same rid).
// The JSON outside that stream (handshake payloads, CLOSE frames, /api/info) is declared here too, at the end.
// Everything here is validated on arrival: a malformed message is rejected with a clear error, never trusted.
import { fromUtf8, parseKey } from './encoding.js';
import { PAIRING_TAG_BYTES } from './pairing-code.js';
import {
  arr,
  bool,
  dict,
  type Infer,
  int,
  isPlainObject,
  literal,
  nullable,
  obj,
  oneOf,
  opt,
  parseJson,
  str,
  ValidationError,
  type Validator,
} from './validate.js';

export * from './shapes.js';

import {
  cols,
  deviceInfo,
  historyList,
  historyRecording,
  id,
  MAX_ARG_CHARS,
  MAX_ARGS,
  MAX_NAME_CHARS,
  name,
  pairInfo,
  presetInfo,
  rid,
  rows,
  seq,
  sessionInfo,
  statusInfo,
} from './shapes.js';

// ---- Client → daemon ---------------------------------------------------------------------------

/** Messages a client (paired device or local CLI) sends to the daemon. */
export const clientMessages = {
  /** First message after the handshake: names the client software. Answered by `welcome`. */
  hello: obj({ client: str(64) }),
  /** Keepalive; answered by `pong` with the same nonce. */
  ping: obj({ nonce: int(0, 2 ** 31) }),
  /** List paired devices; `result` data is DeviceInfo[]. */
  'devices.list': obj({ rid }),
  /** Rename a paired device; `result` data is the DeviceInfo. */
  'device.rename': obj({ rid, deviceId: id, name }),
  /** Remove (revoke) a paired device; its connections close and its keys stop working. */
  'device.remove': obj({ rid, deviceId: id }),
  /** List presets; `result` data is PresetInfo[]. */
  'presets.list': obj({ rid }),
  /** List agent sessions; `result` data is SessionInfo[]. */
  'sessions.list': obj({ rid }),
  /** Start a session from a preset or an explicit command; `result` data is the SessionInfo. */
  'session.create': obj({
    rid,
    preset: opt(str(MAX_NAME_CHARS, 1)),
    command: opt(arr(str(MAX_ARG_CHARS), MAX_ARGS)),
    cwd: opt(str(MAX_ARG_CHARS, 1)),
    name: opt(name),
    env: opt(dict(str(MAX_ARG_CHARS), 256)),
    cols,
    rows,
    /** `acp`: run the preset or command as an ACP agent (a conversation); default `pty`. */
    kind: opt(oneOf('pty', 'acp')),
    /** acp: seconds before an unanswered permission request gets the safe answer (reject). */
    permissionTimeoutS: opt(int(1, 7 * 24 * 3600)),
  }),
  /** Watch a session: what was missed after `afterSeq` (pty: byte offset, acp: event number) or a snapshot, then live. */
  'session.attach': obj({ sessionId: id, afterSeq: opt(seq), cols: opt(cols), rows: opt(rows) }),
  /** Stop watching a session; it keeps running. */
  'session.detach': obj({ sessionId: id }),
  /** Keystrokes for the session (body: the bytes to write to the terminal). */
  'session.input': obj({ sessionId: id }),
  /** This client's terminal size; the session follows the viewer that typed last, or took the size (`take`). */
  'session.resize': obj({ sessionId: id, cols, rows, take: opt(bool) }),
  /** Flow control: the client has processed output up to `seq` (pty: byte offset, acp: event number). */
  'session.ack': obj({ sessionId: id, seq }),
  /** Send text (body, UTF-8): a prompt to an ACP agent, or typed text and Enter in a terminal; `result` data is null. */
  'session.send': obj({ rid, sessionId: id }),
  /** Answer an ACP permission request with one of its options; the first answer wins; `result` data is null. */
  'session.permit': obj({ rid, sessionId: id, requestId: id, optionId: str(200, 1) }),
  /** Cancel the ACP agent's current turn (pending permission requests are cancelled too); `result` data is null. */
  'session.cancel': obj({ rid, sessionId: id }),
  /** End a session (SIGHUP, then SIGKILL if it lingers) and remove it from the list; `result` data is null. */
  'session.kill': obj({ rid, sessionId: id }),
  /** Remove a session that has ended from the list (its recording stays); refused while it runs; `result` null. */
  'session.remove': obj({ rid, sessionId: id }),
  /** Past sessions (not in the session list) from their recordings on disk, newest first; `result` data is HistoryList. */
  'history.list': obj({ rid }),
  /** Read a past session's recording; `result` data is HistoryRecording, its body the conversation or the output. */
  'history.read': obj({ rid, sessionId: id }),
  /** Delete a past session's recordings (refused for a session in the list); `result` data is null. */
  'history.remove': obj({ rid, sessionId: id }),
  /** Owner only (control socket): daemon status; `result` data is StatusInfo. */
  status: obj({ rid }),
  /** Owner only: create a one-time pairing code; `result` data is PairInfo. */
  'pair.create': obj({ rid }),
  /** Owner only: stop the daemon after answering; `result` data is null. */
  shutdown: obj({ rid }),
} satisfies Record<string, Validator<object>>;

/** Client messages that carry a binary body. */
export const CLIENT_BODY_TYPES: ReadonlySet<string> = new Set(['session.input', 'session.send']);
/** Largest text of one `session.send`, in bytes. */
export const MAX_SEND_BYTES = 256 * 1024;
/** Client requests only the local owner (control socket) may send. */
export const OWNER_ONLY_TYPES: ReadonlySet<string> = new Set(['status', 'pair.create', 'shutdown']);

// ---- Daemon → client ---------------------------------------------------------------------------

/** Error codes; `message` always carries a sentence for people. */
export const errorCode = oneOf(
  'bad-request', // the message was malformed or had bad values
  'not-found', // no such device, session or preset
  'not-allowed', // this client may not do that (e.g. owner-only request over the network)
  'failed', // the request was valid but could not be done (e.g. the command does not exist)
  'internal', // a bug; details are in the daemon log
);
export type ErrorCode = Infer<typeof errorCode>;

/** Messages the daemon sends to a client. */
export const daemonMessages = {
  /** Answer to `hello`: who the daemon is and who this client is. */
  welcome: obj({
    daemonId: id,
    version: str(64),
    hostname: str(300),
    deviceId: opt(id),
    deviceName: opt(name),
  }),
  /** Answer to `ping`. */
  pong: obj({ nonce: int(0, 2 ** 31) }),
  /** Successful answer to request `rid`; the type of `data` depends on the request (a body only for RESULT_BODY_TYPES). */
  result: obj({ rid, data: (v: unknown) => v }),
  /** Failed request `rid` (or, without rid, a problem with the connection); `message` is for people. */
  error: obj({ rid: opt(rid), code: errorCode, message: str(2000) }),
  /** The paired devices changed (pushed to every client). */
  'devices.changed': obj({ devices: arr(deviceInfo, 10_000) }),
  /** Sessions started, exited, printed or changed viewers (pushed, throttled). */
  'sessions.changed': obj({ sessions: arr(sessionInfo, 10_000) }),
  /** The whole screen and scrollback of a session as terminal escape sequences (body); replaces what is shown. */
  'session.snapshot': obj({ sessionId: id, seq, cols, rows }),
  /** Live output bytes (body) that end at byte offset `seq` of the session's output. */
  'session.output': obj({ sessionId: id, seq }),
  /** The session's terminal size and who set it (`by`, a name; `yours`: this viewer): on attach and on change. */
  'session.resized': obj({ sessionId: id, cols, rows, by: opt(str(MAX_NAME_CHARS)), yours: opt(bool) }),
  /** Conversation events (body: JSON array, see cli/src/conversation/events.ts); the last one is event number `seq`. */
  'session.events': obj({ sessionId: id, seq }),
  /** A whole conversation (body: JSON snapshot) as of event `seq`; replaces what is shown. */
  'session.conversation': obj({ sessionId: id, seq }),
  /** The session's command ended; `by` names who ended it (`session.kill`), if someone did. */
  'session.exit': obj({
    sessionId: id,
    exitCode: nullable(int(-1, 255)),
    signal: nullable(str(32)),
    by: opt(str(MAX_NAME_CHARS)),
  }),
  /** This device was removed: the connection closes next and the device must pair again. */
  revoked: obj({ message: str(2000) }),
} satisfies Record<string, Validator<object>>;

/** Daemon messages that carry a binary body. */
export const DAEMON_BODY_TYPES: ReadonlySet<string> = new Set([
  'result',
  'session.snapshot',
  'session.output',
  'session.events',
  'session.conversation',
]);

/** The `result` data of each request, validated by the client that asked. */
export const resultData = {
  'devices.list': arr(deviceInfo, 10_000),
  'device.rename': deviceInfo,
  'device.remove': (v: unknown) => (v === null ? null : fail('data', 'null')),
  'presets.list': arr(presetInfo, 1000),
  'sessions.list': arr(sessionInfo, 10_000),
  'session.create': sessionInfo,
  'session.send': (v: unknown) => (v === null ? null : fail('data', 'null')),
  'session.permit': (v: unknown) => (v === null ? null : fail('data', 'null')),
  'session.cancel': (v: unknown) => (v === null ? null : fail('data', 'null')),
  'session.kill': (v: unknown) => (v === null ? null : fail('data', 'null')),
  'session.remove': (v: unknown) => (v === null ? null : fail('data', 'null')),
  'history.list': historyList,
  'history.read': withBody(historyRecording),
  'history.remove': (v: unknown) => (v === null ? null : fail('data', 'null')),
  status: statusInfo,
  'pair.create': pairInfo,
  shutdown: (v: unknown) => (v === null ? null : fail('data', 'null')),
} satisfies Record<string, Validator<unknown>>;

/** Requests whose `result` carries a body: their result is validated with the body as field `body`. */
export const RESULT_BODY_TYPES: ReadonlySet<string> = new Set(['history.read']);

/** A result validator whose data also carries the message's body (`body`: bytes, never from the JSON). */
function withBody<T extends object>(data: Validator<T>): Validator<T & { body: Uint8Array }> {
  return (v, path) => {
    const body = isPlainObject(v) ? v.body : undefined;
    if (!(body instanceof Uint8Array)) throw new ValidationError(`${path}.body`, 'bytes');
    return { ...data(v, path), body };
  };
}

// ---- Types and parsers ---------------------------------------------------------------------------

type MessageUnion<M extends Record<string, Validator<object>>> = {
  [K in keyof M]: { t: K } & Infer<M[K]>;
}[keyof M];

/** Any message a client sends. */
export type ClientMessage = MessageUnion<typeof clientMessages>;
/** Any message the daemon sends. */
export type DaemonMessage = MessageUnion<typeof daemonMessages>;
/** The type tag of a client message. */
export type ClientMessageType = ClientMessage['t'];
/** The type tag of a daemon message. */
export type DaemonMessageType = DaemonMessage['t'];
/** A client message of one type. */
export type ClientMessageOf<T extends ClientMessageType> = Extract<ClientMessage, { t: T }>;
/** A daemon message of one type. */
export type DaemonMessageOf<T extends DaemonMessageType> = Extract<DaemonMessage, { t: T }>;
/** Client messages that are requests (carry `rid`). */
export type RequestType = keyof typeof resultData;
/** The data of a successful answer to a request. */
export type ResultOf<T extends RequestType> = Infer<(typeof resultData)[T]>;

/** A received message with its body (empty when the type carries none). */
export interface Received<M> {
  msg: M;
  body: Uint8Array;
}

/** Validates a decoded header and body as a client message; throws ValidationError. */
export function parseClientMessage(header: Record<string, unknown>, body: Uint8Array): Received<ClientMessage> {
  return parse(clientMessages, CLIENT_BODY_TYPES, header, body) as Received<ClientMessage>;
}

/** Validates a decoded header and body as a daemon message; throws ValidationError. */
export function parseDaemonMessage(header: Record<string, unknown>, body: Uint8Array): Received<DaemonMessage> {
  return parse(daemonMessages, DAEMON_BODY_TYPES, header, body) as Received<DaemonMessage>;
}

/** Validates the data (and body) of a `result` for the request type that was asked. */
export function parseResult<T extends RequestType>(type: T, data: unknown, body?: Uint8Array): ResultOf<T> {
  let value = data;
  if (RESULT_BODY_TYPES.has(type)) value = isPlainObject(data) ? { ...data, body: body ?? new Uint8Array(0) } : data;
  else if (body && body.length > 0) fail('body', `no body for ${type}`);
  return (resultData[type] as Validator<ResultOf<T>>)(value, 'data');
}

// ---- Outside the message stream: handshake payloads, CLOSE frames, /api/info -------------------------

/** Bytes of an X25519 public key. */
const KEY_BYTES = 32;

/** Unpadded base64url of exactly `bytes` bytes, decoded. */
function base64urlBytes(bytes: number): Validator<Uint8Array> {
  return (v, path) => {
    const decoded = parseKey(v, bytes);
    if (!decoded) throw new ValidationError(path, `base64url of ${bytes} bytes`);
    return decoded;
  };
}

/** Why a connection ended, as both sides understand it: carried by CLOSE frames and handshake refusals. */
export const closeKind = oneOf(
  'needs-pairing', // the device key is not (or no longer) paired
  'revoked', // the device was removed while connected
  'bad-code', // the pairing code was wrong, expired or used
  'rate-limited', // too many attempts; try again later
  'protocol', // a malformed, tampered, replayed or reordered frame
  'timeout', // the handshake did not finish in time
  'shutdown', // the daemon is stopping
  'closed', // closed for another reason
);
export type CloseKind = Infer<typeof closeKind>;

/** Pairing message 1 payload (device → daemon): the device's name and the tag proving it holds the code. */
export const pairingRequest = obj({ name: str(MAX_NAME_CHARS), tag: base64urlBytes(PAIRING_TAG_BYTES) });
/** Message 2 payload when the daemon accepts: the device's id and its (cleaned) name. */
export const handshakeAccepted = obj({ ok: literal(true), deviceId: id, deviceName: name });
/** Message 2 payload when the daemon refuses a paired device's key (authenticated): why, for people. */
export const handshakeRefused = obj({ ok: literal(false), kind: closeKind, message: str(2000) });
/** What message 2 carries: accepted or refused, told apart by `ok`. */
export type HandshakeReply = Infer<typeof handshakeAccepted> | Infer<typeof handshakeRefused>;
/** Message 2 payload, either shape. */
export const handshakeReply: Validator<HandshakeReply> = (v, path) =>
  isPlainObject(v) && v.ok === false ? handshakeRefused(v, path) : handshakeAccepted(v, path);
/** CLOSE frame body (plaintext, unauthenticated): why the connection closes next, only to tell a person. */
export const closeBody = obj({ kind: closeKind, message: str(2000) });
export type CloseBody = Infer<typeof closeBody>;
/** GET /api/info (no secrets): the daemon's id, static public key (base64url, decoded here), name, version. */
export const apiInfo = obj({
  daemonId: id,
  publicKey: base64urlBytes(KEY_BYTES),
  hostname: str(300),
  version: str(64),
});
export type ApiInfo = Infer<typeof apiInfo>;

/** Validates a UTF-8 JSON payload (handshake, CLOSE); throws ValidationError. */
export function parsePayload<T>(bytes: Uint8Array, validator: Validator<T>): T {
  let text: string;
  try {
    text = fromUtf8(bytes);
  } catch {
    throw new ValidationError('', 'UTF-8');
  }
  return parseJson(text, validator);
}

function parse(
  table: Record<string, Validator<object>>,
  bodyTypes: ReadonlySet<string>,
  header: Record<string, unknown>,
  body: Uint8Array,
): Received<{ t: string }> {
  const t = header.t;
  if (typeof t !== 'string' || !Object.hasOwn(table, t)) {
    throw new ValidationError('t', 'a known message type');
  }
  if (body.length > 0 && !bodyTypes.has(t)) throw new ValidationError('body', `no body for ${t}`);
  const fields = (table[t] as Validator<object>)(header, '');
  return { msg: { t, ...fields }, body };
}

function fail(path: string, expected: string): never {
  throw new ValidationError(path, expected);
}
