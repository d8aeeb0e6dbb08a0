// The relay transport (`paseo up --relay URL`): one outbound WebSocket to a relay that carries every
// phone's channel (docs/relay.md). The daemon proves its relay id by signing the relay's challenge, then
// each channel the relay opens becomes one pipe handed to the daemon, exactly like a local WebSocket:
// the relay forwards end-to-end encrypted wire frames it cannot read. Keepalive both ways; reconnects
// with backoff and jitter. Shares only channel/relay-protocol.ts with the relay server.
import { isIP } from 'node:net';
import WebSocket from 'ws';
import { CLOSE_CODES } from '../channel/channel.js';
import type { RelayInfo } from '../channel/messages.js';
import {
  closePayload,
  decodeRelayFrame,
  encodeRelayFrame,
  MAX_RELAY_FRAME_BYTES,
  PING_BYTES,
  parseJsonPayload,
  RELAY_DAEMON_PATH,
  RELAY_SUBPROTOCOL,
  type RelayFrame,
  RelayFrameError,
  RelayOp,
  type RelayOpCode,
  registerPayload,
  registrationMessage,
  relayError,
  relayHostName,
  relayIdOf,
  relayOpen,
  relayRegistered,
} from '../channel/relay-protocol.js';
import { type Logger, logText } from '../log.js';
import { shorterFromEnv } from './http-server.js';
import { isLoopbackHost } from './loopback.js';
import type { PipeReceiver, PipeSink } from './pipe.js';

/** First reconnect delay, in milliseconds; doubles up to RECONNECT_MAX_DELAY_MS, ±25% jitter. */
export const RECONNECT_MIN_DELAY_MS = 500;
export const RECONNECT_MAX_DELAY_MS = 30_000;
/** A PING to the relay this often, in milliseconds. */
export const RELAY_PING_INTERVAL_MS = 20_000;
/** A relay silent this long is dead: the link is dropped and made again, in milliseconds. */
export const RELAY_DEAD_AFTER_MS = 45_000;
/** How long connecting and registering may take, in milliseconds. */
export const RELAY_CONNECT_TIMEOUT_MS = 15_000;
/** Channels the daemon takes from one relay at once (the relay has its own, lower cap). */
export const MAX_RELAY_CHANNELS = 1024;
/** How long a stopping daemon's link may take to close cleanly, in milliseconds. */
export const STOP_GRACE_MS = 1_000;
/** Bytes queued towards the relay beyond which the link is dropped (the relay stopped reading). */
export const RELAY_SEND_BUFFER_BYTES = 32 * 1024 * 1024;

/** How to reach the relay and who the daemon is there. */
export interface RelayLinkOptions {
  /** ws://host:port or wss://host[:port], as given to --relay. */
  url: string;
  /** The daemon's Ed25519 key; the relay id derives from its public half. */
  signing: { publicKey: Uint8Array; sign(message: Uint8Array): Uint8Array };
  /** Takes each phone channel as a pipe. */
  accept: PipeSink;
  log: Logger;
}

/** Checks a --relay value; a sentence when it is not a relay address. */
export function relayUrlProblem(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `"${url}" is not an address. Use wss://relay.example.com (or ws://127.0.0.1:PORT for a relay on this machine).`;
  }
  if (u.protocol !== 'wss:' && u.protocol !== 'ws:')
    return `"${url}" is not a WebSocket address. Use wss://${u.host || 'relay.example.com'}.`;
  if ((u.pathname !== '/' && u.pathname !== '') || u.search || u.hash || u.username || u.password)
    return `"${url}" has more than a host: give the relay's address alone, like wss://${u.host}.`;
  if (u.protocol === 'ws:' && !isLoopbackHost(u.hostname))
    return `Use wss://${u.host}: through ws:// phones would load paseo's page over plain HTTP, which anything on the way could change. (ws:// is for a relay on this machine.)`;
  return undefined;
}

/** The web address phones open through a relay: its origin over http(s). */
export function relayWebUrl(url: string): string {
  const u = new URL(url);
  return `${u.protocol === 'wss:' ? 'https' : 'http'}://${u.host}/`;
}

/** The daemon's link to one relay. */
export class RelayLink {
  private ws: WebSocket | undefined;
  private readonly channels = new Map<number, PipeReceiver>();
  private stopped = false;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private connectTimer: ReturnType<typeof setTimeout> | undefined;
  private lastHeardAt = 0;
  private readonly listeners = new Set<(info: RelayInfo) => void>();
  private readonly host: string;
  /** This daemon's relay id (what the relay must register it as). */
  private readonly relayId: string;
  /** The latest state, for `paseo status`. */
  info: RelayInfo;

  constructor(private readonly opts: RelayLinkOptions) {
    this.host = relayHostName(new URL(opts.url).hostname);
    this.relayId = relayIdOf(opts.signing.publicKey);
    this.info = { state: 'connecting', url: opts.url, webUrl: relayWebUrl(opts.url), channels: 0 };
  }

  /** Connects (and keeps reconnecting until stop()). */
  start(): void {
    this.stopped = false;
    this.connect();
  }

