// Which addresses only this computer can open: a phone that scans a QR code for one of them opens itself.
import { BlockList, isIP } from 'node:net';

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** The host as a URL spells it: `127.1` → `127.0.0.1`, `[0:0:0:0:0:0:0:1]` → `::1`, `LOCALHOST.` → `localhost`. */
function canonicalHost(host: string): string {
  const bracketed = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  try {
    return new URL(`http://${bracketed}/`).hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '');
  } catch {
    return host.toLowerCase();
  }
}

/**
 * True for 127.0.0.0/8 and ::1 however they are written (`127.1`, `0:0:0:0:0:0:0:1`, `::ffff:127.0.0.1`,
 * with or without brackets), and for localhost and its subdomains (which browsers resolve to loopback).
 */
export function isLoopbackHost(host: string): boolean {
  const h = canonicalHost(host);
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  const family = isIP(h);
  return family !== 0 && LOOPBACK.check(h, family === 4 ? 'ipv4' : 'ipv6');
}

/** True when only this computer can open the URL. */
export function isLoopbackUrl(url: string): boolean {
  try {
    return isLoopbackHost(new URL(url).hostname);
  } catch {
    return false;
  }
}
