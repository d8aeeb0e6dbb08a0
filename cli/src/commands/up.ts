// `paseo up`: start the daemon: the web UI and WebSocket on 127.0.0.1:6767, agent sessions, and the
// tailnet node; in the foreground, or detached with --daemon.

import { unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineCommand } from 'citty';
import type { RelayInfo, TailnetInfo } from '../channel/messages.js';
import { Daemon } from '../daemon/daemon.js';
import { createLogger } from '../log.js';
import { ensureHome, HomeError, homePaths, paseoHome } from '../state/home.js';
import { dropSecretsFromEnv, takeInheritedAuthKey, withoutAuthKeyArg } from '../state/secrets.js';
import { StateFileError } from '../state/state-file.js';
import { isLoopbackUrl } from '../transport/loopback.js';
import { relayUrlProblem } from '../transport/relay.js';
import { fail, LiveLine } from '../ui/output.js';
import { noPhoneLoopback, noPhoneTailnet, onYourTailnet, pairingText, relayLine, tailnetLine } from '../ui/screens.js';
import { PASEO_VERSION } from '../version.js';
import { DETACHED_ENV, startDetached } from './background.js';
import { ControlClient, isDaemonRunning } from './control-client.js';
import { pairWhenReachable } from './pair.js';
import { parseListen } from './shared.js';
import { isJoining, PERSON_WAIT_MS, TailnetReporter, tailnetWaitMs, waitForTailnet } from './tailnet-wait.js';

/** What `paseo up` says, and all it says, when paseo already runs for this PASEO_HOME. */
const ALREADY_RUNNING = 'paseo is already running. Use `paseo status` to see it, or `paseo down` to stop it.';

/** Default address of the local web UI and WebSocket. */
export const DEFAULT_LISTEN = '127.0.0.1:6767';

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
  relay: {
    type: 'string',
    valueHint: 'URL',
    description: 'Also reach devices off the tailnet through this relay (wss://…; see `paseo relay`)',
  },
} as const;

export default defineCommand({
  meta: { name: 'up', description: 'Start paseo: the web UI, agent sessions, your tailnet node and a relay link.' },
  args,
  async run({ args: a, rawArgs }) {
    const listen = parseListen(a.listen);
    if (!listen) fail(`"${a.listen}" is not an address. Use HOST:PORT, for example 127.0.0.1:6767.`);
    if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i.test(a.hostname)) {
      fail(`"${a.hostname}" cannot be a tailnet name. Use letters, digits and dashes, like "paseo" or "paseo-laptop".`);
    }
    if (a.relay) {
      const problem = relayUrlProblem(a.relay);
      if (problem) fail(problem);
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
    // Rotated whenever stderr is daemon.log (detached, or a launchd agent), whoever opened it. On a terminal a
    // person reads, warnings only (unless PASEO_LOG says otherwise): the screen is for sentences.
    const level = process.env.PASEO_LOG ?? (process.stderr.isTTY === true ? 'warn' : 'info');
    const log = createLogger('paseo', level, { rotateFile: homePaths(home).log });
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
        ...(a.relay ? { relay: a.relay } : {}),
      });
    } catch (err) {
      if (err instanceof StateFileError) fail(err.message);
      fail(err instanceof Error ? err.message : String(err));
    }
    const pidFile = homePaths(home).pid;
    writeFileSync(pidFile, `${process.pid}\n`, { mode: 0o600 });
    const live = new LiveLine();
    const out = (s: string) => {
      live.clear();
      process.stdout.write(s);
    };
    let quiet = detached; // the parent prints what people need; the log must hold no pairing secrets
    const stop = async () => {
      const said = !quiet;
      quiet = true; // nothing about the tailnet going away: it is paseo stopping
      live.clear();
      await daemon.stop();
      try {
        unlinkSync(pidFile);
      } catch {
        /* gone */
      }
      if (said) process.stdout.write('paseo stopped.\n');
      process.exit(0);
    };
    let signals = 0;
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.on(sig, () => {
        if (++signals > 1) process.exit(130);
        if (!quiet) out('\nStopping paseo…\n');
        void stop();
      });
    }
    void daemon.stopped.then(stop);
    if (detached) return;
    out(`paseo ${PASEO_VERSION} is running. Press Ctrl-C to stop.\n  Web UI:  ${daemon.localUrl}  (this computer)\n`);
    const needPairing = daemon.devices.list().length === 0;
    if (a.relay) {
      out(`  Relay:   connecting to ${a.relay}…\n`);
      followRelay(daemon, out, () => quiet);
    }
    if (!a.tailnet) {
      out('  Tailnet: off (--no-tailnet)\n');
      if (needPairing) out(`\n${pairingText(daemon.createPairing(), noPhoneLoopback(daemon.localUrl))}`);
      return;
    }
    const control = a['login-server'] ? ` on ${a['login-server']}` : '';
    out(`  Tailnet: joining as "${a.hostname}"${control}…\n`);
    await followTailnet(daemon, { needPairing, out, live, quiet: () => quiet });
  },
});