  /** Listens to state changes. */
  onChange(cb: (info: RelayInfo) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** Closes the link after what was sent on it (the daemon's goodbyes to its phones); phones see their channels close. */
  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const ws = this.ws;
    if (ws && ws.readyState === ws.OPEN) {
      ws.close(1001, 'shutdown');
      setTimeout(() => ws.terminate(), STOP_GRACE_MS).unref();
      this.ws = undefined;
    }
    this.drop();
    this.update({ state: 'off', reason: undefined });
  }

  private connect(): void {
    if (this.stopped) return;
    const target = new URL(RELAY_DAEMON_PATH, this.opts.url).href;
    this.update({ state: this.info.state === 'error' ? 'error' : 'connecting' });
    const ws = new WebSocket(target, RELAY_SUBPROTOCOL, {
      perMessageDeflate: false,
      maxPayload: MAX_RELAY_FRAME_BYTES,
      handshakeTimeout: RELAY_CONNECT_TIMEOUT_MS,
    });
    this.ws = ws;
    this.lastHeardAt = Date.now();
    let why: string | undefined;
    let permanent = false;
    this.connectTimer = setTimeout(() => {
      why = `The relay at ${this.opts.url} did not finish registering this computer in time.`;
      ws.terminate();
    }, RELAY_CONNECT_TIMEOUT_MS);
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        if (body.length < 300) body += d;
      });
      res.on('end', () => {
        why = `The relay at ${this.opts.url} refused the connection (HTTP ${res.statusCode}${body.trim() ? `: ${logText(body.trim(), 200)}` : ''}).`;
        ws.terminate();
      });
    });
    ws.on('open', () => {
      if (ws.protocol !== RELAY_SUBPROTOCOL) {
        why = `${this.opts.url} answered, but it is not a paseo relay (it did not speak ${RELAY_SUBPROTOCOL}).`;
        ws.terminate();
      }
    });
    ws.on('message', (data: Buffer, isBinary) => {
      this.lastHeardAt = Date.now();
      try {
        if (!isBinary) throw new RelayFrameError('a text message');
        const end = this.onFrame(ws, decodeRelayFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)));
        if (end) {
          why = end.why;
          permanent = end.permanent;
          ws.close(1000);
        }
      } catch (err) {
        why = `The relay at ${this.opts.url} sent something paseo cannot read (${logText(err instanceof Error ? err.message : err)}).`;
        ws.terminate();
      }
    });
    ws.on('error', (err: NodeJS.ErrnoException) => {
      why ??= unreachable(this.opts.url, err);
    });
    ws.on('close', () => {
      if (this.ws !== ws) return;
      this.closed(why ?? `The connection to the relay at ${this.opts.url} closed.`, permanent);
    });
  }

  /** One frame from the relay; returns why to end the link, if it must end. */
  private onFrame(ws: WebSocket, f: RelayFrame): { why: string; permanent: boolean } | undefined {
    switch (f.op) {
      case RelayOp.CHALLENGE: {
        const signature = this.opts.signing.sign(
          registrationMessage(this.host, f.payload, this.opts.signing.publicKey),
        );
        this.send(ws, RelayOp.REGISTER, 0, registerPayload(this.opts.signing.publicKey, signature, this.host));
        return undefined;
      }
      case RelayOp.REGISTERED: {
        const reg = parseJsonPayload(f.payload, relayRegistered);
        if (reg.relayId !== this.relayId)
          return { why: `The relay at ${this.opts.url} registered this computer under another id.`, permanent: false };
        if (this.connectTimer) clearTimeout(this.connectTimer);
        this.attempt = 0;
        this.startKeepalive(ws);
        this.opts.log.info(`connected to the relay ${this.opts.url} as ${reg.relayId}`);
        this.update({ state: 'connected', relayId: reg.relayId, reason: undefined });
        return undefined;
      }
      case RelayOp.OPEN:
        this.open(ws, f.channel, parseJsonPayload(f.payload, relayOpen).remote);
        return undefined;
      case RelayOp.DATA:
        this.channels.get(f.channel)?.frame(f.payload);
        return undefined;
      case RelayOp.CLOSE:
        this.endChannel(f.channel);
        return undefined;
      case RelayOp.PING:
        this.send(ws, RelayOp.PONG, 0, f.payload);
        return undefined;
      case RelayOp.PONG:
        return undefined;
      case RelayOp.ERROR: {
        const e = parseJsonPayload(f.payload, relayError);
        if (f.channel !== 0) {
          this.endChannel(f.channel);
          return undefined;
        }
        this.opts.log.warn(`the relay ended the link: ${e.code}: ${logText(e.message)}`);
        if (e.code === 'replaced')
          return {
            why: 'Another paseo with this computer’s identity connected to the relay, so this one stopped using it. Restart paseo to take the relay back.',
            permanent: true,
          };
        return { why: `The relay refused this computer: ${logText(e.message, 500)}`, permanent: false };
      }
      default:
        throw new RelayFrameError(`op 0x${f.op.toString(16)} from a relay`);
    }
  }

  /** A phone connected through the relay: a new pipe for the daemon. */
  private open(ws: WebSocket, id: number, remote: string): void {
    if (this.channels.has(id)) throw new RelayFrameError(`channel ${id} opened twice`);
    if (this.channels.size >= MAX_RELAY_CHANNELS) {
      this.send(ws, RelayOp.CLOSE, id, closePayload(CLOSE_CODES['rate-limited'], 'rate-limited'));
      return;
    }
    let open = true;
    const rx = this.opts.accept({
      // The relay's word for where the phone is: a hint that keeps one address's caps apart from another's.
      peer: { remote: `relay ${isIP(remote) ? remote : 'unknown'}` },
      send: (frame) => {
        if (!open) return;
        this.send(ws, RelayOp.DATA, id, frame);
        if (ws.bufferedAmount > RELAY_SEND_BUFFER_BYTES) {
          this.opts.log.warn('the relay stopped reading what paseo sends; reconnecting');
          ws.terminate();
        }
      },
      close: (kind) => {
        if (!open) return;
        open = false;
        this.channels.delete(id);
        this.update({ channels: this.channels.size });
        this.send(ws, RelayOp.CLOSE, id, closePayload(CLOSE_CODES[kind], kind));
      },
    });
    // The pipe's receiver may have closed it at once (too many connections from that source).
    if (!open) return;
    this.channels.set(id, {
      frame: (data) => rx.frame(data),
      closed: () => {
        open = false;
        rx.closed();
      },
    });
    this.update({ channels: this.channels.size });
  }

  private endChannel(id: number): void {
    const rx = this.channels.get(id);
    if (!rx) return;
    this.channels.delete(id);
    rx.closed();
    this.update({ channels: this.channels.size });
  }

  private startKeepalive(ws: WebSocket): void {
    const interval = shorterFromEnv('PASEO_RELAY_PING_INTERVAL_MS', RELAY_PING_INTERVAL_MS);
    const deadAfter = shorterFromEnv('PASEO_RELAY_DEAD_AFTER_MS', RELAY_DEAD_AFTER_MS);
    this.pingTimer = setInterval(() => {
      if (Date.now() - this.lastHeardAt > deadAfter) {
        this.opts.log.warn(`the relay ${this.opts.url} stopped answering; reconnecting`);
        ws.terminate();
        return;
      }
      const nonce = new Uint8Array(PING_BYTES);
      crypto.getRandomValues(nonce);
      this.send(ws, RelayOp.PING, 0, nonce);
    }, interval);
  }

  private send(ws: WebSocket, op: RelayOpCode, channel: number, payload: Uint8Array | readonly Uint8Array[]): void {
    if (ws.readyState === ws.OPEN) ws.send(encodeRelayFrame(op, channel, payload));
  }

  /** The link ended: every channel closes; a new link is tried after a backoff, unless told not to. */
  private closed(why: string, permanent: boolean): void {
    this.drop();
    if (this.stopped) return;
    if (permanent) {
      this.opts.log.warn(why);
      this.update({ state: 'error', reason: why, relayId: undefined });
      return;
    }
    const delay = reconnectDelay(this.attempt++);
    const seconds = Math.max(1, Math.round(delay / 1000));
    const reason = `${why} Trying again in ${seconds} s.`;
    if (this.info.reason !== reason) this.opts.log.warn(reason);
    this.update({ state: 'error', reason, relayId: undefined });
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  private drop(): void {
    if (this.connectTimer) clearTimeout(this.connectTimer);
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = undefined;
    const ws = this.ws;
    this.ws = undefined;
    if (ws && ws.readyState !== ws.CLOSED) ws.terminate();
    for (const rx of [...this.channels.values()]) rx.closed();
    this.channels.clear();
    if (this.info.channels !== 0) this.update({ channels: 0 });
  }

  private update(patch: Partial<RelayInfo>): void {
    const next = { ...this.info, ...patch } as RelayInfo;
    for (const k of Object.keys(next) as (keyof RelayInfo)[]) if (next[k] === undefined) delete next[k];
    this.info = next;
    for (const l of this.listeners) l(this.info);
  }
}

/** Milliseconds before reconnect attempt `attempt` (0-based): 0.5 s doubling to 30 s, ±25% jitter. */
export function reconnectDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(RECONNECT_MAX_DELAY_MS, RECONNECT_MIN_DELAY_MS * 2 ** Math.min(attempt, 16));
  return Math.round(base * (0.75 + random() * 0.5));
}

/** Why the relay could not be reached, as a sentence. */
function unreachable(url: string, err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return `Cannot reach the relay at ${url}: nothing answers there (is \`paseo relay\` running?).`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `Cannot reach the relay at ${url}: its name does not resolve.`;
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `Cannot reach the relay at ${url}: the network does not get there.`;
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'CERT_HAS_EXPIRED':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `The relay at ${url} has a certificate this computer does not trust (${err.code}).`;
    default:
      return `Cannot reach the relay at ${url} (${logText(err.message, 200)}).`;
  }
}
