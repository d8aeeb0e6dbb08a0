// The local transport: HTTP (web UI, /api/info) and the WebSocket at /ws on 127.0.0.1:6767 by default.
// The tailnet sidecar proxies to this same server, so everything here is reachable over the tailnet too.
// Each WebSocket becomes one pipe handed to the daemon (transport/pipe.ts).
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { CLOSE_CODES } from '../channel/channel.js';
import { MAX_WIRE_FRAME_BYTES } from '../channel/frame.js';
import type { ApiInfo } from '../channel/messages.js';
import { type Logger, logText, RepeatLimitedLog } from '../log.js';
import { createHardenedServer, listenOn, shorterFromEnv } from './http-server.js';
import { AllowedHosts } from './origin-check.js';
import { peerOf } from './peer.js';
import type { PeerInfo, PipeSink } from './pipe.js';
import { decodePath, sendResponse, serveWebUi } from './web-ui.js';

/** `/api/info` as sent: ApiInfo with the key in base64url. */
export type ApiInfoJson = Omit<ApiInfo, 'publicKey'> & { publicKey: string };

/** How often idle WebSockets are pinged, in milliseconds; one missed pong closes them. */
export const WS_PING_INTERVAL_MS = 30_000;

/** The ping interval; PASEO_WS_PING_INTERVAL_MS shortens it for tests of the keepalive. */
function wsPingIntervalMs(): number {
  return shorterFromEnv('PASEO_WS_PING_INTERVAL_MS', WS_PING_INTERVAL_MS);
}

/** The parts of a `ws` WebSocket that writeBinaryMessage uses (its socket, and whether its sender holds a queue). */
interface WsInternals {
  _socket?: Duplex & { cork(): void; uncork(): void };
  _sender?: { _queue?: unknown[]; _state?: number };
}

/**
 * Sends `pieces`, back to back, as one unmasked binary WebSocket message, in one write to the socket
 * (RFC 6455 §5.2), without joining them first: a session's output comes from the cipher as a piece of
 * its own, and joining would copy every byte once more. `ws` frames a message the same way; this only
 * skips its copy. False (nothing sent) when `ws` is not in a state this can write in: then send it joined.
 */
export function writeBinaryMessage(ws: WebSocket, pieces: readonly Uint8Array[]): boolean {
  const { _socket: socket, _sender: sender } = ws as unknown as WsInternals;
  // A sender with a queue (compression or a Blob in progress: neither is used here) writes later.
  if (!socket || !sender || sender._state !== 0 || (sender._queue?.length ?? 1) > 0 || socket.destroyed) return false;
  let length = 0;
  for (const p of pieces) length += p.length;
  const header = Buffer.allocUnsafe(length < 126 ? 2 : length < 65536 ? 4 : 10);
  header[0] = 0x82; // FIN, binary
  if (length < 126) header[1] = length;
  else if (length < 65536) {
    header[1] = 126;
    header.writeUInt16BE(length, 2);
  } else {
    header[1] = 127;
    header.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    header.writeUInt32BE(length >>> 0, 6);
  }
  socket.cork();
  socket.write(header);
  for (const p of pieces) if (p.length > 0) socket.write(p);
  socket.uncork();
  return true;
}

/** What the local server needs from the daemon, without knowing it. */
export interface LocalServerOptions {
  listen: { host: string; port: number };
  log: Logger;
  /** Takes each new WebSocket as a pipe. */
  accept: PipeSink;
  /** What `/api/info` answers. */
  info(): ApiInfoJson;
  /** The running sidecar's secret, which lets a request claim a tailnet identity (undefined without one). */
  sidecarToken(): string | undefined;
}