/**
 * Foreground `paseo up` on a tailnet: progress while joining, the tailnet address once other devices can
 * reach it, and (when no device is paired yet) the first pairing code for a phone, which waits for the
 * tailnet (bounded) instead of offering 127.0.0.1.
 */
async function followTailnet(
  daemon: Daemon,
  o: { needPairing: boolean; out: (s: string) => void; live: LiveLine; quiet: () => boolean },
): Promise<void> {
  const out = (s: string) => {
    if (!o.quiet()) o.out(s);
  };
  const reporter = new TailnetReporter(out);
  let phonePaired = !o.needPairing; // a pairing code for a phone was shown (or none is needed)
  let running = false;
  const onRunning = (t: TailnetInfo, again: boolean) => {
    running = true;
    out(again ? `Tailnet: back at ${t.url ?? t.fqdn ?? 'its address'}\n` : `\n${onYourTailnet(t)}`);
    if (phonePaired) return;
    phonePaired = true;
    out(`\n${pairingText(daemon.createPairing(), noPhoneLoopback(daemon.localUrl))}`);
  };
  if (o.needPairing) out('\nWaiting for the tailnet before showing a pairing code for your phone…\n');
  const r = await waitForTailnet(async () => daemon.tailnetInfo(), {
    waitMs: tailnetWaitMs(),
    personWaitMs: Number.POSITIVE_INFINITY,
    onChange: (t) => reporter.report(t),
    live: o.live,
  });
  if (r.outcome === 'running') onRunning(r.tailnet, false);
  else if (!phonePaired) {
    const p = daemon.createPairing();
    const then = 'paseo keeps trying, and shows a pairing code for your phone here once the tailnet is ready.';
    out(`\n${pairingText(p, noPhoneTailnet(r.tailnet, r.waitedMs, then))}`);
    phonePaired = p.relayUrl !== undefined || p.urls.some((u) => !isLoopbackUrl(u)); // a QR code was shown
  }
  let seen = running;
  daemon.onTailnetChange((t) => {
    if (t.state === 'running') {
      if (!running) onRunning(t, seen);
      seen = true;
      return;
    }
    running = false;
    reporter.report(t);
  });
}

async function runDetached(home: string, upArgs: string[], authKey: string | undefined): Promise<void> {
  const running = await isDaemonRunning(home);
  if (running) fail(ALREADY_RUNNING);
  let dots = 0;
  const tty = process.stderr.isTTY === true;
  const live = new LiveLine();
  const out = (s: string) => {
    live.clear();
    process.stdout.write(s);
  };
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
    const local = status.urls.find(isLoopbackUrl) ?? status.urls.at(-1) ?? '';
    out(
      `paseo is running in the background (pid ${pid}).\n  Web UI:  ${local}  (this computer)\n  Tailnet: ${isJoining(status.tailnet) ? 'joining…' : tailnetLine(status.tailnet)}\n  Log:     ${join(home, 'daemon.log')}\n  Stop it with \`paseo down\`.\n`,
    );
    if (devices.length > 0) {
      if (isJoining(status.tailnet)) out('\n`paseo status` shows the tailnet address once it is ready.\n');
      client.close();
      return;
    }
    const then = 'Run `paseo pair` once `paseo status` says the tailnet is running.';
    const r = await pairWhenReachable(client, { personWaitMs: PERSON_WAIT_MS, out, live, then });
    if (r.waited && r.tailnet.state === 'running') out(`\n${onYourTailnet(r.tailnet)}`);
    out(`\n${pairingText(r.pair, r.noPhone)}`);
    client.close();
  } catch (err) {
    fail((err as Error).message);
  }
}

/** Says when the relay link comes up, and why it is down when it goes (once per reason, not per retry). */
function followRelay(daemon: Daemon, out: (s: string) => void, quiet: () => boolean): void {
  let last: RelayInfo['state'] | undefined;
  let lastReason: string | undefined;
  daemon.onRelayChange((r) => {
    if (quiet()) return;
    const reason = r.reason?.replace(/ Trying again in \d+ s\.$/, '');
    if (r.state === 'connected' && last !== 'connected') out(`Relay: ${relayLine(r)}\n`);
    else if (r.state === 'error' && reason !== lastReason) out(`Relay: ${relayLine(r)}\n`);
    lastReason = r.state === 'error' ? reason : undefined;
    last = r.state;
  });
}
