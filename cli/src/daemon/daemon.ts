// The daemon: owns the identity, paired devices, pairing codes, agent sessions and connected clients,
// and starts the transports (local HTTP/WebSocket, control socket, tailnet sidecar).
import { hostname, networkInterfaces } from 'node:os';
import { toBase64Url } from '../channel/encoding.js';
import { keyFingerprint } from '../channel/fingerprint.js';
import type { DaemonMessage, DeviceInfo, PairInfo, RelayInfo, StatusInfo, TailnetInfo } from '../channel/messages.js';
import { CODE_TTL_MS } from '../channel/pairing-code.js';
import { History } from '../history/history.js';
import { type Logger, RepeatLimitedLog } from '../log.js';
import type { SessionLimits } from '../session/limits.js';
import { SessionManager } from '../session/manager.js';
import { ensureHome, homePaths } from '../state/home.js';
import { LocalServer } from '../transport/local.js';
import { isLoopbackHost } from '../transport/loopback.js';
import type { FramePipe, PipeReceiver, PipeSink } from '../transport/pipe.js';
import { RelayLink } from '../transport/relay.js';
import { TailnetNode, type TailnetOptions } from '../transport/tailnet.js';
import { PASEO_VERSION } from '../version.js';
import { type Admitted, ConnectionTable } from './admission.js';
import type { Client } from './client.js';
import { DeviceConnection, HANDSHAKE_TIMEOUT_MS } from './connection.js';
import { ControlServer } from './control.js';
import type { DaemonCore } from './core.js';
import { type DeviceRecord, DeviceStore, type NewDevice } from './devices.js';
import { type Identity, loadOrCreateIdentity } from './identity.js';
import { PairingCodes } from './pairing.js';

/** Listen hosts that mean "every address of this machine". */
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '']);

function httpUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}/`;
}

/** Code lifetime: CODE_TTL_MS, or PASEO_CODE_TTL_MS (for tests of expiry; at most the default). */
function codeTtlMs(): number {
  const v = Number(process.env.PASEO_CODE_TTL_MS);
  return Number.isSafeInteger(v) && v > 0 && v < CODE_TTL_MS ? v : CODE_TTL_MS;
}

/** How the daemon is started. */
export interface DaemonOptions {
  home: string;
  listen: { host: string; port: number };
  /** Tailnet settings, or false for `--no-tailnet`. */
  tailnet: TailnetOptions | false;
  /** A relay to keep a link to (`--relay wss://…`), for devices off the tailnet. */
  relay?: string;
  log: Logger & { withTag(tag: string): Logger };
  /** Shorter timings and smaller sizes for tests (in-process daemons); `paseo up` uses the defaults. */
  tuning?: DaemonTuning;
}

/** What tests may shrink. */
export interface DaemonTuning {
  /** How long a device has to finish its handshake and hello (default HANDSHAKE_TIMEOUT_MS). */
  handshakeTimeoutMs?: number;
  /** The session manager's sizes and timings (defaults in session/limits.ts). */
  session?: Partial<SessionLimits>;
}

/** A running daemon. */
export class Daemon implements DaemonCore {
  readonly identity: Identity;
  readonly devices: DeviceStore;
  readonly pairing: PairingCodes;
  readonly sessions: SessionManager;
  readonly history: History;
  readonly clients = new Set<Client>();
  /** Every device connection, from its first frame to its close (caps, revocation by key). */
  readonly connections = new ConnectionTable<DeviceConnection>();
  readonly startedAt = new Date();
  readonly paths: ReturnType<typeof homePaths>;
  readonly log: Logger;
  /** How long a device connection may take to finish its handshake and hello, in milliseconds. */
  readonly handshakeTimeoutMs: number;
  private local: LocalServer | undefined;
  private control: ControlServer | undefined;
  private tailnet: TailnetNode | undefined;
  private relay: RelayLink | undefined;
  private readonly relayListeners = new Set<(info: RelayInfo) => void>();
  private stopping: Promise<void> | undefined;
  /** True once every part started (a start that failed stops without a word in the log). */
  private running = false;
  private resolveStopped!: () => void;
  /** Resolves once the daemon has stopped (after `stop()` or a `shutdown` request). */
  readonly stopped = new Promise<void>((resolve) => (this.resolveStopped = resolve));
  private readonly tailnetListeners = new Set<(info: TailnetInfo) => void>();

  private constructor(private readonly opts: DaemonOptions) {
    ensureHome(opts.home);
    this.paths = homePaths(opts.home);
    this.log = opts.log;
    this.handshakeTimeoutMs = opts.tuning?.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS;
    this.identity = loadOrCreateIdentity(this.paths.identity);
    this.devices = new DeviceStore(this.paths.devices);
    for (const problem of this.devices.problems) this.log.warn(problem);
    this.pairing = new PairingCodes(this.identity.keys.publicKey, Date.now, codeTtlMs());
    this.sessions = new SessionManager({
      home: opts.home,
      log: opts.log.withTag('session'),
      ...(opts.tuning?.session ? { limits: opts.tuning.session } : {}),
    });
    this.sessions.onChange((sessions) => this.broadcast({ t: 'sessions.changed', sessions }));
    this.history = new History(this.paths.recordings);
  }

