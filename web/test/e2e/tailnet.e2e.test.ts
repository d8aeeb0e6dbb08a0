// The whole binary on a real tailnet: a real headscale (scripts/install-headscale.sh) on 127.0.0.1 with
// its embedded DERP and STUN, `dist/paseo up --login-server … --authkey …` joining it through the embedded
// sidecar, and a second tailnet node standing in for the phone (sidecar/cmd/testphone: tsnet + a SOCKS5
// proxy on 127.0.0.1) through which headless Chromium opens http://paseo.<base_domain>/ by its MagicDNS
// name, pairs, and watches an agent session. Then the sidecar is killed and the URL must come back.
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
import { CHROMIUM_PATH, launchPhone, type Phone } from './browser.js';

/** The pinned headscale, installed by scripts/install-headscale.sh. */
const HEADSCALE = process.env.PASEO_HEADSCALE ?? join(REPO_ROOT, '.cache', 'bin', 'headscale');
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

/** A child process whose output is kept for failure messages. */
interface Proc {
  name: string;
  child: ChildProcess;
  out: () => string;
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
  const keep = (d: Buffer) => {
    out += d.toString();
    if (out.length > 400_000) out = out.slice(-200_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  child.on('error', (err) => (out += `\n[spawn error: ${err.message}]\n`));
  const p = { name, child, out: () => out };
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
      const r = await getViaSocks(socksPort, url, 3_000);
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
  const paseoHome = join(root, 'paseo-home');
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
      ['--login-server', hsUrl, '--hostname', 'phone', '--state-dir', phoneState],
      {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: phoneState, TS_AUTHKEY: authKey, ...TS_ENV },
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
    await phone?.close();
    // paseo first (it stops its sidecar), then the phone, then headscale.
    for (const p of [paseo, phoneNode, headscale]) if (p) await stopProc(p, 10_000);
    for (const p of procs) if (alive(p)) p.child.kill('SIGKILL');
    process.off('exit', killAll);
    rmSync(root, { recursive: true, force: true });
  }, 60_000);

  it('`paseo up --login-server … --authkey …` joins, and its MagicDNS URL answers through the phone', async () => {
    const upAt = Date.now();
    paseo = start(
      'paseo up',
      paseoBin(),
      ['up', '--login-server', hsUrl, '--authkey', authKey, '--listen', '127.0.0.1:0'],
      { env: paseoEnv(), guard: true },
    );
    let joinedAt = 0; // when paseo up printed its tailnet URL (the sidecar said "ready")
    paseo.child.stdout!.on('data', (d: Buffer) => {
      if (!joinedAt && d.toString().includes('On your tailnet:')) joinedAt = Date.now();
    });
    await waitForUrl(socksPort, PASEO_URL, 90_000, state);
    const seconds = (Date.now() - upAt) / 1000;
    console.log(
      `[tailnet e2e] paseo up → MagicDNS URL answering: ${seconds.toFixed(1)} s` +
        (joinedAt ? ` (paseo up printed its tailnet URL after ${((joinedAt - upAt) / 1000).toFixed(1)} s)` : ''),
    );

    const s = status();
    expect(s.tailnet.state).toBe('running');
    expect(s.tailnet.fqdn).toBe(`paseo.${BASE_DOMAIN}`);
    expect(s.tailnet.https).toBe(false); // headscale issues no certificates
    expect(s.tailnet.url).toBe(PASEO_URL);
    expect(s.tailnet.ips.some((ip) => ip.startsWith('100.'))).toBe(true);
    expect(s.urls[0]).toBe(PASEO_URL);
    // paseo answers as itself over the tailnet, and refuses foreign Host names there too.
    const info = JSON.parse((await getViaSocks(socksPort, `${PASEO_URL}api/info`)).body) as { hostname: string };
    expect(info.hostname).toBe(`paseo.${BASE_DOMAIN}`);
    expect((await getViaSocks(socksPort, `http://${s.tailnet.ips[0]}/`)).status).toBe(200);
    expect((await getViaSocks(socksPort, PASEO_URL, 5_000, 'attacker.example')).status).toBe(403);
  }, 120_000);

