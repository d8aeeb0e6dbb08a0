// The relay against the real binary: `paseo relay` + `paseo up --relay` + a device through it. A session
// runs and resumes across a relay killed and restarted mid-stream with no byte lost or repeated; a phone
// that stops reading holds up neither the daemon nor another phone; nobody can register under a daemon's
// id without its key, and a second daemon with the same key takes over only by proving it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { PaseoConnection } from '../../src/channel/client.js';
import { fromBase64Url } from '../../src/channel/encoding.js';
import { encodeWireFrame, FrameType } from '../../src/channel/frame.js';
import { generateKeyPair, type KeyPair } from '../../src/channel/noise.js';
import {
  parseClosePayload,
  parseJsonPayload,
  RelayOp,
  relayError,
  relayIdOf,
} from '../../src/channel/relay-protocol.js';
import { newSigningKey, RelayPeer } from '../fixtures/relay-peer.js';
import { REPO_ROOT, startDaemon, type TestDaemon } from './harness.js';
import {
  connectThroughRelay,
  pairThroughRelay,
  phoneUrl,
  type RelayPairing,
  relayConnected,
  relayStatus,
  startRelay,
  type TestRelay,
} from './relay-harness.js';

/** A session's output as one device receives it, checking that each piece starts where the last ended. */
function stream(conn: PaseoConnection, sessionId: string) {
  const dec = new TextDecoder();
  const s = { text: '', seq: 0, gaps: [] as string[], snapshots: 0, exited: false };
  conn.onMessage((msg, body) => {
    if (!('sessionId' in msg) || msg.sessionId !== sessionId) return;
    if (msg.t === 'session.output') {
      const start = msg.seq - body.length;
      if (start !== s.seq) s.gaps.push(`piece starts at ${start}, expected ${s.seq}`);
      s.text += dec.decode(body, { stream: true });
      s.seq = msg.seq;
      conn.send({ t: 'session.ack', sessionId, seq: msg.seq });
    } else if (msg.t === 'session.snapshot') {
      s.snapshots++;
      s.seq = msg.seq;
      conn.send({ t: 'session.ack', sessionId, seq: msg.seq });
    } else if (msg.t === 'session.exit') s.exited = true;
  });
  return s;
}

/** Lines `line-1` … `line-n`, each ending with CRLF as a terminal shows them. */
const expectedLines = (n: number) => Array.from({ length: n }, (_, i) => `line-${i + 1}\r\n`).join('');

