// The routes a device has to the daemon, in this process: with `--relay` the daemon keeps a link to a real
// in-process relay, reports its state to listeners, and puts the relay's pairing URL first; a phone pairs
// with what that URL carries and works through the relay. With `--listen 0.0.0.0:PORT` the pairing URLs are
// one per non-internal IPv4 address of this machine, and this computer's own URL is 127.0.0.1. Traffic goes
// to 127.0.0.1 only.
import { networkInterfaces } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PaseoConnection } from '../../src/channel/client.js';
import { parseKey, toBase64Url } from '../../src/channel/encoding.js';
import type { RelayInfo } from '../../src/channel/messages.js';
import { generateKeyPair } from '../../src/channel/noise.js';
import { DEFAULT_RELAY_LIMITS } from '../../src/relay/limits.js';
import { RelayServer } from '../../src/relay/server.js';
import { type InProcessDaemon, startInProcessDaemon } from '../fixtures/daemon-in-process.js';
import { NodeWebSocket } from '../fixtures/daemon-process.js';
import { MemoryLog } from '../fixtures/session-harness.js';

let d: InProcessDaemon | undefined;
afterEach(async () => {
  await d?.stop();
  d = undefined;
});

/** The fragment a pairing URL carries after the address it opens. */
const fragment = (code: string, key: Uint8Array) => `#pair=${code}&key=${toBase64Url(key)}`;

describe('a daemon linked to a relay', () => {
  let relay: RelayServer;
  /** ws://127.0.0.1:<port>, what `paseo up --relay` is given. */
  let relayWs: string;
  beforeEach(async () => {
    relay = await RelayServer.start({
      listen: { host: '127.0.0.1', port: 0 },
      trustProxy: false,
      log: new MemoryLog(),
      limits: { ...DEFAULT_RELAY_LIMITS },
    });
    relayWs = `ws://127.0.0.1:${relay.address.port}`;
  });
  afterEach(async () => {
    await d?.stop();
    d = undefined;
    await relay.close();
  });

  it('connects, tells its listeners (until they unsubscribe), and a phone pairs and works through the relay', async () => {
    d = await startInProcessDaemon({}, { relay: relayWs });
    const daemon = d.daemon;
    const base = { url: relayWs, webUrl: relay.url };
    // Start-up does not wait for the relay: the link is still being made.
    expect(daemon.relayInfo()).toEqual({ state: 'connecting', ...base, channels: 0 });
    const seen: RelayInfo[] = [];
    const kept: RelayInfo[] = [];
    const unsubscribe = daemon.onRelayChange((info) => seen.push(info));
    daemon.onRelayChange((info) => kept.push(info));

    const connected = { state: 'connected', ...base, relayId: daemon.identity.relayId, channels: 0 };
    await expect.poll(() => seen[0]).toEqual(connected);
    expect(daemon.relayInfo()).toEqual(connected);
    expect(daemon.status().relay).toEqual(connected);
    expect(relay.daemonCount).toBe(1);

    // The relay's pairing URL: the relay's web address, the code and key, and where the daemon is on it.
    const p = daemon.createPairing();
    const relayUrl = `${relay.url}${fragment(p.code, d.daemonPublicKey)}&daemon=${daemon.identity.relayId}`;
    expect(p.relayUrl).toBe(relayUrl);
    expect(p.urls).toEqual([relayUrl, `${d.url}${fragment(p.code, d.daemonPublicKey)}`]);
    expect(p.url).toBe(relayUrl);

    // A phone pairs with what the URL carries, through the relay, and uses the daemon.
    const params = new URLSearchParams(new URL(relayUrl).hash.slice(1));
    const daemonPublicKey = parseKey(params.get('key') ?? undefined);
    if (!daemonPublicKey) throw new Error(`no key in ${relayUrl}`);
    const phoneUrl = `${relayWs}/ws/${params.get('daemon')}`;
    const keys = generateKeyPair();
    const open = (pairing?: { code: string; deviceName: string }) =>
      PaseoConnection.open({
        url: phoneUrl,
        daemonPublicKey,
        keys,
        ...(pairing ? { pairing } : {}),
        clientName: 'paseo-test/1',
        WebSocketImpl: NodeWebSocket,
      });
    const paired = await open({ code: params.get('pair') ?? '', deviceName: 'Relay phone' });
    expect(daemon.devices.list().map((x) => x.name)).toEqual(['Relay phone']);
    expect(seen.at(-1)).toEqual({ ...connected, channels: 1 });
    paired.close();
    await expect.poll(() => daemon.relayInfo().channels).toBe(0);

    // Reconnecting as the paired device; no more news to the listener that unsubscribed.
    unsubscribe();
    const seenBefore = seen.length;
    const conn = await open();
    const devices = await conn.request({ t: 'devices.list' });
    expect(devices.map((x) => [x.name, x.current, x.online])).toEqual([['Relay phone', true, true]]);
    expect(daemon.relayInfo()).toEqual({ ...connected, channels: 1 });
    expect(kept.at(-1)).toEqual({ ...connected, channels: 1 });
    conn.close();
    await expect.poll(() => kept.at(-1)).toEqual(connected);
    expect(seen.length).toBe(seenBefore);
  });

  it('is off without --relay, and pairs without a relay URL', async () => {
    d = await startInProcessDaemon();
    expect(d.daemon.relayInfo()).toEqual({ state: 'off', channels: 0 });
    const p = d.daemon.createPairing();
    expect(p).not.toHaveProperty('relayUrl');
    expect(p.urls).toEqual([`${d.url}${fragment(p.code, d.daemonPublicKey)}`]);
    expect(relay.daemonCount).toBe(0);
  });
});

describe('a daemon listening on every address (--listen 0.0.0.0:PORT)', () => {
  it('offers one URL per non-internal IPv4 address of this machine, then 127.0.0.1 for this computer', async () => {
    d = await startInProcessDaemon({}, { listen: { host: '0.0.0.0', port: 0 } });
    const port = Number(new URL(d.url).port);
    expect(d.url).toBe(`http://127.0.0.1:${port}/`);
    expect(d.daemon.localUrl).toBe(d.url);
    const lan = Object.values(networkInterfaces())
      .flat()
      .filter((i) => i?.family === 'IPv4' && !i.internal)
      .map((i) => `http://${i?.address}:${port}/`);
    expect(d.daemon.lanUrls()).toEqual(lan);
    expect(d.daemon.urls()).toEqual([...lan, d.url]);
    expect(d.daemon.status()).toMatchObject({ listen: [`0.0.0.0:${port}`], urls: [...lan, d.url] });
    const p = d.daemon.createPairing();
    expect(p.urls).toEqual([...lan, d.url].map((u) => u + fragment(p.code, d!.daemonPublicKey)));
    expect(p.url).toBe(p.urls[0]);
    // It answers on 127.0.0.1.
    const { conn } = await d.pair('Laptop browser');
    expect((await conn.request({ t: 'devices.list' })).map((x) => x.name)).toEqual(['Laptop browser']);
    conn.close();
  });

  it('offers none on loopback (--listen 127.0.0.1:PORT): only this computer can open it', async () => {
    d = await startInProcessDaemon();
    expect(d.daemon.lanUrls()).toEqual([]);
    expect(d.daemon.urls()).toEqual([d.url]);
  });
});
