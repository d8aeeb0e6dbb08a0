// The web UI over HTTP: the static files embedded in the binary, with the security headers every answer
// carries. Served by the daemon's local server and by a relay (`paseo relay`), byte for byte the same.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { webAssets } from '../assets.js';
import { CSP_HEADER } from '../csp.js';

/** Headers on every answer: the CSP, no sniffing, no framing, no referrer, its own browsing context. */
export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CSP_HEADER,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

/** Writes a whole answer with the security headers. */
export function sendResponse(
  res: ServerResponse,
  status: number,
  type: string,
  body: string | Uint8Array,
  extra: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': type, ...SECURITY_HEADERS, ...extra });
  res.end(body);
}

/** Where the daemon's WebSocket is served. */
const WS_PATH = '/ws';

/** The decoded path of a request URL, or undefined when it cannot be decoded. */
export function decodePath(url: string | undefined): string | undefined {
  // Every WebSocket asks for exactly this; parsing it as a URL would give it back unchanged.
  if (url === WS_PATH) return WS_PATH;
  try {
    return decodeURIComponent(new URL(url ?? '/', 'http://x').pathname);
  } catch {
    return undefined;
  }
}

/** Answers a GET or HEAD for a file of the web UI (`/` is index.html), 404 when there is none. */
export function serveWebUi(req: IncomingMessage, res: ServerResponse, path: string | undefined): void {
  const assets = webAssets();
  const asset = assets.get(path === undefined || path === '/' ? '/index.html' : path);
  if (!asset) {
    if (assets.size === 0)
      sendResponse(res, 503, 'text/plain; charset=utf-8', 'The web UI is missing from this build of paseo.\n');
    else sendResponse(res, 404, 'text/plain; charset=utf-8', 'Not found.\n');
    return;
  }
  if (req.headers['if-none-match'] === asset.etag) {
    res.writeHead(304, { etag: asset.etag, ...SECURITY_HEADERS });
    res.end();
    return;
  }
  const isHtml = asset.contentType.startsWith('text/html');
  sendResponse(res, 200, asset.contentType, req.method === 'HEAD' ? '' : asset.bytes, {
    etag: asset.etag,
    'cache-control': isHtml ? 'no-cache' : 'public, max-age=300',
  });
}
