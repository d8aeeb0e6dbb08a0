// `paseo relay`: the server. Serves the web UI at `/` (the same files the daemon serves), `GET /healthz`
// and Prometheus `GET /metrics`; takes daemons' links at `/daemon` and phones at `/ws/<relay id>`, and
// forwards frames between them without reading them (relay/daemon-link.ts). See docs/relay.md.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { MAX_WIRE_FRAME_BYTES } from '../channel/frame.js';
import {
  isRelayId,
  MAX_RELAY_FRAME_BYTES,
  RELAY_DAEMON_PATH,
  RELAY_PHONE_PATH_PREFIX,
  RELAY_SUBPROTOCOL,
  relayHostName,
} from '../channel/relay-protocol.js';
import { type Logger, logText, RepeatLimitedLog } from '../log.js';
import { createHardenedServer, listenOn, type TlsFiles } from '../transport/http-server.js';
import { parseHostHeader, parseOrigin } from '../transport/origin-check.js';
import { decodePath, sendResponse, serveWebUi } from '../transport/web-ui.js';
import { DaemonLink, type LinkContext, refusePhone } from './daemon-link.js';
import type { RelayLimits } from './limits.js';
import { type DropReason, type Leg, RelayMetrics } from './metrics.js';
import { RateLimiter } from './rate-limit.js';

/** How often the per-address buckets are swept, in milliseconds. */
const SWEEP_INTERVAL_MS = 60_000;

/** How the relay runs. */
export interface RelayServerOptions {
  listen: { host: string; port: number };
  /** Serve HTTPS and WSS with this certificate. */
  tls?: TlsFiles;
  /** Behind a reverse proxy: take the client address from the last X-Forwarded-For entry. */
  trustProxy: boolean;
  log: Logger;
  limits: RelayLimits;
}

