// `paseo relay`: run a relay for devices that are not on the tailnet (docs/relay.md). It serves the web
// UI, forwards end-to-end encrypted frames between phones and daemons it cannot read, and exposes
// /healthz and /metrics.
import { readFileSync } from 'node:fs';
import { defineCommand } from 'citty';
import { createLogger } from '../log.js';
import { relayLimitsFromEnv } from '../relay/limits.js';
import { RelayServer } from '../relay/server.js';
import type { TlsFiles } from '../transport/http-server.js';
import { isLoopbackHost } from '../transport/loopback.js';
import { fail } from '../ui/output.js';
import { PASEO_VERSION } from '../version.js';
import { parseListen } from './shared.js';

/** Default address of a relay: loopback, for a reverse proxy in front of it. */
export const DEFAULT_RELAY_LISTEN = '127.0.0.1:7777';

export default defineCommand({
  meta: {
    name: 'relay',
    description: 'Run a relay: phones off the tailnet reach paseo through it, end-to-end encrypted.',
  },
  args: {
    listen: {
      type: 'string',
      default: DEFAULT_RELAY_LISTEN,
      valueHint: 'HOST:PORT',
      description: 'Where to listen (0.0.0.0:443 to face the internet yourself)',
    },
    cert: { type: 'string', valueHint: 'FILE', description: 'TLS certificate (PEM): serve HTTPS and WSS' },
    key: { type: 'string', valueHint: 'FILE', description: 'TLS private key (PEM) for --cert' },
    'trust-proxy': {
      type: 'boolean',
      description: 'Behind a reverse proxy: take client addresses from X-Forwarded-For',
    },
  },
  async run({ args: a }) {
    const listen = parseListen(a.listen);
    if (!listen) fail(`"${a.listen}" is not an address. Use HOST:PORT, for example 0.0.0.0:443.`);
    if (Boolean(a.cert) !== Boolean(a.key)) fail('--cert and --key go together: give both, or neither.');
    let tls: TlsFiles | undefined;
    if (a.cert && a.key) {
      try {
        tls = { cert: readFileSync(a.cert), key: readFileSync(a.key) };
      } catch (err) {
        fail(`Could not read the certificate or key: ${(err as Error).message}`);
      }
    }
    const log = createLogger('relay');
    let relay: RelayServer;
    try {
      relay = await RelayServer.start({
        listen,
        ...(tls ? { tls } : {}),
        trustProxy: a['trust-proxy'] === true,
        log,
        limits: relayLimitsFromEnv(),
      });
    } catch (err) {
      fail(err instanceof Error ? err.message : String(err));
    }
    const ws = tls ? 'wss' : 'ws';
    const shown = `${listen.host === '0.0.0.0' || listen.host === '::' ? '<this host>' : relay.address.host}:${relay.address.port}`;
    process.stdout.write(
      `paseo relay ${PASEO_VERSION} is running at ${relay.url}\n` +
        `  Daemons connect with: paseo up --relay ${ws}://${shown}\n` +
        `  Health: ${relay.url}healthz   Metrics: ${relay.url}metrics\n` +
        (tls || isLoopbackHost(listen.host)
          ? ''
          : '  Note: without --cert and --key, put an HTTPS reverse proxy in front (docs/relay.md): phones need HTTPS.\n') +
        'Press Ctrl-C to stop.\n',
    );
    let signals = 0;
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.on(sig, () => {
        if (++signals > 1) process.exit(130);
        void relay.close().then(() => process.exit(0));
      });
    }
  },
});
