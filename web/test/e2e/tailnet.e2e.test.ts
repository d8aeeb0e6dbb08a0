// The whole binary on a real tailnet, read as a person reads it: a real headscale (scripts/install-headscale.sh)
// on 127.0.0.1 with its embedded DERP and STUN, `dist/paseo up --login-server …` joining it through the
// embedded sidecar, and a second tailnet node standing in for the phone (sidecar/cmd/testphone: tsnet + a
// SOCKS5 proxy on 127.0.0.1). The QR codes `paseo up` and `paseo up --daemon` print are decoded (zbarimg on a
// PNG rendered from the terminal's half blocks, cli/test/integration/screen.ts); the phone starts trying the
// decoded URL the moment it is printed, and headless Chromium opens it by its MagicDNS name and pairs; the
// printed lines are checked against golden files (cli/test/golden/*tailnet*, UPDATE_GOLDEN=1 rewrites them),
// for the foreground and --daemon, joining fresh and rejoining from saved state. The sidecar is killed and
// the URL must come back. The test prints both figures: paseo up → URL answering, and sidecar killed → URL
// answering again.
//
// Loopback only: headscale gets no DERP map URLs, no update check, no nameservers, STUN on 127.0.0.1;
// every Tailscale process runs with the TS_* knobs below (no log upload, no port mapping, DERP over plain
// HTTP, no local interface addresses advertised as endpoints); the phone's proxy dials only tailnet nodes;
// Chromium resolves no names itself. Needs `make` (dist/paseo), scripts/install-headscale.sh, Go, chromium.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paseoBin, REPO_ROOT, spawnGuarded } from '../../../cli/test/integration/harness.js';
import { decodeQrCodes, expectGolden, expectNoJunk, maskScreen } from '../../../cli/test/integration/screen.js';
import { CHROMIUM_PATH, launchPhone, type Phone } from './browser.js';

/** The pinned headscale, installed by scripts/install-headscale.sh. */
const HEADSCALE = process.env.PASEO_HEADSCALE ?? join(REPO_ROOT, '.cache', 'bin', 'headscale');
/**
 * PASEO_TAILNET_E2E_LOGS=DIR: the phone logs Tailscale's backend (WireGuard handshakes, netmaps) and every
 * process's output is written to DIR at the end, to see where the seconds go.
 */
const LOG_DIR = process.env.PASEO_TAILNET_E2E_LOGS;
/** The tailnet's MagicDNS domain (.test never resolves on the internet). */
const BASE_DOMAIN = 'tailnet.test';
const PASEO_URL = `http://paseo.${BASE_DOMAIN}/`;
/** Tailnet user of both nodes (headscale's login name is the email). */
const USER = { name: 'alice', email: 'alice@example.com', display: 'Alice' };

/** For every tailscale and headscale process: nothing leaves loopback. */
const TS_ENV = {
  TS_NO_LOGS_NO_SUPPORT: '1',
  TS_DISABLE_PORTMAPPER: '1',
  TS_ASSUME_NETWORK_UP_FOR_TEST: '1',
  TS_DEBUG_USE_DERP_HTTP: '1',
  // Advertise no local interface addresses (only what STUN on 127.0.0.1 sees), so peers never send
  // disco pings to this machine's LAN address.
  TS_DEBUG_OMIT_LOCAL_ADDRS: '1',
  // Crash rather than ever talk to Tailscale's own control server.
  TS_PANIC_IF_HIT_MAIN_CONTROL: '1',
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A child process whose output is kept for failure messages; stdout alone is what a person reads. */
interface Proc {
  name: string;
  child: ChildProcess;
  out: () => string;
  stdout: () => string;
}

const procs: Proc[] = [];

function start(
  name: string,
  cmd: string,
  args: string[],
  opts: { env: NodeJS.ProcessEnv; cwd?: string; guard?: boolean },
): Proc {
  const child = opts.guard
    ? spawnGuarded(cmd, args, { env: opts.env, ...(opts.cwd ? { cwd: opts.cwd } : {}) })
    : spawn(cmd, args, { env: opts.env, cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let stdout = '';
  const keep = (d: Buffer) => {
    out += d.toString();
    if (out.length > 400_000) out = out.slice(-200_000);
  };
  child.stdout!.on('data', (d: Buffer) => {
    keep(d);
    if (stdout.length < 200_000) stdout += d.toString();
  });
  child.stderr!.on('data', keep);
  child.on('error', (err) => (out += `\n[spawn error: ${err.message}]\n`));
  const p = { name, child, out: () => out, stdout: () => stdout };
  procs.push(p);
  return p;
}

function alive(p: Proc): boolean {
  return p.child.exitCode === null && p.child.signalCode === null;
}

async function stopProc(p: Proc, graceMs = 5_000): Promise<void> {
  if (!alive(p)) return;
  const exited = new Promise((r) => p.child.once('exit', r));
  p.child.kill('SIGTERM');
  if (await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)])) return;
  p.child.kill('SIGKILL');
  await Promise.race([exited, sleep(2_000)]);
}

