// The tailnet transport: runs the embedded Go sidecar (a tsnet node), reads its line-delimited JSON
// events on stdout, and restarts it with backoff if it dies. The sidecar proxies tailnet connections to
// the local server, so devices on the tailnet reach exactly what localhost serves. See docs/sidecar.md.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { assetPath } from '../assets.js';
import type { TailnetInfo } from '../channel/messages.js';
import { arr, bool, type Infer, obj, oneOf, opt, str } from '../channel/validate.js';
import { type Logger, logText } from '../log.js';
import { withoutSecrets } from '../state/secrets.js';

/** First restart delay after the sidecar dies, in milliseconds; doubles up to RESTART_MAX_DELAY_MS. */
export const RESTART_MIN_DELAY_MS = 500;
export const RESTART_MAX_DELAY_MS = 30_000;
/** A sidecar that ran this long resets the backoff, in milliseconds. */
export const RESTART_RESET_AFTER_MS = 60_000;
/** How long the sidecar gets to exit after its stdin closes, in milliseconds. */
export const STOP_GRACE_MS = 5_000;

/** How to join the tailnet. */
export interface TailnetOptions {
  hostname: string;
  stateDir: string;
  loginServer?: string;
  /** Never logged; passed to the sidecar on its stdin only. */
  authKey?: string;
  /** Path of the sidecar binary (default: the embedded one). */
  sidecarPath?: string;
}

/** What `paseo status` says while the node is on the tailnet but not yet reachable (see docs/sidecar.md). */
export const JOINED_DETAIL = 'on the tailnet, waiting until your other devices can reach it';
/** How the sidecar's `running` detail begins while it waits for that (docs/sidecar.md). */
const SIDECAR_WAIT_PREFIX = 'waiting until other devices can reach';

/** Event types this daemon understands; others (newer sidecars) are ignored. */
const KNOWN_EVENTS = new Set(['hello', 'state', 'login', 'ready', 'error']);
const event = obj({
  type: oneOf('hello', 'state', 'login', 'ready', 'error'),
  state: opt(oneOf('starting', 'needs-login', 'needs-approval', 'running', 'control-unreachable', 'stopped')),
  detail: opt(str(2000)),
  url: opt(str(2000)),
  fqdn: opt(str(300)),
  hostname: opt(str(300)),
  ips: opt(arr(str(64), 16)),
  https: opt(bool),
  magicDNS: opt(bool),
  urls: opt(arr(str(2000), 8)),
  message: opt(str(2000)),
});
type SidecarEvent = Infer<typeof event>;

/** The running tsnet sidecar and what it last reported. */
export class TailnetNode {
  private child: ChildProcess | undefined;
  private stopped = false;
  private delayMs = RESTART_MIN_DELAY_MS;
  private restartTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly listeners = new Set<(info: TailnetInfo) => void>();
  /**
   * A secret the sidecar sends on every proxied request (X-Paseo-Sidecar-Token): only requests carrying
   * it may claim a tailnet identity, since any local process can reach the daemon's port.
   */
  readonly token = randomBytes(24).toString('hex');
  /** The latest state, for `paseo status`. */
  info: TailnetInfo;
  /** The sidecar's own state, and whether it said `ready` in it: only then is the node reachable. */
  private sidecarState: SidecarEvent['state'];
  private ready = false;

  constructor(
    private readonly opts: TailnetOptions,
    private readonly target: { host: string; port: number },
    private readonly log: Logger,
  ) {
    this.info = {
      state: 'starting',
      ips: [],
      https: false,
      restarts: 0,
      ...(opts.loginServer ? { loginServer: opts.loginServer } : {}),
    };
  }

  /** Starts the sidecar (and keeps it running until stop()). */
  start(): void {
    this.stopped = false;
    this.spawnSidecar();
  }

