// `paseo up`: start the daemon: the web UI and WebSocket on 127.0.0.1:6767, agent sessions, and the
// tailnet node; in the foreground, or detached with --daemon.

import { unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineCommand } from 'citty';
import type { TailnetInfo } from '../channel/messages.js';
import { Daemon } from '../daemon/daemon.js';
import { createLogger } from '../log.js';
import { ensureHome, HomeError, homePaths, paseoHome } from '../state/home.js';
import { dropSecretsFromEnv, takeInheritedAuthKey, withoutAuthKeyArg } from '../state/secrets.js';
import { StateFileError } from '../state/state-file.js';
import { fail, qrCode } from '../ui/output.js';
import { PASEO_VERSION } from '../version.js';
import { DETACHED_ENV, startDetached } from './background.js';
import { ControlClient, isDaemonRunning } from './control-client.js';
import { pairingText } from './pair.js';
import { tailnetLine } from './status.js';

/** What `paseo up` says, and all it says, when paseo already runs for this PASEO_HOME. */
const ALREADY_RUNNING = 'paseo is already running. Use `paseo status` to see it, or `paseo down` to stop it.';

/** Default address of the local web UI and WebSocket. */
export const DEFAULT_LISTEN = '127.0.0.1:6767';

/** Parses HOST:PORT (IPv6 in brackets); undefined when malformed. */
export function parseListen(text: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text.trim());
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  return { host: (m[1] ?? m[2])!, port };
}

const args = {
  listen: {
    type: 'string',
    default: DEFAULT_LISTEN,
    valueHint: 'HOST:PORT',
    description: 'Where to serve the local web UI and WebSocket',
  },
  daemon: { type: 'boolean', description: 'Run in the background (pid file and log in PASEO_HOME)' },
  tailnet: {
    type: 'boolean',
    default: true,
    description: 'Join your tailnet (use --no-tailnet for localhost only)',
    negativeDescription: 'Do not join the tailnet',
  },
  hostname: { type: 'string', default: 'paseo', description: 'The name to use on the tailnet' },
  authkey: { type: 'string', description: 'A Tailscale auth key to join without a browser (or set TS_AUTHKEY)' },
  'login-server': { type: 'string', valueHint: 'URL', description: 'A self-hosted control server, such as headscale' },
} as const;

export default defineCommand({
  meta: { name: 'up', description: 'Start paseo: the web UI, agent sessions and your tailnet node.' },
  args,
  async run({ args: a, rawArgs }) {
    const listen = parseListen(a.listen);
    if (!listen) fail(`"${a.listen}" is not an address. Use HOST:PORT, for example 127.0.0.1:6767.`);
    if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i.test(a.hostname)) {
      fail(`"${a.hostname}" cannot be a tailnet name. Use letters, digits and dashes, like "paseo" or "paseo-laptop".`);
    }
    let home: string;
    try {
      home = ensureHome(paseoHome());
    } catch (err) {
      fail(err instanceof HomeError ? err.message : `Could not create the state folder: ${(err as Error).message}`);
    }
    const inherited = takeInheritedAuthKey(); // `up --daemon` passed it on a pipe
    const authKey = a.authkey ?? inherited ?? process.env.TS_AUTHKEY ?? process.env.TS_AUTH_KEY;
    dropSecretsFromEnv(); // nothing this process starts inherits them
    if (a.daemon)
      return runDetached(home, withoutAuthKeyArg(rawArgs.filter((x) => x !== '--daemon' && x !== '-d')), authKey);
    const detached = process.env[DETACHED_ENV] === '1';
    if (await isDaemonRunning(home)) fail(ALREADY_RUNNING);
    // Rotated whenever stderr is daemon.log (detached, or a launchd agent), whoever opened it.
    const log = createLogger('paseo', undefined, { rotateFile: homePaths(home).log });
    let daemon: Daemon;
    try {
      daemon = await Daemon.start({
        home,
        listen,
        log,
        tailnet: a.tailnet
          ? {
              hostname: a.hostname,
              stateDir: homePaths(home).tailnet,
              ...(a['login-server'] ? { loginServer: a['login-server'] } : {}),
              ...(authKey ? { authKey } : {}),
            }
          : false,
      });
    } catch (err) {
      if (err instanceof StateFileError) fail(err.message);
      fail(err instanceof Error ? err.message : String(err));
    }
    const pidFile = homePaths(home).pid;
    writeFileSync(pidFile, `${process.pid}\n`, { mode: 0o600 });
    const stop = async () => {
      await daemon.stop();
      try {
        unlinkSync(pidFile);
      } catch {
        /* gone */
      }
      process.exit(0);
    };
    let signals = 0;
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.on(sig, () => {
        if (++signals > 1) process.exit(130);
        void stop();
      });
    }
    void daemon.stopped.then(stop);
    if (detached) return; // the parent prints what people need; the log must hold no pairing secrets
    const out = (s: string) => process.stdout.write(s);
    out(`paseo ${PASEO_VERSION} is running.\n  Web UI:  ${daemon.localUrl}\n`);
    out(a.tailnet ? `  Tailnet: joining as "${a.hostname}"…\n` : '  Tailnet: off (--no-tailnet)\n');
    if (daemon.devices.list().length === 0) out(`\n${pairingText(daemon.createPairing())}`);
    out('Press Ctrl-C to stop.\n');
    reportTailnet(daemon, out);
  },
});

function reportTailnet(daemon: Daemon, out: (s: string) => void): void {
  let last: TailnetInfo['state'] | undefined;
  let lastLogin: string | undefined;
  daemon.onTailnetChange((t) => {
    if (t.state === 'needs-login' && t.loginUrl && t.loginUrl !== lastLogin) {
      lastLogin = t.loginUrl;
      out(
        `\nTo put paseo on your tailnet, log in to Tailscale:\n\n${qrCode(t.loginUrl)}\n\n  ${t.loginUrl}\n\nWaiting for the login… (the local web UI works meanwhile)\n`,
      );
    } else if (t.state === 'running' && last !== 'running') {
      out(`\nOn your tailnet: ${t.url}\n`);
      if (!t.https) out('  (plain HTTP: turn on MagicDNS and HTTPS certificates for your tailnet to get HTTPS.)\n');
      out(`\n${pairingText(daemon.createPairing())}`);
    } else if (t.state !== last && t.state !== 'running' && t.state !== 'needs-login') {
      out(`Tailnet: ${tailnetLine(t)}\n`);
    }
    last = t.state;
  });
}

async function runDetached(home: string, upArgs: string[], authKey: string | undefined): Promise<void> {
  const running = await isDaemonRunning(home);
  if (running) fail(ALREADY_RUNNING);
  let dots = 0;
  const tty = process.stderr.isTTY === true;
  try {
    const pid = await startDetached(
      home,
      upArgs,
      () => {
        if (tty && ++dots % 4 === 0) process.stderr.write('.');
      },
      authKey,
    );
    if (tty && dots >= 4) process.stderr.write('\n');
    const client = await ControlClient.connect(home);
    const status = await client.request({ t: 'status' });
    const devices = await client.request({ t: 'devices.list' });
    process.stdout.write(
      `paseo is running in the background (pid ${pid}).\n  Web UI:  ${status.urls.join('  ')}\n  Log:     ${join(home, 'daemon.log')}\n  Stop it with \`paseo down\`.\n`,
    );
    if (devices.length === 0) process.stdout.write(`\n${pairingText(await client.request({ t: 'pair.create' }))}`);
    client.close();
  } catch (err) {
    fail((err as Error).message);
  }
}
