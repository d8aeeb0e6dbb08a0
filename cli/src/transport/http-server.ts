// An HTTP(S) server hardened the same way wherever paseo listens (the daemon's local server, a relay):
// slow headers are cut off (slowloris), and a taken or forbidden address is a sentence, not an errno.
import { createServer as createHttp, type Server } from 'node:http';
import { createServer as createHttps } from 'node:https';

/** How long a client may take to send its request headers, in milliseconds (slowloris). */
export const HTTP_HEADERS_TIMEOUT_MS = 10_000;
/** How long a whole request may take, in milliseconds (a WebSocket upgrade ends the request). */
export const HTTP_REQUEST_TIMEOUT_MS = 30_000;
/** How often Node checks those two, in milliseconds (its default, 30 s, would let slow requests linger). */
const HTTP_TIMEOUT_CHECK_INTERVAL_MS = 1_000;

/** A duration from the environment when it is shorter than the default (tests), else the default. */
export function shorterFromEnv(name: string, dflt: number): number {
  const v = Number(process.env[name]);
  return Number.isSafeInteger(v) && v >= 100 && v < dflt ? v : dflt;
}

/** A certificate and key in PEM, for HTTPS. */
export interface TlsFiles {
  cert: Uint8Array;
  key: Uint8Array;
}

/** A new server (HTTPS when `tls` is given) with the timeouts above. */
export function createHardenedServer(tls?: TlsFiles): Server {
  const opts = {
    headersTimeout: shorterFromEnv('PASEO_HTTP_HEADERS_TIMEOUT_MS', HTTP_HEADERS_TIMEOUT_MS),
    requestTimeout: HTTP_REQUEST_TIMEOUT_MS,
    connectionsCheckingInterval: HTTP_TIMEOUT_CHECK_INTERVAL_MS,
  };
  return tls ? createHttps({ ...opts, cert: Buffer.from(tls.cert), key: Buffer.from(tls.key) }) : createHttp(opts);
}

/** Listens; rejects with a sentence when the address is taken or not allowed. Resolves the actual port. */
export async function listenOn(server: Server, listen: { host: string; port: number }): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const where = `${listen.host}:${listen.port}`;
      if (err.code === 'EADDRINUSE')
        reject(
          new Error(`Another program is already using ${where}. Stop it, or choose another with --listen HOST:PORT.`),
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
  return typeof addr === 'object' && addr ? addr.port : listen.port;
}