  /** Listens to state changes. */
  onChange(cb: (info: TailnetInfo) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** The sidecar's process id (tests kill it to check the restart). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Stops the sidecar: closes its stdin, then kills it if it lingers. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.stdin?.end();
    });
  }

  private spawnSidecar(): void {
    let bin: string;
    try {
      bin = this.opts.sidecarPath ?? assetPath('sidecar');
    } catch (err) {
      this.update({ state: 'failed', detail: `This paseo binary has no tailnet node: ${(err as Error).message}` });
      this.log.error((err as Error).message);
      return;
    }
    mkdirSync(this.opts.stateDir, { recursive: true, mode: 0o700 });
    const host = this.target.host === '0.0.0.0' || this.target.host === '::' ? '127.0.0.1' : this.target.host;
    const args = [
      '--hostname',
      this.opts.hostname,
      '--state-dir',
      this.opts.stateDir,
      '--target',
      `${host.includes(':') ? `[${host}]` : host}:${this.target.port}`,
    ];
    if (this.opts.loginServer) args.push('--login-server', this.opts.loginServer);
    // Secrets go on stdin, never in the environment (/proc/<pid>/environ keeps it for the process's life).
    args.push('--secrets-stdin');
    const env: NodeJS.ProcessEnv = {
      ...withoutSecrets(process.env),
      TS_NO_LOGS_NO_SUPPORT: process.env.TS_NO_LOGS_NO_SUPPORT ?? '1',
    };
    const startedAt = Date.now();
    this.sidecarState = undefined;
    this.ready = false;
    const child = spawn(bin, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    child.stdin?.on('error', () => {}); // a sidecar that exits at once closes its stdin: 'exit' says why
    child.stdin?.write(
      `${JSON.stringify({ token: this.token, ...(this.opts.authKey ? { authKey: this.opts.authKey } : {}) })}\n`,
    );
    this.log.info(`starting the tailnet node${this.opts.authKey ? ' with an auth key' : ''}`);
    child.on('error', (err) => this.log.error(`could not start the tailnet sidecar: ${err.message}`));
    createInterface({ input: child.stdout! }).on('line', (line) => this.onLine(line));
    createInterface({ input: child.stderr! }).on('line', (line) => this.log.debug(`sidecar: ${logText(line, 1000)}`));
    child.on('exit', (code, signal) => {
      if (this.child !== child) return;
      this.child = undefined;
      if (this.stopped) {
        this.update({ state: 'off' });
        return;
      }
      if (Date.now() - startedAt > RESTART_RESET_AFTER_MS) this.delayMs = RESTART_MIN_DELAY_MS;
      const delay = this.delayMs;
      this.delayMs = Math.min(this.delayMs * 2, RESTART_MAX_DELAY_MS);
      this.log.warn(`the tailnet sidecar exited (${signal ?? `code ${code}`}); restarting in ${delay} ms`);
      this.update({
        state: 'restarting',
        restarts: this.info.restarts + 1,
        detail: `The tailnet node stopped (${signal ?? `exit code ${code}`}); restarting.`,
      });
      this.restartTimer = setTimeout(() => this.spawnSidecar(), delay);
    });
  }

  private onLine(line: string): void {
    let ev: SidecarEvent;
    try {
      const raw: unknown = JSON.parse(line);
      if (typeof raw !== 'object' || raw === null || !KNOWN_EVENTS.has((raw as { type?: unknown }).type as string))
        return;
      ev = event(raw, 'sidecar');
    } catch (err) {
      this.log.warn(`ignoring a malformed line from the sidecar: ${logText(err)}`);
      return;
    }
    switch (ev.type) {
      case 'hello':
        return;
      case 'state': {
        if (ev.state === 'stopped') return;
        // A new state of the sidecar takes back its `ready`; a new detail in the same state does not.
        if (ev.state !== this.sidecarState) this.ready = false;
        this.sidecarState = ev.state;
        if (ev.state === 'running' && !this.ready) {
          // The sidecar's own words for its wait (relay homes, endpoints) are for the log; people get one
          // sentence. Other news while joining (an HTTPS certificate being fetched) is passed on.
          if (ev.detail) this.log.debug(`tailnet: ${ev.detail}`);
          const waiting = !ev.detail || ev.detail.startsWith(SIDECAR_WAIT_PREFIX);
          this.update({ state: 'starting', detail: waiting ? JOINED_DETAIL : ev.detail });
          return;
        }
        this.update({ state: ev.state ?? 'starting', detail: ev.detail || undefined });
        return;
      }
      case 'login':
        if (ev.url) this.update({ state: 'needs-login', loginUrl: ev.url });
        return;
      case 'ready': {
        this.ready = true;
        const fqdn = (ev.fqdn ?? '').replace(/\.$/, '');
        const https = ev.https === true;
        const url = ev.urls?.[0] ?? (fqdn ? `${https ? 'https' : 'http'}://${fqdn}/` : undefined);
        this.update({
          state: 'running',
          fqdn,
          ips: ev.ips ?? [],
          https,
          magicDNS: ev.magicDNS !== false,
          ...(url ? { url } : {}),
          loginUrl: undefined,
          detail: ev.detail,
        });
        return;
      }
      case 'error':
        this.log.warn(`tailnet: ${logText(ev.message ?? '')}${ev.detail ? ` (${logText(ev.detail, 1000)})` : ''}`);
        this.update({ detail: ev.message ?? ev.detail });
        return;
    }
  }

  private update(patch: Partial<TailnetInfo>): void {
    const next = { ...this.info, ...patch } as TailnetInfo;
    for (const k of Object.keys(next) as (keyof TailnetInfo)[]) if (next[k] === undefined) delete next[k];
    this.info = next;
    for (const l of this.listeners) l(this.info);
  }
}