  /** Starts every part; rejects with a sentence-like Error when the port or socket is taken. */
  static async start(opts: DaemonOptions): Promise<Daemon> {
    const daemon = new Daemon(opts);
    try {
      daemon.control = await ControlServer.start(daemon, daemon.paths.socket, opts.log.withTag('control'));
      daemon.local = await LocalServer.start({
        listen: opts.listen,
        log: opts.log.withTag('http'),
        accept: daemon.pipeSink(opts.log.withTag('http')),
        info: () => ({
          daemonId: daemon.identity.daemonId,
          publicKey: toBase64Url(daemon.identity.keys.publicKey),
          hostname: daemon.hostname,
          version: PASEO_VERSION,
        }),
        sidecarToken: () => daemon.tailnet?.token,
      });
      if (opts.tailnet) {
        daemon.tailnet = new TailnetNode(opts.tailnet, daemon.local.address, opts.log.withTag('tailnet'));
        daemon.tailnet.onChange((info) => {
          daemon.local?.setTailnetHosts(daemon.tailnetHosts());
          for (const l of daemon.tailnetListeners) l(info);
        });
        daemon.tailnet.start();
      }
      if (opts.relay) {
        const log = opts.log.withTag('relay');
        daemon.relay = new RelayLink({
          url: opts.relay,
          signing: daemon.identity.signing,
          accept: daemon.pipeSink(log),
          log,
        });
        daemon.relay.onChange((info) => {
          for (const l of daemon.relayListeners) l(info);
        });
        daemon.relay.start();
      }
    } catch (err) {
      await daemon.stop();
      throw err;
    }
    daemon.running = true;
    daemon.log.info(`paseo ${PASEO_VERSION} daemon ${daemon.identity.daemonId} listening on ${daemon.localUrl}`);
    return daemon;
  }

  /**
   * Where a transport hands over each new pipe: a device connection takes it. What strangers on that
   * transport can make the daemon log is limited per kind.
   */
  pipeSink(log: Logger): PipeSink {
    const noisy = new RepeatLimitedLog(log);
    return (pipe: FramePipe): PipeReceiver => {
      const conn = new DeviceConnection(this, pipe, noisy);
      return { frame: (data) => conn.receive(data), closed: () => conn.closed() };
    };
  }

  /** The control socket's path. */
  get socketPath(): string {
    return this.paths.socket;
  }

  /** The web UI address for a browser on this computer, e.g. http://127.0.0.1:6767/ */
  get localUrl(): string {
    const a = this.local?.address ?? this.opts.listen;
    return httpUrl(WILDCARD_HOSTS.has(a.host) ? '127.0.0.1' : a.host, a.port);
  }

  /** Addresses of the web UI that other devices on the local network can open (none on loopback). */
  lanUrls(): string[] {
    const a = this.local?.address ?? this.opts.listen;
    if (isLoopbackHost(a.host)) return [];
    if (!WILDCARD_HOSTS.has(a.host)) return [httpUrl(a.host, a.port)];
    const ips = Object.values(networkInterfaces())
      .flat()
      .filter((i) => i !== undefined && !i.internal && i.family === 'IPv4')
      .map((i) => i!.address);
    return ips.map((ip) => httpUrl(ip, a.port));
  }

  /** The tailnet URL once other devices can reach the node, else undefined. */
  get tailnetUrl(): string | undefined {
    const info = this.tailnet?.info;
    return info?.state === 'running' ? info.url : undefined;
  }

  /** Every URL a device can open, best first: the tailnet once reachable, the local network, this computer. */
  urls(): string[] {
    const urls = [this.tailnetUrl, ...this.lanUrls(), this.localUrl].filter((u): u is string => typeof u === 'string');
    return [...new Set(urls)];
  }

  /** The state of the tailnet node. */
  tailnetInfo(): TailnetInfo {
    return this.tailnet?.info ?? { state: 'off', ips: [], https: false, restarts: 0 };
  }

  /** Listens to tailnet state changes (for `paseo up` output). */
  onTailnetChange(cb: (info: TailnetInfo) => void): () => void {
    this.tailnetListeners.add(cb);
    return () => this.tailnetListeners.delete(cb);
  }

  /** The state of the relay link. */
  relayInfo(): RelayInfo {
    return this.relay?.info ?? { state: 'off', channels: 0 };
  }

  /** Listens to relay state changes (for `paseo up` output). */
  onRelayChange(cb: (info: RelayInfo) => void): () => void {
    this.relayListeners.add(cb);
    return () => this.relayListeners.delete(cb);
  }

