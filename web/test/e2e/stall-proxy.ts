// A network that can stall, for the e2e tests: a SOCKS5 proxy on loopback (Chromium is pointed at it
// with the context's `proxy` option; Playwright proxies loopback too) that forwards to loopback targets
// only. `stall()` stops forwarding without closing anything — bytes, ends and closes are held, as when
// packets are dropped — and `resume()` delivers what was held, as TCP would once the network returns.
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';

/** One direction of one proxied connection while stalled: what arrived and was not passed on. */
interface Held {
  chunks: Buffer[];
  ended: boolean;
}

interface Pair {
  client: Socket;
  upstream: Socket;
  up: Held;
  down: Held;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export class StallProxy {
  private stalled = false;
  private readonly pairs = new Set<Pair>();

  private constructor(
    private readonly server: Server,
    /** Where Chromium connects: socks5://127.0.0.1:<port>. */
    readonly port: number,
  ) {}

  static async start(): Promise<StallProxy> {
    let proxy: StallProxy | undefined;
    const server = createServer((client) => proxy?.accept(client));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    proxy = new StallProxy(server, typeof address === 'object' && address ? address.port : 0);
    return proxy;
  }

  /** The `proxy` option of a browser context. */
  get contextProxy(): { server: string } {
    return { server: `socks5://127.0.0.1:${this.port}` };
  }

  /** Stops forwarding, both ways, on every connection (new ones too); nothing is closed. */
  stall(): void {
    this.stalled = true;
  }

  /** Forwards again, first what was held. */
  resume(): void {
    this.stalled = false;
    for (const pair of this.pairs) {
      flush(pair.up, pair.upstream);
      flush(pair.down, pair.client);
    }
  }

  async close(): Promise<void> {
    for (const pair of this.pairs) {
      pair.client.destroy();
      pair.upstream.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The SOCKS5 greeting and CONNECT (no authentication), then forwarding. */
  private accept(client: Socket): void {
    let buf = Buffer.alloc(0);
    let greeted = false;
    client.on('error', () => client.destroy());
    const onData = (d: Buffer): void => {
      buf = Buffer.concat([buf, d]);
      if (!greeted) {
        if (buf.length < 2 || buf.length < 2 + buf[1]!) return;
        buf = buf.subarray(2 + buf[1]!);
        greeted = true;
        client.write(Buffer.from([5, 0]));
      }
      const target = parseConnect(buf);
      if (!target) return;
      client.off('data', onData);
      if (!LOOPBACK.has(target.host)) {
        client.end(Buffer.from([5, 2, 0, 1, 0, 0, 0, 0, 0, 0])); // not allowed: loopback only
        return;
      }
      const rest = buf.subarray(target.length);
      const upstream = tcpConnect(target.port, target.host === 'localhost' ? '127.0.0.1' : target.host);
      upstream.on('error', () => client.destroy());
      upstream.once('connect', () => {
        client.write(Buffer.from([5, 0, 0, 1, 127, 0, 0, 1, 0, 0]));
        this.forward(client, upstream, rest);
      });
    };
    client.on('data', onData);
  }

  private forward(client: Socket, upstream: Socket, first: Buffer): void {
    const pair: Pair = { client, upstream, up: { chunks: [], ended: false }, down: { chunks: [], ended: false } };
    this.pairs.add(pair);
    const pipe = (from: Socket, to: Socket, held: Held): void => {
      from.on('data', (d: Buffer) => (this.stalled ? held.chunks.push(d) : to.write(d)));
      from.on('end', () => {
        if (this.stalled) held.ended = true;
        else to.end();
      });
      from.on('close', () => {
        if (this.stalled) held.ended = true;
        else to.destroy();
        if (from.destroyed && to.destroyed) this.pairs.delete(pair);
      });
    };
    pipe(client, upstream, pair.up);
    pipe(upstream, client, pair.down);
    if (first.length > 0) this.stalled ? pair.up.chunks.push(first) : upstream.write(first);
  }
}

function flush(held: Held, to: Socket): void {
  for (const chunk of held.chunks.splice(0)) if (!to.destroyed) to.write(chunk);
  if (held.ended && !to.destroyed) to.end();
  held.ended = false;
}

/** A CONNECT request: target host and port, and its length; undefined until it is complete. */
function parseConnect(buf: Buffer): { host: string; port: number; length: number } | undefined {
  if (buf.length < 5 || buf[1] !== 1) return undefined;
  const type = buf[3];
  let host: string;
  let at: number;
  if (type === 1) {
    if (buf.length < 10) return undefined;
    host = [...buf.subarray(4, 8)].join('.');
    at = 8;
  } else if (type === 3) {
    const n = buf[4]!;
    if (buf.length < 5 + n + 2) return undefined;
    host = buf.subarray(5, 5 + n).toString('latin1');
    at = 5 + n;
  } else if (type === 4) {
    if (buf.length < 22) return undefined;
    const groups: string[] = [];
    for (let i = 4; i < 20; i += 2) groups.push(buf.readUInt16BE(i).toString(16));
    host = groups.join(':') === '0:0:0:0:0:0:0:1' ? '::1' : groups.join(':');
    at = 20;
  } else return undefined;
  return { host, port: buf.readUInt16BE(at), length: at + 2 };
}