// Last resort if the test process itself goes away: no orphans.
const killAll = () => {
  for (const p of procs) if (alive(p)) p.child.kill('SIGKILL');
};
process.once('exit', killAll);

/** A free TCP port on 127.0.0.1. */
function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A free UDP port on 127.0.0.1. */
function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const port = s.address().port;
      s.close(() => resolve(port));
    });
  });
}

/** Waits for a line on the process's stdout that `pick` accepts. */
function waitForLine<T>(p: Proc, pick: (line: string) => T | undefined, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: p.child.stdout! });
    const done = (fn: () => void) => {
      clearTimeout(timer);
      rl.close();
      p.child.off('exit', onExit);
      fn();
    };
    const onExit = () =>
      done(() => reject(new Error(`${p.name} exited (${p.child.exitCode ?? p.child.signalCode}):\n${p.out()}`)));
    const timer = setTimeout(
      () => done(() => reject(new Error(`${p.name}: no ready line within ${timeoutMs} ms:\n${p.out()}`))),
      timeoutMs,
    );
    rl.on('line', (line) => {
      const v = pick(line);
      if (v !== undefined) done(() => resolve(v));
    });
    p.child.once('exit', onExit);
  });
}

/**
 * One HTTP/1.1 GET through a SOCKS5 proxy, the host name resolved by the proxy (like Chromium does).
 * Resolves with the status code and body, rejects on any failure or after timeoutMs.
 */
function getViaSocks(
  socksPort: number,
  url: string,
  timeoutMs = 5_000,
  hostHeader?: string,
): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  const host = u.hostname;
  const port = Number(u.port || 80);
  return new Promise((resolve, reject) => {
    const sock: Socket = connect(socksPort, '127.0.0.1');
    let buf: Buffer = Buffer.alloc(0);
    let stage: 'greeting' | 'connect' | 'http' = 'greeting';
    const timer = setTimeout(() => fail(new Error(`timed out (${stage})`)), timeoutMs);
    const fail = (err: Error) => {
      clearTimeout(timer);
      sock.destroy();
      reject(err);
    };
    sock.on('error', fail);
    sock.on('connect', () => sock.write(Buffer.from([5, 1, 0])));
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (stage === 'greeting') {
        if (buf.length < 2) return;
        if (buf[0] !== 5 || buf[1] !== 0) return fail(new Error('SOCKS5 greeting refused'));
        buf = buf.subarray(2);
        stage = 'connect';
        const name = Buffer.from(host);
        sock.write(
          Buffer.concat([Buffer.from([5, 1, 0, 3, name.length]), name, Buffer.from([port >> 8, port & 0xff])]),
        );
      }
      if (stage === 'connect') {
        if (buf.length < 5) return;
        if (buf[1] !== 0) return fail(new Error(`SOCKS5 connect failed (reply ${buf[1]})`));
        const len = buf[3] === 1 ? 10 : buf[3] === 4 ? 22 : 7 + buf[4]!;
        if (buf.length < len) return;
        buf = buf.subarray(len);
        stage = 'http';
        sock.write(
          `GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${hostHeader ?? u.host}\r\nConnection: close\r\nAccept: text/html\r\n\r\n`,
        );
      }
    });
    sock.on('end', () => {
      clearTimeout(timer);
      if (stage !== 'http') return reject(new Error(`connection closed (${stage})`));
      const text = buf.toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      const i = text.indexOf('\r\n\r\n');
      if (!m || i < 0) return reject(new Error(`not an HTTP answer: ${text.slice(0, 100)}`));
      let body: Buffer = buf.subarray(i + 4);
      if (/^transfer-encoding:\s*chunked\s*$/im.test(text.slice(0, i))) body = unchunk(body);
      resolve({ status: Number(m[1]), body: body.toString('utf8') });
    });
  });
}