  it('the phone opens the pairing link by its MagicDNS name and pairs with no input', async () => {
    expect(paseo && alive(paseo)).toBe(true);
    const pair = cliJson<{ code: string; url: string; urls: string[] }>(['pair', '--json']);
    expect(pair.url.startsWith(`${PASEO_URL}#pair=`)).toBe(true);
    expect(pair.urls.some((u) => u.startsWith('http://127.0.0.1:'))).toBe(true);

    // Chromium hands host names to the SOCKS5 proxy, so MagicDNS names resolve on the tailnet.
    phone = await launchPhone({ context: { proxy: { server: `socks5://127.0.0.1:${socksPort}` } } });
    const { page } = phone;
    await page.goto(pair.url);
    await page.getByTestId('home').waitFor({ timeout: 30_000 });
    expect(page.url().startsWith(PASEO_URL)).toBe(true);
    expect(page.url()).not.toContain(pair.code);
    await expect
      .poll(() => page.getByTestId('conn-state').getAttribute('data-state'), { timeout: 20_000 })
      .toBe('connected');
    await expect.poll(() => page.getByTestId('hostname').innerText()).toContain(`paseo.${BASE_DOMAIN}`);
    await phone.screenshot('tailnet-home');
  }, 90_000);

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
    const { page } = phone!;
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
    const item = page.locator(`[data-testid="session-item"][data-session-id="${id}"]`);
    await item.waitFor({ timeout: 15_000 });
    await phone!.screenshot('tailnet-sessions');
    await item.click();
    await page.getByTestId('terminal-screen').waitFor();
    const rows = page.locator('[data-testid="terminal"] .xterm-rows');
    await expect.poll(() => rows.innerText(), { timeout: 15_000 }).toContain('hello-from-42-tailnet');

    await page.getByTestId('terminal').click();
    await page.keyboard.type('typed-on-the-phone');
    await page.getByTestId('keybar-enter').click();
    await expect.poll(() => rows.innerText(), { timeout: 15_000 }).toContain('got:typed-on-the-phone');
    await phone!.screenshot('tailnet-terminal');
  }, 60_000);

  it('killing the sidecar: the MagicDNS URL and the phone come back by themselves', async () => {
    const before = status();
    const sidecars = childrenOf(before.pid).filter((c) => c.exe === 'sidecar');
    expect(sidecars).toHaveLength(1);
    const killedAt = Date.now();
    const logsBefore = phone!.logs.length;
    process.kill(sidecars[0]!.pid, 'SIGKILL');

    // The daemon notices and restarts it.
    await expect.poll(() => status().tailnet.restarts, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    await waitForUrl(socksPort, PASEO_URL, 60_000, state);
    console.log(`[tailnet e2e] sidecar killed → MagicDNS URL answering again: ${since(killedAt)}`);
    const after = status();
    expect(after.tailnet.state).toBe('running');
    expect(after.tailnet.restarts).toBeGreaterThanOrEqual(1);
    expect(after.tailnet.ips).toEqual(before.tailnet.ips); // same node, same address
    const newSidecars = childrenOf(after.pid).filter((c) => c.exe === 'sidecar');
    expect(newSidecars).toHaveLength(1);
    expect(newSidecars[0]!.pid).not.toBe(sidecars[0]!.pid);

    const { page } = phone!;
    // The page's WebSocket went through the old sidecar: it notices the drop by itself (a reset, or its
    // heartbeat's deadline within seconds) and reconnects through the new one — often before the URL
    // above answered again, so the drop is read from the page's log, where the link notes each one.
    const seen: string[] = [];
    const deadline = Date.now() + 90_000;
    const dropped = () => phone!.logs.slice(logsBefore).some((l) => l.includes('paseo: connection '));
    for (;;) {
      const st = (await page.getByTestId('conn-state').getAttribute('data-state')) ?? '?';
      if (seen.at(-1)?.split(' ')[0] !== st) seen.push(`${st} (${since(killedAt)})`);
      if (dropped() && st === 'connected') break;
      if (Date.now() > deadline)
        throw new Error(`the page did not reconnect by itself: ${seen.join(' → ')}\n${phone!.logs.join('\n')}`);
      await sleep(250);
    }
    console.log(`[tailnet e2e] the page after the kill: ${seen.join(' → ')}`);
    await page.getByTestId('terminal').click();
    await page.keyboard.type('after-the-restart');
    await page.getByTestId('keybar-enter').click();
    await expect
      .poll(() => page.locator('[data-testid="terminal"] .xterm-rows').innerText(), { timeout: 15_000 })
      .toContain('got:after-the-restart');
    await phone!.screenshot('tailnet-after-restart');
    console.log(`[tailnet e2e] whole test: ${since(t0)}`);
  }, 180_000);
});