/** Tries `fn` until it resolves (the relay or the daemon's link may still be coming back). */
async function retry<T>(fn: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

async function metrics(relay: TestRelay): Promise<string> {
  return (await fetch(`${relay.url}metrics`)).text();
}

/** The value of one series in the metrics text (0 when absent). */
function metric(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

describe('paseo relay with paseo up --relay', () => {
  let relay: TestRelay;
  let d: TestDaemon;
  let keys: KeyPair;
  let pairing: RelayPairing;

  beforeAll(async () => {
    relay = await startRelay({ env: { PASEO_RELAY_PING_INTERVAL_MS: '500' } });
    d = await startDaemon({ args: ['--relay', relay.wsUrl], env: { PASEO_RELAY_PING_INTERVAL_MS: '500' } });
    await relayConnected(d);
    keys = generateKeyPair();
    const first = await pairThroughRelay(d, relay, keys, 'Relay phone');
    pairing = first.pairing;
    first.conn.close();
  });
  afterAll(async () => {
    await d?.stop();
    await relay?.stop();
  });

  it('pairs, runs a session and types through the relay; status and metrics say so', async () => {
    const home = JSON.parse(readFileSync(join(d.home, 'identity.json'), 'utf8')) as { relayId: string };
    expect(pairing.relayId).toBe(home.relayId);
    expect(relayStatus(d)).toMatchObject({ state: 'connected', url: relay.wsUrl, relayId: home.relayId });
    expect(d.cli(['status']).stdout).toContain(`Relay:     connected to ${relay.wsUrl}`);
    const devices = d.cliJson<{ name: string }[]>(['devices', '--json']);
    expect(devices.map((x) => x.name)).toContain('Relay phone');

    const conn = await connectThroughRelay(relay, pairing.relayId, pairing.daemonPublicKey, keys);
    const info = await conn.request({ t: 'session.create', command: ['/bin/sh'], cwd: REPO_ROOT, cols: 80, rows: 24 });
    const s = stream(conn, info.id);
    conn.send({ t: 'session.attach', sessionId: info.id, cols: 80, rows: 24 });
    conn.send({ t: 'session.input', sessionId: info.id }, new TextEncoder().encode('echo relay-$((6*7))\r'));
    await expect.poll(() => s.text, { timeout: 10_000 }).toContain('relay-42');
    expect(relayStatus(d).channels).toBe(1);
    await conn.request({ t: 'session.kill', sessionId: info.id });
    conn.close();

    const health = (await (await fetch(`${relay.url}healthz`)).json()) as { ok: boolean; daemons: number };
    expect(health).toEqual({ ok: true, daemons: 1 });
    const m = await metrics(relay);
    expect(metric(m, 'paseo_relay_daemons')).toBe(1);
    expect(metric(m, 'paseo_relay_frames_total{direction="to_daemon"}')).toBeGreaterThan(3);
    expect(metric(m, 'paseo_relay_bytes_total{direction="to_phone"}')).toBeGreaterThan(100);
    expect(metric(m, 'paseo_relay_connections{leg="daemon"}')).toBe(1);
    // The relay serves the same web UI as the daemon, with the same headers.
    const page = await fetch(relay.url);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(await page.text()).toBe(await (await fetch(d.url)).text());
  });

  it('resumes a session across a relay killed and restarted mid-stream: nothing lost, nothing twice', async () => {
    const LINES = 600;
    let conn = await connectThroughRelay(relay, pairing.relayId, pairing.daemonPublicKey, keys);
    const info = await conn.request({
      t: 'session.create',
      command: ['/bin/sh', '-c', `i=1; while [ $i -le ${LINES} ]; do echo line-$i; i=$((i+1)); sleep 0.01; done`],
      cwd: REPO_ROOT,
      cols: 80,
      rows: 24,
    });
    let s = stream(conn, info.id);
    conn.send({ t: 'session.attach', sessionId: info.id, afterSeq: 0, cols: 80, rows: 24 });
    await expect.poll(() => s.text, { timeout: 10_000 }).toContain('line-40\r\n');

    const port = relay.port;
    const closed = new Promise<void>((r) => conn.onClose(() => r()));
    await relay.kill();
    await closed;
    const before = { text: s.text, seq: s.seq, gaps: s.gaps };
    expect(before.text).not.toContain(`line-${LINES}\r\n`); // it really was mid-stream
    relay = await startRelay({ port, env: { PASEO_RELAY_PING_INTERVAL_MS: '500' } });
    await relayConnected(d);

    conn = await retry(() => connectThroughRelay(relay, pairing.relayId, pairing.daemonPublicKey, keys));
    s = stream(conn, info.id);
    s.seq = before.seq;
    conn.send({ t: 'session.attach', sessionId: info.id, afterSeq: before.seq, cols: 80, rows: 24 });
    await expect.poll(() => s.exited, { timeout: 30_000 }).toBe(true);
    expect(s.snapshots).toBe(0);
    expect([...before.gaps, ...s.gaps]).toEqual([]);
    expect(before.text + s.text).toBe(expectedLines(LINES));
    conn.close();
  });

  it('a phone that stops reading holds up neither the daemon nor another phone', async () => {
    const a = await connectThroughRelay(relay, pairing.relayId, pairing.daemonPublicKey, keys);
    const b = await connectThroughRelay(relay, pairing.relayId, pairing.daemonPublicKey, keys);
    const LINES = 40_000; // ~500 KiB, well beyond what a viewer may hold unacknowledged
    const info = await b.request({
      t: 'session.create',
      command: ['/bin/sh', '-c', `sleep 0.5; i=1; while [ $i -le ${LINES} ]; do echo line-$i; i=$((i+1)); done`],
      cwd: REPO_ROOT,
      cols: 80,
      rows: 24,
    });
    a.send({ t: 'session.attach', sessionId: info.id, afterSeq: 0, cols: 80, rows: 24 });
    // A stops reading its socket: what the relay sends it piles up.
    (a as unknown as { ws: { _socket: { pause(): void } } }).ws._socket.pause();
    const s = stream(b, info.id);
    b.send({ t: 'session.attach', sessionId: info.id, afterSeq: 0, cols: 80, rows: 24 });
    await expect.poll(() => s.exited, { timeout: 60_000 }).toBe(true);
    expect(s.gaps).toEqual([]);
    expect(s.text).toBe(expectedLines(LINES));
    // The daemon answers B at once (and the CLI) while A is still stalled.
    expect((await b.request({ t: 'sessions.list' })).some((x) => x.id === info.id)).toBe(true);
    a.close();
    b.close();
  });
});

describe('a relay cuts off a phone that does not read', () => {
  let relay: TestRelay;
  beforeAll(async () => {
    relay = await startRelay({ env: { PASEO_RELAY_CHANNEL_BUFFER_BYTES: String(256 * 1024) } });
  });
  afterAll(async () => {
    await relay?.stop();
  });

  it('closes the stalled channel and tells the daemon, while the other phone gets everything', async () => {
    const key = newSigningKey();
    const daemon = await RelayPeer.connect(relay.wsUrl);
    expect((await daemon.register(key)).op).toBe(RelayOp.REGISTERED);
    const id = relayIdOf(key.publicKey);
    const open = (): Promise<WebSocket> =>
      new Promise((resolve, reject) => {
        const ws = new WebSocket(phoneUrl(relay, id), { perMessageDeflate: false });
        ws.once('open', () => resolve(ws));
        ws.once('error', reject);
      });
    const stalled = await open();
    const chA = (await daemon.next((f) => f.op === RelayOp.OPEN)).channel;
    const reader = await open();
    const chB = (await daemon.next((f) => f.op === RelayOp.OPEN && f.channel !== chA)).channel;
    (stalled as unknown as { _socket: { pause(): void } })._socket.pause();
    let received = 0;
    reader.on('message', (data: Buffer) => (received += data.length));

    // In lockstep: a frame to each phone, then wait until the reading one has its frame. The stalled one's
    // frames pile up in the kernel's buffers, then in the relay's, until its 256 KiB cap cuts it off.
    const frame = encodeWireFrame(FrameType.DATA, new Uint8Array(64 * 1024 - 1));
    const cutOff = () => daemon.frames.some((f) => f.op === RelayOp.CLOSE && f.channel === chA);
    let sent = 0;
    for (let i = 0; i < 1024 && !cutOff(); i++) {
      daemon.send(RelayOp.DATA, chA, frame);
      daemon.send(RelayOp.DATA, chB, frame);
      sent++;
      await expect.poll(() => received, { timeout: 10_000, interval: 1 }).toBe(sent * frame.length);
    }
    const cut = await daemon.next((f) => f.op === RelayOp.CLOSE && f.channel === chA);
    expect(parseClosePayload(cut.payload)).toEqual({ code: 1013, reason: 'slow-consumer' });
    // The reading phone goes on getting every frame, and the daemon's link is untouched.
    for (let i = 0; i < 16; i++) daemon.send(RelayOp.DATA, chB, frame);
    await expect.poll(() => received, { timeout: 10_000 }).toBe((sent + 16) * frame.length);
    expect(daemon.frames.some((f) => f.op === RelayOp.CLOSE && f.channel === chB)).toBe(false);
    expect(metric(await metrics(relay), 'paseo_relay_drops_total{reason="slow-phone"}')).toBe(1);
    reader.close();
    stalled.terminate();
    daemon.close();
  });
});

describe('registering under a daemon id', () => {
  let relay: TestRelay;
  let d: TestDaemon;
  let twin: TestDaemon | undefined;
  beforeAll(async () => {
    relay = await startRelay();
    d = await startDaemon({ args: ['--relay', relay.wsUrl] });
    await relayConnected(d);
  });
  afterAll(async () => {
    await twin?.stop();
    await d?.stop();
    await relay?.stop();
  });

  const identity = () =>
    JSON.parse(readFileSync(join(d.home, 'identity.json'), 'utf8')) as { relayId: string; signingPublicKey: string };

  it('refuses a squatter: another key cannot sign for the daemon’s key, and a signature for another relay fails', async () => {
    const victim = fromBase64Url(identity().signingPublicKey);
    const squatter = await RelayPeer.connect(relay.wsUrl);
    const refused = await squatter.register(newSigningKey(), '127.0.0.1', victim);
    expect(refused.op).toBe(RelayOp.ERROR);
    expect(parseJsonPayload(refused.payload, relayError).code).toBe('bad-signature');

    const elsewhere = await RelayPeer.connect(relay.wsUrl);
    const wrong = await elsewhere.register(newSigningKey(), 'relay.example.com');
    expect(parseJsonPayload(wrong.payload, relayError)).toMatchObject({ code: 'wrong-relay' });
    expect(parseJsonPayload(wrong.payload, relayError).message).toContain('relay.example.com');

    // The real daemon kept its place: a phone still pairs with it through the relay.
    expect(relayStatus(d).state).toBe('connected');
    const { conn } = await pairThroughRelay(d, relay, generateKeyPair(), 'After the squatter');
    expect(conn.welcome.daemonId).toBe(d.cliJson<{ daemonId: string }>(['status', '--json']).daemonId);
    conn.close();
  });

  it('a second daemon with the same key replaces the first only by proving it; the first says why and stays off', async () => {
    const { mkdtempSync, copyFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const home = mkdtempSync(join(tmpdir(), 'paseo-twin-'));
    copyFileSync(join(d.home, 'identity.json'), join(home, 'identity.json'));
    twin = await startDaemon({ home, args: ['--relay', relay.wsUrl] });
    await relayConnected(twin);
    await expect.poll(() => relayStatus(d).state, { timeout: 10_000 }).toBe('error');
    expect(relayStatus(d).reason).toContain('Another paseo with this computer’s identity connected to the relay');
    expect(d.cli(['status']).stdout).toContain('Restart paseo to take the relay back');
    // Phones now reach the twin (it holds the same key, so it is the same daemon to them).
    const { conn } = await pairThroughRelay(twin, relay, generateKeyPair(), 'Twin phone');
    expect(conn.welcome.daemonId).toBe(twin.cliJson<{ daemonId: string }>(['status', '--json']).daemonId);
    await new Promise((r) => setTimeout(r, 1500));
    expect(relayStatus(d).state).toBe('error'); // it does not fight back
    // A daemon that stops says goodbye through the relay before its link closes.
    const ended = new Promise<string>((r) => conn.onClose((e) => r(e.kind)));
    await twin.stop();
    expect(await ended).toBe('shutdown');
  });
});

describe('the relay’s door', () => {
  let relay: TestRelay;
  beforeAll(async () => {
    relay = await startRelay({ env: { PASEO_RELAY_CONNECT_BURST: '3', PASEO_RELAY_CONNECT_PER_MINUTE: '1' } });
  });
  afterAll(async () => {
    await relay?.stop();
  });

  /** The HTTP status a WebSocket upgrade gets (101 when it is taken). */
  const upgrade = (path: string, headers: Record<string, string> = {}): Promise<number> =>
    new Promise((resolve) => {
      const ws = new WebSocket(`${relay.wsUrl}${path}`, { headers });
      ws.once('open', () => {
        ws.terminate();
        resolve(101);
      });
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('error', () => {});
    });

  it('lets in pages of its own origin only, and rate-limits connections per address', async () => {
    const id = 'abcdefghijkmnpqrstuv';
    expect(await upgrade(`/ws/${id}`, { origin: 'http://evil.example' })).toBe(403);
    expect(await upgrade(`/ws/${id}`, { origin: relay.url.replace(/\/$/, '') })).toBe(101);
    expect(await upgrade('/ws/not-an-id')).toBe(404);
    // The burst (3) is spent by now; the next one is refused until a token comes back (1 a minute).
    expect(await upgrade(`/ws/${id}`)).toBe(429);
    expect(metric(await metrics(relay), 'paseo_relay_drops_total{reason="rate-limited"}')).toBeGreaterThanOrEqual(1);
    expect(metric(await metrics(relay), 'paseo_relay_drops_total{reason="bad-origin"}')).toBe(1);
  });

  it('a daemon says in a sentence when the relay is unreachable or refuses it', async () => {
    const d = await startDaemon({ args: ['--relay', 'ws://127.0.0.1:1'] });
    try {
      await expect.poll(() => relayStatus(d).reason ?? '', { timeout: 10_000 }).toContain('nothing answers there');
      expect(relayStatus(d).state).toBe('error');
      expect(d.cli(['status']).stdout).toMatch(/Relay: {5}not connected to ws:\/\/127\.0\.0\.1:1: Cannot reach/);
    } finally {
      await d.stop();
    }
    // Something that answers HTTP but is no relay: the relay's own refusals read the same way.
    const other = await startDaemon();
    const refused = await startDaemon({ args: ['--relay', `ws://127.0.0.1:${other.port}`] });
    try {
      await expect
        .poll(() => relayStatus(refused).reason ?? '', { timeout: 15_000 })
        .toContain(`The relay at ws://127.0.0.1:${other.port} refused the connection (HTTP 404: Not found.)`);
    } finally {
      await refused.stop();
      await other.stop();
    }
  });
});
