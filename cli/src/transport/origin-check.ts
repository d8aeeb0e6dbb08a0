// Which Host and Origin headers the daemon answers to: only its own addresses. This stops DNS
// rebinding (a hostile name pointed at 127.0.0.1) and web pages on other origins talking to the daemon.
import { networkInterfaces } from 'node:os';

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '::1'];
const WILDCARDS = new Set(['0.0.0.0', '::', '']);

/** The set of host names (without port) the daemon accepts in Host and Origin. */
export class AllowedHosts {
  private extra: string[] = [];

  constructor(private readonly listenHost: string) {}

  /** Adds names the daemon is reachable by elsewhere (the tailnet name and IPs). */
  setExtra(hosts: string[]): void {
    this.extra = hosts.map((h) => h.toLowerCase().replace(/\.$/, ''));
  }

  /** True when a Host header value (name[:port]) names this daemon. */
  allowsHost(hostHeader: string | undefined): boolean {
    if (!hostHeader) return false;
    const name = hostName(hostHeader);
    return name !== undefined && this.names().has(name);
  }

  /** True when an Origin header is absent (non-browser clients) or one of this daemon's own origins. */
  allowsOrigin(origin: string | undefined): boolean {
    if (origin === undefined) return true;
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return false;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
    return this.names().has(
      url.hostname
        .replace(/^\[|\]$/g, '')
        .toLowerCase()
        .replace(/\.$/, ''),
    );
  }

  private names(): Set<string> {
    const names = new Set<string>([...LOOPBACK_NAMES, ...this.extra]);
    if (WILDCARDS.has(this.listenHost)) {
      for (const list of Object.values(networkInterfaces()))
        for (const a of list ?? []) names.add(a.address.toLowerCase());
    } else {
      names.add(this.listenHost.toLowerCase());
    }
    return names;
  }
}

/** The host name of a Host header (brackets and port removed), or undefined when malformed. */
export function hostName(hostHeader: string): string | undefined {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end > 0 ? h.slice(1, end) : undefined;
  }
  const parts = h.split(':');
  if (parts.length > 2) return undefined;
  return parts[0]!.replace(/\.$/, '') || undefined;
}