/** Decodes an HTTP/1.1 chunked body. */
function unchunk(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = raw.indexOf('\r\n', at);
    if (eol < 0) break;
    const size = parseInt(raw.subarray(at, eol).toString('latin1'), 16);
    if (!(size > 0)) break;
    parts.push(raw.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/** Polls until the URL answers 200 with the web UI through the phone; returns when it did. */
async function waitForUrl(
  socksPort: number,
  url: string,
  timeoutMs: number,
  describeState: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      // Short tries: each is a new connection whose first packet goes out at once, so the figure is when the
      // URL started answering (to within about a second), not when a retransmission happened to go out.
      const r = await getViaSocks(socksPort, url, 1_000);
      if (r.status === 200 && /<html/i.test(r.body)) return;
      last = `HTTP ${r.status}: ${r.body.slice(0, 200)}`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline)
      throw new Error(`${url} did not answer within ${timeoutMs} ms (last: ${last}); ${describeState()}`);
    await sleep(200);
  }
}

/** Child processes of pid (from /proc), with their executable's base name. */
function childrenOf(pid: number): { pid: number; exe: string }[] {
  const out: { pid: number; exe: string }[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== pid) continue;
      out.push({ pid: Number(d), exe: readlinkSync(`/proc/${d}/exe`).split('/').pop() ?? '' });
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

interface StatusJson {
  running: boolean;
  pid: number;
  urls: string[];
  tailnet: {
    state: string;
    url?: string;
    fqdn?: string;
    ips: string[];
    https: boolean;
    restarts: number;
    detail?: string;
  };
}
interface DeviceJson {
  id: string;
  name: string;
  online: boolean;
  tailnetIdentity?: string;
}

describe('paseo on a real tailnet (headscale + a tsnet phone + Chromium)', () => {
  const root = mkdtempSync(join(tmpdir(), 'paseo-tailnet-'));
  const hsDir = join(root, 'headscale');
  // Two computers' worth of state: A joins fresh in the foreground and rejoins with --daemon and in the
  // foreground; B joins fresh with --daemon.
  const homeA = join(root, 'paseo-a');
  const homeB = join(root, 'paseo-b');
  let paseoHome = homeA;
  const phoneState = join(root, 'phone');
  let headscale: Proc;
  let phoneNode: Proc;
  let paseo: Proc;
  let socksPort = 0;
  let hsConfig = '';
  let authKey = '';
  let hsUrl = '';
  let phone: Phone | undefined;
  const t0 = Date.now();

  const paseoEnv = (): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: paseoHome,
    PASEO_HOME: paseoHome,
    PASEO_LOG: 'debug',
    SHELL: '/bin/sh',
    ...TS_ENV,
  });
  const cli = (args: string[]) => {
    const r = spawnSync(paseoBin(), args, { env: paseoEnv(), encoding: 'utf8', timeout: 20_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const cliJson = <T>(args: string[]): T => {
    const r = cli(args);
    if (r.status !== 0) throw new Error(`paseo ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  };
  const status = (): StatusJson => cliJson<StatusJson>(['status', '--json']);
  const hs = (args: string[]): string => {
    const r = spawnSync(HEADSCALE, [...args, '--config', hsConfig], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: hsDir, ...TS_ENV },
      encoding: 'utf8',
      timeout: 20_000,
    });
    if (r.status !== 0) throw new Error(`headscale ${args.join(' ')} failed (${r.status}): ${r.stderr}${r.stdout}`);
    return r.stdout;
  };
  const state = () => {
    let s = '';
    try {
      s = JSON.stringify(status().tailnet);
    } catch (err) {
      s = (err as Error).message;
    }
    return `paseo tailnet: ${s}\n--- paseo output (tail) ---\n${paseo?.out().slice(-6000)}\n--- phone output (tail) ---\n${phoneNode?.out().slice(-3000)}`;
  };
  const since = (t: number) => `${((Date.now() - t) / 1000).toFixed(1)} s`;

  beforeAll(async () => {
    for (const [what, path, hint] of [
      ['dist/paseo', join(REPO_ROOT, 'dist', 'paseo'), 'run `make`'],
      ['headscale', HEADSCALE, 'run scripts/install-headscale.sh (.ci/run does)'],
      ['chromium', CHROMIUM_PATH, 'apt-get install -y chromium (.ci/run does)'],
    ] as const) {
      if (!existsSync(path)) throw new Error(`${what} is missing (${path}): ${hint}.`);
    }
    mkdirSync(hsDir, { mode: 0o700 });
    mkdirSync(phoneState, { mode: 0o700 });

    // The phone's tailnet node. -trimpath like the Makefile's sidecar build, so Go's build cache already
    // holds tsnet and this takes seconds.
    const phoneBin = join(root, 'testphone');
    const build = spawnSync('go', ['build', '-trimpath', '-o', phoneBin, './cmd/testphone'], {
      cwd: join(REPO_ROOT, 'sidecar'),
      env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: process.env.GOFLAGS ?? '' },
      encoding: 'utf8',
      timeout: 280_000,
    });
    if (build.status !== 0)
      throw new Error(`go build ./cmd/testphone failed: ${build.stderr}${build.error?.message ?? ''}`);

    // headscale on loopback: embedded DERP (plain HTTP, on the control port) and STUN, nothing else.
    const [port, grpcPort, metricsPort, stunPort] = [
      await freeTcpPort(),
      await freeTcpPort(),
      await freeTcpPort(),
      await freeUdpPort(),
    ];
    hsConfig = join(hsDir, 'config.yaml');
    hsUrl = `http://127.0.0.1:${port}`;
    writeFileSync(
      hsConfig,
      `# written by web/test/e2e/tailnet.e2e.test.ts: loopback only
server_url: ${hsUrl}
listen_addr: 127.0.0.1:${port}
metrics_listen_addr: 127.0.0.1:${metricsPort}
grpc_listen_addr: 127.0.0.1:${grpcPort}
grpc_allow_insecure: false
noise:
  private_key_path: ${hsDir}/noise_private.key
prefixes:
  v4: 100.64.0.0/10
  v6: fd7a:115c:a1e0::/48
  allocation: sequential
derp:
  server:
    enabled: true
    region_id: 999
    region_code: local
    region_name: Embedded DERP on loopback
    verify_clients: true
    stun_listen_addr: 127.0.0.1:${stunPort}
    private_key_path: ${hsDir}/derp_server_private.key
    automatically_add_embedded_derp_region: true
    ipv4: 127.0.0.1
    ipv6: none
  urls: []
  paths: []
  auto_update_enabled: false
  update_frequency: 24h
disable_check_updates: true
node:
  expiry: 0
database:
  type: sqlite
  sqlite:
    path: ${hsDir}/db.sqlite
    write_ahead_log: true
log:
  level: info
  format: text
policy:
  mode: file
  path: ""
dns:
  magic_dns: true
  base_domain: ${BASE_DOMAIN}
  override_local_dns: false
  nameservers:
    global: []
    split: {}
  search_domains: []
  extra_records: []
unix_socket: ${hsDir}/headscale.sock
unix_socket_permission: "0700"
logtail:
  enabled: false
taildrop:
  enabled: false
`,
    );
    headscale = start('headscale', HEADSCALE, ['serve', '--config', hsConfig], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: hsDir, ...TS_ENV },
      guard: true,
    });
    const hsUp = Date.now();
    for (;;) {
      if (!alive(headscale)) throw new Error(`headscale exited:\n${headscale.out()}`);
      const ok = await fetch(`${hsUrl}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok && existsSync(join(hsDir, 'headscale.sock'))) break;
      if (Date.now() - hsUp > 30_000) throw new Error(`headscale did not answer:\n${headscale.out()}`);
      await sleep(100);
    }
    hs(['users', 'create', USER.name, '--email', USER.email, '--display-name', USER.display]);
    const users = JSON.parse(hs(['users', 'list', '--output', 'json'])) as { id: number | string; name: string }[];
    const userId = users.find((u) => u.name === USER.name)?.id;
    if (userId === undefined) throw new Error(`headscale has no user ${USER.name}: ${JSON.stringify(users)}`);
    const key = JSON.parse(
      hs(['preauthkeys', 'create', '--user', String(userId), '--reusable', '--expiration', '1h', '--output', 'json']),
    ) as { key: string };
    authKey = key.key;
    expect(authKey).toMatch(/\S{16,}/);

    // The phone joins and serves SOCKS5 on loopback.
    phoneNode = start(
      'testphone',
      phoneBin,
      ['--login-server', hsUrl, '--hostname', 'phone', '--state-dir', phoneState, ...(LOG_DIR ? ['--verbose'] : [])],
      {
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: phoneState,
          TS_AUTHKEY: authKey,
          ...TS_ENV,
          ...(LOG_DIR ? { TS_DEBUG_MAP: '1' } : {}), // every map response control sends the phone
        },
      },
    ); // it exits by itself when its stdin closes
    const ready = await waitForLine(
      phoneNode,
      (line) => {
        try {
          const v = JSON.parse(line) as { ready?: boolean; socks?: string };
          return v.ready ? v : undefined;
        } catch {
          return undefined;
        }
      },
      120_000,
    );
    socksPort = Number(ready.socks!.split(':').pop());
    console.log(`[tailnet e2e] headscale and the phone are up (${since(t0)}, including the build)`);
  }, 300_000);

  afterAll(async () => {
    if (LOG_DIR) {
      mkdirSync(LOG_DIR, { recursive: true });
      for (const p of procs) writeFileSync(join(LOG_DIR, `${p.name.replace(/[^\w-]+/g, '_')}.log`), p.out());
      for (const [name, home] of [
        ['a', homeA],
        ['b', homeB],
      ] as const)
        if (existsSync(join(home, 'daemon.log')))
          writeFileSync(join(LOG_DIR, `daemon-${name}.log`), readFileSync(join(home, 'daemon.log')));
      console.log(`[tailnet e2e] logs in ${LOG_DIR}`);
    }
    await phone?.close();
    // paseo first (it stops its sidecar), then the phone, then headscale.
    for (const home of [homeA, homeB]) {
      paseoHome = home;
      cli(['down']); // a --daemon left by a failed test
    }
    for (const p of [paseo, phoneNode, headscale]) if (p) await stopProc(p, 10_000);
    for (const p of procs) if (alive(p)) p.child.kill('SIGKILL');
    process.off('exit', killAll);
    rmSync(root, { recursive: true, force: true });
  }, 60_000);

  /** Waits until `re` matches what the process printed on stdout; resolves with that text and when. */
  const printed = async (p: Proc, re: RegExp, timeoutMs: number): Promise<{ text: string; at: number }> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = p.stdout();
      if (re.test(text)) return { text, at: Date.now() };
      if (!alive(p) && !re.test(p.stdout())) throw new Error(`${p.name} exited without printing ${re}:\n${p.out()}`);
      if (Date.now() > deadline) throw new Error(`${p.name} did not print ${re} within ${timeoutMs} ms:\n${p.out()}`);
      await sleep(20);
    }
  };
  /** The page's address without the pairing fragment (what the phone fetches first). */
  const page = (url: string) => url.split('#')[0]!;
  /** Every QR code printed so far, decoded; each must be a pairing link to the tailnet name. */
  const tailnetQrs = (text: string): string[] => {
    const urls = decodeQrCodes(text);
    for (const u of urls)
      expect(u).toMatch(new RegExp(`^${PASEO_URL.replace(/\./g, '\\.')}#pair=[2-9A-Z]{4}-[2-9A-Z]{4}&key=`));
    return urls;
  };
  const timings: string[] = [];
  const timing = (line: string) => {
    timings.push(line);
    console.log(`[tailnet e2e] ${line}`);
  };
  /**
   * The phone starts trying the moment the pairing QR code is printed, like a person who had the camera
   * ready: the time from `paseo up` to the page answering through the phone.
   */
  const measureUp = async (what: string, upAt: number, shownAt: number, url: string) => {
    await waitForUrl(socksPort, page(url), 60_000, state);
    timing(
      `${what}: paseo up → MagicDNS URL answering ${((Date.now() - upAt) / 1000).toFixed(1)} s (URL printed after ${((shownAt - upAt) / 1000).toFixed(1)} s)`,
    );
  };
  /** Opens a pairing link on the phone's browser and waits until it is paired and connected. */
  const pairPhone = async (url: string, shot: string) => {
    phone ??= await launchPhone({ context: { proxy: { server: `socks5://127.0.0.1:${socksPort}` } } });
    const { page: tab } = phone;
    await tab.goto(url);
    await tab.getByTestId('home').waitFor({ timeout: 30_000 });
    expect(tab.url().startsWith(PASEO_URL)).toBe(true);
    expect(tab.url()).not.toContain('#pair=');
    await expect
      .poll(() => tab.getByTestId('conn-state').getAttribute('data-state'), { timeout: 20_000 })
      .toBe('connected');
    await phone.screenshot(shot);
  };
  const upArgs = (...more: string[]) => ['up', '--login-server', hsUrl, '--listen', '127.0.0.1:0', ...more];
  const hsNode = (name: string) =>
    (JSON.parse(hs(['nodes', 'list', '--output', 'json'])) as { id: number | string; name: string }[]).find(
      (n) => n.name === name,
    );

  it('fresh `paseo up`: the QR code printed once the tailnet is reachable opens the MagicDNS URL on the phone, which pairs', async () => {
    paseoHome = homeA;
    const upAt = Date.now();
    paseo = start('paseo up', paseoBin(), upArgs('--authkey', authKey), { env: paseoEnv(), guard: true });
    const shown = await printed(paseo, /On your tailnet:[\s\S]*On this computer: \S+\n/, 90_000);
    const [url, ...more] = tailnetQrs(shown.text);
    expect(more).toEqual([]); // no QR code before joining: it would have been 127.0.0.1
    await measureUp('fresh, foreground', upAt, shown.at, url!);

    expectNoJunk(shown.text);
    expect(shown.text).toContain('Waiting for the tailnet before showing a pairing code for your phone…');
    expect(shown.text).toContain(`On your tailnet: ${PASEO_URL}\n`);
    expect(shown.text).toContain('this control server issues no HTTPS certificates');
    expect(shown.text).not.toContain('admin console'); // headscale has none
    expect(shown.text).toContain(`  URL:  ${url}\n`);
    expectGolden('up-tailnet-fresh', maskScreen(shown.text, { home: homeA }));

    const s = status();
    expect(s.tailnet).toMatchObject({ state: 'running', fqdn: `paseo.${BASE_DOMAIN}`, https: false, url: PASEO_URL });
    expect(s.tailnet.ips.some((ip) => ip.startsWith('100.'))).toBe(true);
    expect(s.urls[0]).toBe(PASEO_URL);
    // paseo answers as itself over the tailnet, and refuses foreign Host names there too.
    const info = JSON.parse((await getViaSocks(socksPort, `${PASEO_URL}api/info`)).body) as { hostname: string };
    expect(info.hostname).toBe(`paseo.${BASE_DOMAIN}`);
    expect((await getViaSocks(socksPort, `http://${s.tailnet.ips[0]}/`)).status).toBe(200);
    expect((await getViaSocks(socksPort, PASEO_URL, 5_000, 'attacker.example')).status).toBe(403);

    await pairPhone(url!, 'tailnet-home');
    await expect.poll(() => phone!.page.getByTestId('hostname').innerText()).toContain(`paseo.${BASE_DOMAIN}`);
  }, 150_000);

  it('`paseo pair` and `paseo status` on the tailnet: the QR code opens on the phone', async () => {
    const out = cli(['pair']).stdout;
    const [url] = tailnetQrs(out);
    expect((await getViaSocks(socksPort, page(url!))).status).toBe(200);
    expectNoJunk(out);
    expectGolden('pair-tailnet', maskScreen(out, { home: homeA }));
    const pair = cliJson<{ code: string; url: string; urls: string[] }>(['pair', '--json']);
    expect(pair.url.startsWith(`${PASEO_URL}#pair=`)).toBe(true);
    expect(pair.urls.some((u) => u.startsWith('http://127.0.0.1:'))).toBe(true);

    const [device] = cliJson<DeviceJson[]>(['devices', '--json']);
    const text = cli(['status']).stdout;
    expectNoJunk(text);
    expectGolden('status-tailnet', maskScreen(text, { home: homeA, replace: [[device!.id, '<DEVICE-ID>']] }));
  }, 60_000);

  it('`paseo devices` shows the phone with its tailnet identity', async () => {
    await expect
      .poll(() => cliJson<DeviceJson[]>(['devices', '--json']), { timeout: 10_000 })
      .toEqual([expect.objectContaining({ online: true, tailnetIdentity: expect.stringContaining(USER.email) })]);
    const [device] = cliJson<DeviceJson[]>(['devices', '--json']);
    expect(device!.tailnetIdentity).toContain('phone');
    console.log(`[tailnet e2e] paired device: ${device!.name} (${device!.tailnetIdentity})`);

    await phone!.page.getByTestId('open-devices').click();
    await phone!.page.getByTestId('device-item').first().waitFor();
    await phone!.screenshot('tailnet-devices');
    await phone!.page.getByTestId('back').click();
    await phone!.page.getByTestId('home').waitFor();
  }, 60_000);

  it('an agent session started with `paseo run` streams its output to the phone, and takes its input', async () => {
    const { page: tab } = phone!;
    const id = cli([
      'run',
      '-d',
      '--name',
      'tailnet-hello',
      '--',
      'sh',
      '-c',
      'echo hello-from-$((40+2))-tailnet; while read l; do echo "got:$l"; done',
    ]).stdout.trim();
    expect(id).not.toBe('');
    const item = tab.locator(`[data-testid="session-item"][data-session-id="${id}"]`);
    await item.waitFor({ timeout: 15_000 });
    await phone!.screenshot('tailnet-sessions');
    await item.click();
    await tab.getByTestId('terminal-screen').waitFor();
    const rows = tab.locator('[data-testid="terminal"] .xterm-rows');
    await expect.poll(() => rows.innerText(), { timeout: 15_000 }).toContain('hello-from-42-tailnet');

    await tab.getByTestId('terminal').click();
    await tab.keyboard.type('typed-on-the-phone');
    await tab.getByTestId('keybar-enter').click();
    await expect.poll(() => rows.innerText(), { timeout: 15_000 }).toContain('got:typed-on-the-phone');
    await phone!.screenshot('tailnet-terminal');
  }, 60_000);

  it('killing the sidecar: the MagicDNS URL and the phone come back by themselves', async () => {
    const before = status();
    const killSidecar = () => {
      const sidecars = childrenOf(status().pid).filter((c) => c.exe === 'sidecar');
      expect(sidecars).toHaveLength(1);
      process.kill(sidecars[0]!.pid, 'SIGKILL');
      return sidecars[0]!.pid;
    };
    const killedAt = Date.now();
    const logsBefore = phone!.logs.length;
    const oldPid = killSidecar();
    // The phone keeps trying from the moment of the kill (its page does too); the daemon restarts the node.
    await waitForUrl(socksPort, PASEO_URL, 60_000, state);
    timing(`sidecar SIGKILLed → MagicDNS URL answering again ${since(killedAt)}`);
    // The new node may serve before it says ready (that waits for control to confirm it, then 250 ms).
    await expect.poll(() => status().tailnet.state, { timeout: 20_000 }).toBe('running');
    const after = status();
    expect(after.tailnet.restarts).toBeGreaterThanOrEqual(1);
    expect(after.tailnet.ips).toEqual(before.tailnet.ips); // same node, same address
    const newSidecars = childrenOf(after.pid).filter((c) => c.exe === 'sidecar');
    expect(newSidecars).toHaveLength(1);
    expect(newSidecars[0]!.pid).not.toBe(oldPid);

    const { page: tab } = phone!;
    // The page's WebSocket went through the old sidecar: it notices the drop by itself (a reset, or its
    // heartbeat's deadline within seconds) and reconnects through the new one — often before the URL
    // above answered again, so the drop is read from the page's log, where the link notes each one.
    const seen: string[] = [];
    const deadline = Date.now() + 90_000;
    const dropped = () => phone!.logs.slice(logsBefore).some((l) => l.includes('paseo: connection '));
    for (;;) {
      const st = (await tab.getByTestId('conn-state').getAttribute('data-state')) ?? '?';
      if (seen.at(-1)?.split(' ')[0] !== st) seen.push(`${st} (${since(killedAt)})`);
      if (dropped() && st === 'connected') break;
      if (Date.now() > deadline)
        throw new Error(`the page did not reconnect by itself: ${seen.join(' → ')}\n${phone!.logs.join('\n')}`);
      await sleep(250);
    }
    console.log(`[tailnet e2e] the page after the kill: ${seen.join(' → ')}`);
    await tab.getByTestId('terminal').click();
    await tab.keyboard.type('after-the-restart');
    await tab.getByTestId('keybar-enter').click();
    await expect
      .poll(() => tab.locator('[data-testid="terminal"] .xterm-rows').innerText(), { timeout: 15_000 })
      .toContain('got:after-the-restart');
    await phone!.screenshot('tailnet-after-restart');

    // Once more, for a second figure.
    await sleep(2_000);
    const again = Date.now();
    killSidecar();
    await waitForUrl(socksPort, PASEO_URL, 60_000, state);
    timing(`sidecar SIGKILLed again → MagicDNS URL answering again ${since(again)}`);
    await printed(paseo, /Tailnet: back at http:\/\/paseo\.tailnet\.test\/\n[\s\S]*Tailnet: back at/, 30_000);
  }, 180_000);

  it('Ctrl-C says paseo stopped, and nothing about a tailnet that was never off', async () => {
    const [device] = cliJson<DeviceJson[]>(['devices', '--json']);
    expect(cli(['revoke', device!.id]).status).toBe(0); // so that the next start offers a pairing code again
    paseo.child.kill('SIGINT');
    const end = await printed(paseo, /paseo stopped\.\n$/, 30_000);
    expectNoJunk(end.text);
    expect(end.text).not.toMatch(/Tailnet: off|--no-tailnet/);
    const tail = end.text.slice(end.text.lastIndexOf('On this computer:'));
    expect(maskScreen(tail).replace(/^On this computer: .*\n/, '')).toBe(
      [
        'Tailnet: restarting the tailnet node (restarted 1 time)',
        `Tailnet: back at ${PASEO_URL}`,
        'Tailnet: restarting the tailnet node (restarted 2 times)',
        `Tailnet: back at ${PASEO_URL}`,
        '',
        'Stopping paseo…',
        'paseo stopped.',
        '',
      ].join('\n'),
    );
    await stopProc(paseo);
  }, 60_000);

  it('`paseo up --daemon` rejoining from saved state: its QR code opens on the phone, which pairs again', async () => {
    const upAt = Date.now();
    const up = start('paseo up --daemon', paseoBin(), [...upArgs(), '--daemon'], { env: paseoEnv() });
    const shown = await printed(up, /On this computer: \S+\n/, 90_000);
    const [url, ...more] = tailnetQrs(shown.text);
    expect(more).toEqual([]);
    await measureUp('rejoin, --daemon', upAt, shown.at, url!);
    expectNoJunk(shown.text);
    expectGolden('up-daemon-tailnet-rejoin', maskScreen(shown.text, { home: homeA }));
    await pairPhone(url!, 'tailnet-rejoin-daemon');
    expect(cli(['down']).stdout).toBe('paseo stopped.\n');
  }, 150_000);

  it('`paseo up` rejoining from saved state with a paired phone: the address, and no pairing code', async () => {
    const upAt = Date.now();
    paseo = start('paseo up (rejoin)', paseoBin(), upArgs(), { env: paseoEnv(), guard: true });
    const shown = await printed(paseo, /On your tailnet: .*\n( {2}.*\n)*/, 90_000);
    await measureUp('rejoin, foreground', upAt, shown.at, PASEO_URL);
    expect(decodeQrCodes(shown.text)).toEqual([]);
    expectNoJunk(shown.text);
    expectGolden('up-tailnet-rejoin', maskScreen(shown.text, { home: homeA }));
    await expect
      .poll(() => phone!.page.getByTestId('conn-state').getAttribute('data-state'), { timeout: 30_000 })
      .toBe('connected');
    await stopProc(paseo);
  }, 150_000);

  it('fresh `paseo up --daemon` on another computer: its QR code opens on the phone, which pairs', async () => {
    // The first computer's node gives its name back, so the second one gets "paseo" too.
    const old = hsNode('paseo');
    if (old) hs(['nodes', 'delete', '--identifier', String(old.id), '--force']);
    paseoHome = homeB;
    const upAt = Date.now();
    const up = start('paseo up --daemon (fresh)', paseoBin(), [...upArgs('--authkey', authKey), '--daemon'], {
      env: paseoEnv(),
    });
    const shown = await printed(up, /On this computer: \S+\n/, 90_000);
    const [url, ...more] = tailnetQrs(shown.text);
    expect(more).toEqual([]);
    await measureUp('fresh, --daemon', upAt, shown.at, url!);
    expect(shown.text).not.toContain(authKey);
    expectNoJunk(shown.text);
    expectGolden('up-daemon-tailnet-fresh', maskScreen(shown.text, { home: homeB }));
    await phone!.close();
    phone = undefined; // a fresh browser: the old one holds the first computer's keys for this name
    await pairPhone(url!, 'tailnet-fresh-daemon');
    expect(cli(['down']).stdout).toBe('paseo stopped.\n');
    console.log(`[tailnet e2e] timings:\n  ${timings.join('\n  ')}\n[tailnet e2e] whole test: ${since(t0)}`);
  }, 150_000);
});