/** The HTTP + WebSocket server. */
export class LocalServer {
  private readonly wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_WIRE_FRAME_BYTES,
    perMessageDeflate: false,
  });
  private readonly hosts: AllowedHosts;
  private readonly pinger: ReturnType<typeof setInterval>;
  /** WebSockets that answered since the last ping (or are new). */
  private readonly alive = new WeakSet<WebSocket>();
  /** What strangers can make the server log, limited. */
  private readonly noisy: RepeatLimitedLog;

  private constructor(
    private readonly opts: LocalServerOptions,
    private readonly server: Server,
    /** Where it listens (the actual port when 0 was asked for). */
    readonly address: { host: string; port: number },
  ) {
    this.hosts = new AllowedHosts(address);
    this.noisy = new RepeatLimitedLog(opts.log);
    server.on('request', (req, res) => this.onRequest(req, res));
    server.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head));
    this.pinger = setInterval(() => {
      for (const ws of this.wss.clients) {
        if (!this.alive.has(ws)) {
          ws.terminate();
          continue;
        }
        this.alive.delete(ws);
        ws.ping();
      }
    }, wsPingIntervalMs());
    this.pinger.unref();
  }

  /** Listens; rejects with a sentence when the address is taken or not allowed. */
  static async start(opts: LocalServerOptions): Promise<LocalServer> {
    const server = createHardenedServer();
    const port = await listenOn(server, opts.listen);
    return new LocalServer(opts, server, { host: opts.listen.host, port });
  }

  /** The web UI address, e.g. http://127.0.0.1:6767/ */
  get url(): string {
    const host = this.address.host.includes(':') ? `[${this.address.host}]` : this.address.host;
    return `http://${host}:${this.address.port}/`;
  }

  /** Sets the names and IPs the daemon is reachable by on the tailnet (the sidecar serves :80 and :443). */
  setTailnetHosts(hosts: string[]): void {
    this.hosts.setTailnetHosts(hosts);
  }

  /** Stops listening and closes every connection. */
  async close(): Promise<void> {
    clearInterval(this.pinger);
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private refuseReason(req: IncomingMessage): string | undefined {
    if (!this.hosts.allowsHost(req.headers.host))
      return `Refused: the Host "${logText(req.headers.host, 100)}" is not one of paseo's own addresses.`;
    if (!this.hosts.allowsOrigin(req.headers.origin))
      return `Refused: requests from ${logText(req.headers.origin, 100)} are not allowed.`;
    return undefined;
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const refused = this.refuseReason(req);
    if (refused) {
      this.noisy.warn(
        'refused request',
        `${refused} (${logText(req.method, 10)} ${logText(req.url)} from ${logText(req.socket.remoteAddress, 64)})`,
      );
      sendResponse(res, 403, 'text/plain; charset=utf-8', `${refused} Open ${this.url} instead.\n`);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendResponse(res, 405, 'text/plain; charset=utf-8', 'Only GET is supported here.\n', { allow: 'GET, HEAD' });
      return;
    }
    const path = decodePath(req.url);
    if (path === '/api/info') {
      sendResponse(res, 200, 'application/json', JSON.stringify(this.opts.info()), { 'cache-control': 'no-store' });
      return;
    }
    if (path === '/healthz') {
      sendResponse(res, 200, 'application/json', '{"ok":true}', { 'cache-control': 'no-store' });
      return;
    }
    serveWebUi(req, res, path);
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const refused = this.refuseReason(req);
    const path = decodePath(req.url);
    if (refused || path !== '/ws') {
      this.noisy.warn(
        'refused upgrade',
        `${refused ?? `WebSocket upgrade refused for ${logText(req.url)}`} (from ${logText(req.socket.remoteAddress, 64)})`,
      );
      socket.end(
        `HTTP/1.1 ${refused ? '403 Forbidden' : '404 Not Found'}\r\nconnection: close\r\ncontent-type: text/plain\r\n\r\n${refused ?? 'Not found.'}\n`,
      );
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onWebSocket(ws, peerOf(req, this.opts.sidecarToken())));
  }

  private onWebSocket(ws: WebSocket, peer: PeerInfo): void {
    this.alive.add(ws);
    ws.on('pong', () => this.alive.add(ws));
    const rx = this.opts.accept({
      peer,
      send: (frame) => {
        if (ws.readyState !== ws.OPEN) return;
        if (frame instanceof Uint8Array) ws.send(frame, { binary: true });
        else if (!writeBinaryMessage(ws, frame)) ws.send(Buffer.concat(frame), { binary: true });
      },
      close: (kind) => {
        if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(CLOSE_CODES[kind], kind);
      },
    });
    ws.on('message', (data, isBinary) => {
      if (!isBinary) {
        rx.frame(String(data));
        return;
      }
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      rx.frame(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
    });
    ws.on('error', (err) =>
      this.noisy.warn('websocket error', `WebSocket from ${peer.remote}: ${logText(err.message)}`),
    );
    ws.on('close', () => rx.closed());
  }
}
