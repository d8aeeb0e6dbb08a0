// Which Host and Origin headers the daemon answers to: only its own addresses, each with the scheme and
// port it is served on. This stops DNS rebinding (a hostile name pointed at 127.0.0.1) and web pages of
// other origins talking to the daemon, including another local server's page (`http://localhost:3000`).
//
//   local:   http://<loopback name or the --listen address>:<the port it listens on>
//   tailnet: http://<name> (port 80) and https://<name> (port 443), where <name> is the MagicDNS name
//            (full and short) or a tailnet IP: the sidecar serves :80 and :443 and keeps the Host header.
import { networkInterfaces } from 'node:os';

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '::1'];
const WILDCARDS = new Set(['0.0.0.0', '::', '']);
/** How long the addresses of the machine's interfaces are reused (a wildcard --listen), in milliseconds. */
const INTERFACES_REUSE_MS = 1000;
/** Allowed Host and Origin headers remembered at most (a daemon's own clients send a handful). */
const REMEMBERED_ALLOWED = 64;
/** Ports the tailnet sidecar serves, by scheme. */
const TAILNET_PORTS = { http: 80, https: 443 } as const;

/** Scheme, host (lower case, no brackets, no trailing dot) and port of an origin. */
interface Origin {
  scheme: 'http' | 'https';
  host: string;
  port: number;
}

/** The addresses (with scheme and port) the daemon accepts in Host and Origin. */
export class AllowedHosts {
  private tailnet: string[] = [];
  /** The local names as last computed (every request asks twice: Host and Origin), and when. */
  private local: { names: Set<string>; atMs: number } | undefined;
  /**
   * Host and Origin headers already allowed (a client sends the same ones on every connection, and parsing
   * one costs a URL), for the local names they were allowed with; forgotten when the names change.
   */
  private readonly allowed = new Set<string>();
  private allowedFor: Set<string> | undefined;

  constructor(private readonly listen: { host: string; port: number }) {}

  /** The names and IPs the daemon is reachable by on the tailnet (served on :80 and :443). */
  setTailnetHosts(hosts: string[]): void {
    this.tailnet = hosts.map(canonicalHost).filter((h): h is string => h !== undefined);
    this.allowed.clear();
  }

  /** True when a Host header value (name[:port]) names this daemon where it is served. */
  allowsHost(hostHeader: string | undefined): boolean {
    if (!hostHeader) return false;
    return this.remembered(`host ${hostHeader}`, () => this.checkHost(hostHeader));
  }

  /** True when an Origin header is absent (non-browser clients) or exactly one of this daemon's origins. */
  allowsOrigin(origin: string | undefined): boolean {
    if (origin === undefined) return true;
    return this.remembered(`origin ${origin}`, () => this.checkOrigin(origin));
  }

  /**
   * True when `key` was allowed before, else `check()`. Only allowed headers are remembered, and only so
   * many (headers are anyone's): refused ones are checked again each time.
   */
  private remembered(key: string, check: () => boolean): boolean {
    const names = this.localNames();
    if (this.allowedFor !== names) {
      this.allowed.clear();
      this.allowedFor = names;
    }
    if (this.allowed.has(key)) return true;
    if (!check()) return false;
    if (this.allowed.size < REMEMBERED_ALLOWED) this.allowed.add(key);
    return true;
  }

  private checkHost(hostHeader: string): boolean {
    const parsed = parseHostHeader(hostHeader);
    if (!parsed) return false;
    const { host, port } = parsed;
    if (this.localNames().has(host) && (port ?? 80) === this.listen.port) return true;
    return (
      this.tailnet.includes(host) && (port === undefined || port === TAILNET_PORTS.http || port === TAILNET_PORTS.https)
    );
  }

  private checkOrigin(origin: string): boolean {
    const o = parseOrigin(origin);
    if (!o) return false;
    if (o.scheme === 'http' && o.port === this.listen.port && this.localNames().has(o.host)) return true;
    return this.tailnet.includes(o.host) && o.port === TAILNET_PORTS[o.scheme];
  }

  private localNames(): Set<string> {
    const nowMs = Date.now();
    // A fixed listen address never changes; the interfaces behind a wildcard may, so they are read again soon.
    if (this.local && (!WILDCARDS.has(this.listen.host) || nowMs - this.local.atMs < INTERFACES_REUSE_MS)) {
      return this.local.names;
    }
    const names = new Set<string>(LOOPBACK_NAMES);
    if (WILDCARDS.has(this.listen.host)) {
      for (const list of Object.values(networkInterfaces()))
        for (const a of list ?? []) names.add(canonicalHost(a.address) ?? a.address);
    } else {
      names.add(canonicalHost(this.listen.host) ?? this.listen.host);
    }
    this.local = { names, atMs: nowMs };
    return names;
  }
}

/** Parses an Origin header (`scheme://host[:port]`, nothing else); undefined when it is anything else. */
export function parseOrigin(origin: string): Origin | undefined {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.username || url.password || (url.pathname !== '/' && url.pathname !== '') || url.search || url.hash)
    return undefined;
  const scheme = url.protocol === 'https:' ? 'https' : 'http';
  const host = canonicalHost(url.hostname);
  if (!host) return undefined;
  return { scheme, host, port: url.port ? Number(url.port) : TAILNET_PORTS[scheme] };
}

/** The host and port (undefined when absent) of a Host header, or undefined when it is malformed. */
export function parseHostHeader(value: string): { host: string; port: number | undefined } | undefined {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(value.trim());
  if (!m) return undefined;
  const host = canonicalHost(m[1]!);
  const port = m[2] === undefined ? undefined : Number(m[2]);
  if (!host || (port !== undefined && (port < 1 || port > 65535))) return undefined;
  return { host, port };
}

/** A host as URLs write it, lower case, without IPv6 brackets or a trailing dot; undefined if invalid. */
function canonicalHost(host: string): string | undefined {
  const bare = host.replace(/^\[|\]$/g, '');
  try {
    const hostname = new URL(`http://${bare.includes(':') ? `[${bare}]` : bare}/`).hostname;
    return hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '') || undefined;
  } catch {
    return undefined;
  }
}
