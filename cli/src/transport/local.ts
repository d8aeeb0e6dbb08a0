// The local transport: HTTP (web UI, /api/info) and the WebSocket at /ws on 127.0.0.1:6767 by default.
// The tailnet sidecar proxies to this same server, so everything here is reachable over the tailnet too.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { webAssets } from '../assets.js';
import { CLOSE_CODES } from '../channel/channel.js';
import { toBase64Url } from '../channel/encoding.js';
import { MAX_WIRE_FRAME_BYTES } from '../channel/frame.js';
import { CSP_HEADER } from '../csp.js';
import { DeviceConnection, type PeerInfo } from '../daemon/connection.js';
import type { Daemon } from '../daemon/daemon.js';
import { type Logger, logText, RepeatLimitedLog } from '../log.js';
import { PASEO_VERSION } from '../version.js';
import { AllowedHosts } from './origin-check.js';
import { peerOf } from './peer.js';

/** How often idle WebSockets are pinged, in milliseconds; one missed pong closes them. */
export const WS_PING_INTERVAL_MS = 30_000;

/** How long a client may take to send its request headers, in milliseconds (slowloris). */
export const HTTP_HEADERS_TIMEOUT_MS = 10_000;
/** How long a whole request may take, in milliseconds (a WebSocket upgrade ends the request). */
export const HTTP_REQUEST_TIMEOUT_MS = 30_000;
/** How often Node checks those two, in milliseconds (its default, 30 s, would let slow requests linger). */
const HTTP_TIMEOUT_CHECK_INTERVAL_MS = 1_000;

/** A duration from the environment when it is shorter than the default (tests), else the default. */
function shorterFromEnv(name: string, dflt: number): number {
  const v = Number(process.env[name]);
  return Number.isSafeInteger(v) && v >= 100 && v < dflt ? v : dflt;
}

/** The ping interval; PASEO_WS_PING_INTERVAL_MS shortens it for tests of the keepalive. */
function wsPingIntervalMs(): number {
  return shorterFromEnv('PASEO_WS_PING_INTERVAL_MS', WS_PING_INTERVAL_MS);
}

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CSP_HEADER,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

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
    private readonly daemon: Daemon,
    private readonly server: Server,
    /** Where it listens (the actual port when 0 was asked for). */
    readonly address: { host: string; port: number },
    log: Logger,
  ) {
    this.hosts = new AllowedHosts(address);
    this.noisy = new RepeatLimitedLog(log);
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
  static async start(daemon: Daemon, listen: { host: string; port: number }, log: Logger): Promise<LocalServer> {
    const server = createServer({
      headersTimeout: shorterFromEnv('PASEO_HTTP_HEADERS_TIMEOUT_MS', HTTP_HEADERS_TIMEOUT_MS),
      requestTimeout: HTTP_REQUEST_TIMEOUT_MS,
      connectionsCheckingInterval: HTTP_TIMEOUT_CHECK_INTERVAL_MS,
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        const where = `${listen.host}:${listen.port}`;
        if (err.code === 'EADDRINUSE')
          reject(
            new Error(`Another program is already using ${where}. Stop it, or start paseo with --listen HOST:PORT.`),
          );
        else if (err.code === 'EACCES')
          reject(new Error(`paseo is not allowed to listen on ${where}. Choose a port above 1024 with --listen.`));
        else if (err.code === 'EADDRNOTAVAIL')
          reject(new Error(`${listen.host} is not an address of this machine. Check --listen.`));
        else reject(err);
      });
      server.listen(listen.port, listen.host, () => resolve());
    });
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : listen.port;
    return new LocalServer(daemon, server, { host: listen.host, port }, log);
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
      send(res, 403, 'text/plain; charset=utf-8', `${refused} Open ${this.daemon.localUrl} instead.\n`);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'text/plain; charset=utf-8', 'Only GET is supported here.\n', { allow: 'GET, HEAD' });
      return;
    }
    const path = decodePath(req.url);
    if (path === '/api/info') {
      const info = {
        daemonId: this.daemon.identity.daemonId,
        publicKey: toBase64Url(this.daemon.identity.keys.publicKey),
        hostname: this.daemon.hostname,
        version: PASEO_VERSION,
      };
      send(res, 200, 'application/json', JSON.stringify(info), { 'cache-control': 'no-store' });
      return;
    }
    if (path === '/healthz') {
      send(res, 200, 'application/json', '{"ok":true}', { 'cache-control': 'no-store' });
      return;
    }
    const assets = webAssets();
    const asset = assets.get(path === undefined || path === '/' ? '/index.html' : path);
    if (!asset) {
      if (assets.size === 0)
        send(res, 503, 'text/plain; charset=utf-8', 'The web UI is missing from this build of paseo.\n');
      else send(res, 404, 'text/plain; charset=utf-8', 'Not found.\n');
      return;
    }
    if (req.headers['if-none-match'] === asset.etag) {
      res.writeHead(304, { etag: asset.etag, ...SECURITY_HEADERS });
      res.end();
      return;
    }
    const isHtml = asset.contentType.startsWith('text/html');
    send(res, 200, asset.contentType, req.method === 'HEAD' ? '' : asset.bytes, {
      etag: asset.etag,
      'cache-control': isHtml ? 'no-cache' : 'public, max-age=300',
    });
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
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onWebSocket(ws, peerOf(req, this.daemon.sidecarToken)));
  }

  private onWebSocket(ws: WebSocket, peer: PeerInfo): void {
    this.alive.add(ws);
    ws.on('pong', () => this.alive.add(ws));
    const conn = new DeviceConnection(
      this.daemon,
      {
        send: (frame) => {
          if (ws.readyState === ws.OPEN) ws.send(frame, { binary: true });
        },
        close: (kind) => {
          if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(CLOSE_CODES[kind], kind);
        },
      },
      peer,
      this.noisy,
    );
    ws.on('message', (data, isBinary) => {
      if (!isBinary) {
        conn.close('protocol', 'The connection sent text where binary frames were expected.');
        return;
      }
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      conn.receive(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
    });
    ws.on('error', (err) =>
      this.noisy.warn('websocket error', `WebSocket from ${peer.remote}: ${logText(err.message)}`),
    );
    ws.on('close', () => conn.closed());
  }
}

function decodePath(url: string | undefined): string | undefined {
  try {
    return decodeURIComponent(new URL(url ?? '/', 'http://x').pathname);
  } catch {
    return undefined;
  }
}

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string | Uint8Array,
  extra: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': type, ...SECURITY_HEADERS, ...extra });
  res.end(body);
}