  /**
   * Creates a one-time pairing code and the URLs that carry it (in the fragment): the tailnet's, the
   * relay's (its origin, with this daemon's relay id, so the page knows where to connect) and the local one.
   */
  createPairing(): PairInfo {
    const { code, expiresAt } = this.pairing.create();
    const fragment = `#pair=${code}&key=${toBase64Url(this.identity.keys.publicKey)}`;
    const relayWeb = this.relay?.info.webUrl;
    const relayUrl = relayWeb ? `${relayWeb}${fragment}&daemon=${this.identity.relayId}` : undefined;
    const direct = this.urls().map((u) => u + fragment);
    const urls = [
      ...(this.tailnetUrl ? direct.slice(0, 1) : []),
      ...(relayUrl ? [relayUrl] : []),
      ...direct.slice(this.tailnetUrl ? 1 : 0),
    ];
    return {
      code,
      url: urls[0]!,
      urls,
      ...(relayUrl ? { relayUrl } : {}),
      fingerprint: keyFingerprint(this.identity.keys.publicKey),
      expiresAt: expiresAt.toISOString(),
    };
  }

  /** Paired devices as shown in lists. */
  deviceInfos(currentDeviceId?: string): DeviceInfo[] {
    const online = new Set([...this.clients].map((c) => c.deviceId).filter(Boolean));
    return this.devices.list().map((d) => ({
      id: d.id,
      name: d.name,
      pairedAt: d.pairedAt,
      lastSeenAt: d.lastSeenAt,
      online: online.has(d.id),
      ...(d.tailnetIdentity ? { tailnetIdentity: d.tailnetIdentity } : {}),
      ...(currentDeviceId ? { current: d.id === currentDeviceId } : {}),
    }));
  }

  /** Pushes the device list to every client (each marked with its own device). */
  broadcastDevices(): void {
    for (const c of this.clients) c.send({ t: 'devices.changed', devices: this.deviceInfos(c.deviceId) });
  }

  /**
   * Removes a device: every connection authenticated with its key (listed or not, established or still
   * in its handshake) gets `revoked` and closes at once; the key never works again.
   */
  revokeDevice(deviceId: string): boolean {
    const record = this.devices.get(deviceId);
    if (!record || !this.devices.remove(deviceId)) return false;
    this.log.info(`device ${deviceId} removed`);
    const message = 'This device was removed from paseo. Pair it again to use it.';
    for (const c of this.connections.withKey(record.publicKey)) {
      c.send({ t: 'revoked', message });
      c.close('revoked', message);
    }
    this.broadcastDevices();
    return true;
  }

  /**
   * Stores a device that just paired. A key that was already paired gets the new record, and the
   * connections of its old record end (they may reconnect: the key is still paired, under the new id).
   */
  pairDevice(by: Admitted, input: NewDevice): DeviceRecord {
    const old = this.devices.byKey(input.publicKey);
    const record = this.devices.add(input);
    if (old) {
      this.log.info(`device ${old.id} paired again as ${record.id}; closing the old record's connections`);
      for (const c of this.connections.withKey(input.publicKey)) {
        if (c !== by) c.close('closed', 'This device was paired again. Reconnect to use the new pairing.');
      }
    }
    return record;
  }

  /** Registers a connected client (after its handshake). */
  addClient(client: Client): void {
    this.clients.add(client);
    if (client.deviceId) this.broadcastDevices();
  }

  /** Forgets a client whose connection ended. */
  removeClient(client: Client): void {
    if (!this.clients.delete(client)) return;
    this.sessions.detachAll(client);
    if (client.deviceId) {
      this.devices.touch(client.deviceId);
      this.broadcastDevices();
    }
  }

  /** Sends a message to every client. */
  broadcast(msg: DaemonMessage): void {
    for (const c of this.clients) c.send(msg);
  }

  /** What `paseo status` shows. */
  status(): StatusInfo {
    const sessions = this.sessions.list();
    const devices = this.deviceInfos();
    const a = this.local?.address ?? this.opts.listen;
    return {
      version: PASEO_VERSION,
      pid: process.pid,
      daemonId: this.identity.daemonId,
      startedAt: this.startedAt.toISOString(),
      home: this.opts.home,
      listen: [`${a.host}:${a.port}`],
      urls: this.urls(),
      devices: devices.length,
      devicesOnline: devices.filter((d) => d.online).length,
      sessions: sessions.length,
      sessionsRunning: sessions.filter((s) => s.state === 'running').length,
      tailnet: this.tailnetInfo(),
      relay: this.relayInfo(),
      warnings: [...this.devices.problems, ...this.sessions.warnings()],
    };
  }

  /** The machine name shown in the web UI. */
  get hostname(): string {
    return this.tailnet?.info.fqdn ?? hostname();
  }

  /** Stops everything: clients are told, sessions end, the sidecar stops, sockets close. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.running) this.log.info('stopping');
      for (const c of [...this.clients]) c.close('shutdown', 'paseo was stopped on the computer.');
      await this.sessions.shutdown().catch((err: unknown) => this.log.error('stopping sessions failed', err));
      this.relay?.stop();
      await this.tailnet?.stop();
      await this.local?.close();
      await this.control?.close();
      this.resolveStopped();
    })();
    return this.stopping;
  }

  private tailnetHosts(): string[] {
    const info = this.tailnet?.info;
    if (!info?.fqdn) return [];
    const short = info.fqdn.split('.')[0] ?? '';
    return [info.fqdn, info.fqdn.replace(/\.$/, ''), short, ...info.ips].filter(Boolean);
  }
}