/** A running relay. */
export class RelayServer {
  readonly metrics = new RelayMetrics();
  private readonly daemons = new Map<string, DaemonLink>();
  private readonly links = new Set<DaemonLink>();
  private readonly daemonWss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_RELAY_FRAME_BYTES,
    perMessageDeflate: false,
    handleProtocols: (protocols) => (protocols.has(RELAY_SUBPROTOCOL) ? RELAY_SUBPROTOCOL : false),
  });
  private readonly phoneWss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_WIRE_FRAME_BYTES,
    perMessageDeflate: false,
  });
  private readonly rate: RateLimiter;
  private readonly noisy: RepeatLimitedLog;
  private readonly timers: ReturnType<typeof setInterval>[] = [];

  private constructor(
    private readonly opts: RelayServerOptions,
    private readonly server: Server,
    /** Where it listens (the actual port when 0 was asked for). */
    readonly address: { host: string; port: number },
  ) {
    this.noisy = new RepeatLimitedLog(opts.log);
    this.rate = new RateLimiter(opts.limits.connectBurst, opts.limits.connectPerMinute);
    server.on('request', (req, res) => void this.onRequest(req, res));
    server.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket as Duplex, head));
    this.timers.push(
      setInterval(() => {
        const now = Date.now();
        for (const link of this.links) link.keepalive(now);
      }, opts.limits.pingIntervalMs),
      setInterval(() => this.rate.sweep(), SWEEP_INTERVAL_MS),
    );
    for (const t of this.timers) t.unref();
  }

  /** Listens; rejects with a sentence when the address is taken or not allowed. */
  static async start(opts: RelayServerOptions): Promise<RelayServer> {
    const server = createHardenedServer(opts.tls);
    const port = await listenOn(server, opts.listen);
    return new RelayServer(opts, server, { host: opts.listen.host, port });
  }

  /** The relay's address, e.g. http://127.0.0.1:7777/ (https with a certificate). */
  get url(): string {
    const host = this.address.host.includes(':') ? `[${this.address.host}]` : this.address.host;
    return `${this.opts.tls ? 'https' : 'http'}://${host}:${this.address.port}/`;
  }

  /** Daemons registered now. */
  get daemonCount(): number {
    return this.daemons.size;
  }

  /** Stops: every daemon is told the relay is stopping, every phone gets a CLOSE frame, sockets close. */
  async close(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    for (const link of [...this.links]) link.end({ code: 'shutdown', message: 'The relay is stopping.' });
    await new Promise((r) => setTimeout(r, 50)); // let those frames out
    for (const ws of [...this.daemonWss.clients, ...this.phoneWss.clients]) ws.terminate();
    this.daemonWss.close();
    this.phoneWss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendResponse(res, 405, 'text/plain; charset=utf-8', 'Only GET is supported here.\n', { allow: 'GET, HEAD' });
      return;
    }
    const path = decodePath(req.url);
    if (path === '/healthz') {
      sendResponse(res, 200, 'application/json', JSON.stringify({ ok: true, daemons: this.daemons.size }), {
        'cache-control': 'no-store',
      });
      return;
    }
    if (path === '/metrics') {
      sendResponse(res, 200, this.metrics.contentType, await this.metrics.text(), { 'cache-control': 'no-store' });
      return;
    }
    serveWebUi(req, res, path);
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const remote = this.clientAddress(req);
    const path = decodePath(req.url) ?? '';
    const refused = this.upgradeRefusal(req, path, remote);
    if (refused) {
      const [status, reason, text] = refused;
      this.metrics.dropped(reason);
      this.noisy.warn(`refused: ${reason}`, `refused a WebSocket from ${logText(remote, 64)}: ${text}`);
      socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-type: text/plain\r\n\r\n${text}\n`);
      return;
    }
    if (path === RELAY_DAEMON_PATH) {
      const host = relayHostName(parseHostHeader(String(req.headers.host ?? ''))?.host ?? '');
      this.daemonWss.handleUpgrade(req, socket, head, (ws) => this.onDaemon(ws, host, remote));
    } else {
      const id = path.slice(RELAY_PHONE_PATH_PREFIX.length);
      this.phoneWss.handleUpgrade(req, socket, head, (ws) => this.onPhone(ws, id, remote));
    }
  }

  /** Why an upgrade is refused (HTTP status, metric, sentence), or undefined to take it. */
  private upgradeRefusal(
    req: IncomingMessage,
    path: string,
    remote: string,
  ): [status: string, reason: DropReason, text: string] | undefined {
    if (!this.rate.take(remote))
      return ['429 Too Many Requests', 'rate-limited', 'Too many connections from your address. Wait a minute.'];
    if (path === RELAY_DAEMON_PATH) {
      const protocols = String(req.headers['sec-websocket-protocol'] ?? '')
        .split(',')
        .map((p) => p.trim());
      if (!protocols.includes(RELAY_SUBPROTOCOL))
        return ['400 Bad Request', 'bad-subprotocol', `A daemon must ask for the ${RELAY_SUBPROTOCOL} subprotocol.`];
      if (!parseHostHeader(String(req.headers.host ?? '')))
        return ['400 Bad Request', 'bad-path', 'The request has no valid Host header.'];
      return undefined;
    }
    const id = path.startsWith(RELAY_PHONE_PATH_PREFIX) ? path.slice(RELAY_PHONE_PATH_PREFIX.length) : '';
    if (!isRelayId(id)) return ['404 Not Found', 'bad-path', 'Not found.'];
    if (!this.originAllowed(req)) return ['403 Forbidden', 'bad-origin', 'Pages of other sites may not connect here.'];
    return undefined;
  }

  private onDaemon(ws: WebSocket, host: string, remote: string): void {
    this.counted(ws, 'daemon');
    const link = new DaemonLink(ws, host, remote, this.linkContext());
    this.links.add(link);
  }

  private onPhone(ws: WebSocket, id: string, remote: string): void {
    this.counted(ws, 'phone');
    const link = this.daemons.get(id);
    if (!link) {
      this.metrics.dropped('no-daemon');
      refusePhone(
        ws,
        'closed',
        'Your computer is not connected to this relay right now. Check that `paseo up --relay` is running.',
        1013,
      );
      return;
    }
    link.openChannel(ws, remote);
  }

  private linkContext(): LinkContext {
    return {
      limits: this.opts.limits,
      metrics: this.metrics,
      log: this.noisy,
      register: (link) => {
        const id = link.relayId!;
        const old = this.daemons.get(id);
        if (old && old !== link) {
          this.noisy.info('daemon replaced', `daemon ${id} registered again from ${link.remote}: closing its old link`);
          old.end({
            code: 'replaced',
            message: 'Another paseo with the same key registered with this relay, so this link was closed.',
            drop: 'replaced',
          });
        }
        this.daemons.set(id, link);
        this.metrics.daemons.set(this.daemons.size);
      },
      unregister: (link) => {
        this.links.delete(link);
        if (link.relayId && this.daemons.get(link.relayId) === link) this.daemons.delete(link.relayId);
        this.metrics.daemons.set(this.daemons.size);
      },
    };
  }

  private counted(ws: WebSocket, leg: Leg): void {
    this.metrics.connections.inc({ leg });
    this.metrics.connectionsTotal.inc({ leg });
    ws.once('close', () => this.metrics.connections.dec({ leg }));
  }

  /** The client's address: the socket's, or behind a trusted proxy the last X-Forwarded-For entry. */
  private clientAddress(req: IncomingMessage): string {
    const socketAddress = req.socket.remoteAddress ?? 'unknown';
    if (!this.opts.trustProxy) return socketAddress;
    const forwarded = String(req.headers['x-forwarded-for'] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .pop();
    return forwarded && isIP(forwarded) ? forwarded : socketAddress;
  }

  /**
   * A browser's WebSocket must come from a page of this relay: its Origin names the host (and port) the
   * request was sent to. Clients without an Origin (not browsers) are let through: they prove nothing
   * either way, and the daemon authenticates every device.
   */
  private originAllowed(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    const o = parseOrigin(origin);
    const h = parseHostHeader(String(req.headers.host ?? ''));
    if (!o || !h) return false;
    return o.host === h.host && o.port === (h.port ?? (o.scheme === 'https' ? 443 : 80));
  }
}
