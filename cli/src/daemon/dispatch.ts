// Handles each message a client sends, for devices and the local CLI alike. Requests are answered with
// `result` or `error` (a sentence for people); nothing a client sends can crash the daemon.
import { type ClientMessage, type ErrorCode, MAX_SEND_BYTES, OWNER_ONLY_TYPES } from '../channel/messages.js';
import { SessionError } from '../session/manager.js';
import { PASEO_VERSION } from '../version.js';
import type { Client } from './client.js';
import type { DaemonCore } from './core.js';

/** Thrown by a handler to answer a request with an error. */
class RequestFailure extends Error {
  constructor(
    readonly code: Exclude<ErrorCode, 'internal'>,
    message: string,
  ) {
    super(message);
  }
}

/** A request's answer that carries a body besides its data (RESULT_BODY_TYPES). */
class WithBody {
  constructor(
    readonly data: unknown,
    readonly body: Uint8Array,
  ) {}
}

/** Handles one validated message from a client. */
export async function dispatch(
  daemon: DaemonCore,
  client: Client,
  msg: ClientMessage,
  body: Uint8Array,
): Promise<void> {
  const rid = 'rid' in msg ? msg.rid : undefined;
  try {
    if (OWNER_ONLY_TYPES.has(msg.t) && !client.owner) {
      throw new RequestFailure('not-allowed', 'Only the computer running paseo can do that.');
    }
    const data = await handle(daemon, client, msg, body);
    if (rid === undefined) return;
    if (data instanceof WithBody) client.send({ t: 'result', rid, data: data.data }, data.body);
    else client.send({ t: 'result', rid, data: data ?? null });
  } catch (err) {
    if (err instanceof RequestFailure || err instanceof SessionError) {
      client.send({ t: 'error', ...(rid !== undefined ? { rid } : {}), code: err.code, message: err.message });
      return;
    }
    daemon.log.error(`handling ${msg.t} failed`, err);
    client.send({
      t: 'error',
      ...(rid !== undefined ? { rid } : {}),
      code: 'internal',
      message: 'Something went wrong on the computer. The details are in the paseo log.',
    });
  }
}

async function handle(daemon: DaemonCore, client: Client, msg: ClientMessage, body: Uint8Array): Promise<unknown> {
  const s = daemon.sessions;
  switch (msg.t) {
    case 'hello':
      client.send({
        t: 'welcome',
        daemonId: daemon.identity.daemonId,
        version: PASEO_VERSION,
        hostname: daemon.hostname,
        ...(client.deviceId
          ? { deviceId: client.deviceId, deviceName: daemon.devices.get(client.deviceId)?.name ?? 'Unnamed device' }
          : {}),
      });
      return undefined;
    case 'ping':
      client.send({ t: 'pong', nonce: msg.nonce });
      return undefined;
    case 'devices.list':
      return daemon.deviceInfos(client.deviceId);
    case 'device.rename': {
      const d = daemon.devices.rename(msg.deviceId, msg.name);
      if (!d) throw notFoundDevice();
      daemon.broadcastDevices();
      return daemon.deviceInfos(client.deviceId).find((x) => x.id === d.id);
    }
    case 'device.remove':
      if (!daemon.revokeDevice(msg.deviceId)) throw notFoundDevice();
      return null;
    case 'presets.list':
      return s.presets();
    case 'sessions.list':
      return s.list();
    case 'session.create': {
      const { rid: _rid, t: _t, ...req } = msg;
      return s.create(req);
    }
    case 'session.attach':
      s.attach(msg.sessionId, client, {
        ...(msg.afterSeq !== undefined ? { afterSeq: msg.afterSeq } : {}),
        ...(msg.cols !== undefined ? { cols: msg.cols } : {}),
        ...(msg.rows !== undefined ? { rows: msg.rows } : {}),
      });
      return undefined;
    case 'session.detach':
      s.detach(msg.sessionId, client);
      return undefined;
    case 'session.input':
      s.input(msg.sessionId, client, body);
      return undefined;
    case 'session.resize':
      s.resize(msg.sessionId, client, msg.cols, msg.rows, msg.take === true);
      return undefined;
    case 'session.ack':
      s.ack(msg.sessionId, client, msg.seq);
      return undefined;
    case 'session.send':
      s.send(msg.sessionId, sentText(body), who(client));
      return null;
    case 'session.permit':
      s.permit(msg.sessionId, msg.requestId, msg.optionId, who(client));
      return null;
    case 'session.cancel':
      s.cancel(msg.sessionId, who(client));
      return null;
    case 'session.kill':
      await s.kill(msg.sessionId, who(client));
      return null;
    case 'session.remove':
      await s.remove(msg.sessionId);
      return null;
    case 'history.list':
      return daemon.history.list(new Set(s.list().map((x) => x.id)));
    case 'history.read': {
      if (s.get(msg.sessionId)?.state === 'running') {
        throw new RequestFailure('failed', 'That session is still running: open it from the list of sessions.');
      }
      const { data, body: content } = await daemon.history.read(msg.sessionId);
      return new WithBody(data, content);
    }
    case 'history.remove': {
      const listed = s.get(msg.sessionId);
      if (listed) {
        throw new RequestFailure(
          'failed',
          `${listed.name} is still in the list of sessions: remove it from there first, then its history.`,
        );
      }
      await daemon.history.remove(msg.sessionId);
      return null;
    }
    case 'status':
      return daemon.status();
    case 'pair.create':
      return daemon.createPairing();
    case 'shutdown':
      setTimeout(() => void daemon.stop(), 50);
      return null;
    default: {
      const never: never = msg;
      throw new RequestFailure('bad-request', `Unknown request ${(never as { t: string }).t}.`);
    }
  }
}

/** Who sent a prompt or an answer, or ended a session: the device's name, or the computer (CLI). */
function who(client: Client): string {
  return client.name ?? 'a device';
}

/** The text of a `session.send` body. */
function sentText(body: Uint8Array): string {
  if (body.length > MAX_SEND_BYTES) {
    throw new RequestFailure('bad-request', `That text is too long (at most ${MAX_SEND_BYTES / 1024} KiB).`);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw new RequestFailure('bad-request', 'That text is not valid UTF-8.');
  }
}

function notFoundDevice(): RequestFailure {
  return new RequestFailure('not-found', 'There is no paired device with that id. Run `paseo devices` to see them.');
}
