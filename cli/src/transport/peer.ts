// Who is on the other end of an HTTP request: its address, and for requests the tailnet sidecar proxied,
// the tailnet identity it reported. Identity headers count only with the current sidecar's per-start
// token (the sidecar strips any such headers a client sent), and what they say is cleaned like a device
// name before anything stores or prints it: a login or node name is chosen by whoever owns that node.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { cleanLabel } from '../channel/channel.js';
import type { PeerInfo } from './pipe.js';

/** Longest tailnet login name and node name kept, in characters. */
export const MAX_TAILNET_NAME_CHARS = 100;

/** Where a request comes from (the socket's address, or the tailnet's when the sidecar vouches for it). */
export function peerOf(req: Pick<IncomingMessage, 'headers' | 'socket'>, sidecarToken: string | undefined): PeerInfo {
  const remote = req.socket.remoteAddress ?? 'unknown';
  const token = header(req, 'x-paseo-sidecar-token');
  if (!sidecarToken || !token || !safeEqual(token, sidecarToken)) return { remote };
  const user = cleanLabel(header(req, 'x-paseo-tailnet-user') ?? '', MAX_TAILNET_NAME_CHARS);
  const node = cleanLabel(header(req, 'x-paseo-tailnet-node') ?? '', MAX_TAILNET_NAME_CHARS);
  const addr = header(req, 'x-paseo-tailnet-addr');
  const identity = [node, user].filter(Boolean).join(' · ');
  return {
    remote: addr && isIP(addr) ? `tailnet ${addr}` : remote,
    ...(identity ? { tailnetIdentity: identity } : {}),
  };
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A header value, percent-decoded (the sidecar percent-encodes what it adds). */
function header(req: Pick<IncomingMessage, 'headers'>, name: string): string | undefined {
  const v = req.headers[name];
  if (typeof v !== 'string' || v.length === 0) return undefined;
  try {
    return decodeURIComponent(v);
  } catch {
    return undefined;
  }
}
