// The WebSocket keepalive: the daemon pings every connection and closes only those that stop answering,
// so an idle, healthy device stays connected (a regression: every socket was cut at the first ping), and a
// device that went away without a word (its pongs stop) is cut and shown offline.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type ConnectionError, PaseoConnection, type WebSocketConstructor } from '../../src/channel/client.js';
import { pairDevice, startDaemon, type TestDaemon } from './harness.js';

/** A WebSocket that never answers pings: a peer that vanished (a phone that lost its network). */
class SilentWebSocket extends WebSocket {
  constructor(url: string) {
    super(url, { autoPong: false });
  }
}

describe('WebSocket keepalive', () => {
  let d: TestDaemon;
  beforeAll(async () => {
    d = await startDaemon({ env: { PASEO_WS_PING_INTERVAL_MS: '200' } });
  });
  afterAll(async () => {
    await d?.stop();
  });

  it('keeps an idle device connected across many pings', async () => {
    const { conn } = await pairDevice(d);
    let closed = false;
    conn.onClose(() => (closed = true));
    await new Promise((r) => setTimeout(r, 2000)); // ten ping intervals
    expect(closed).toBe(false);
    const devices = await conn.request({ t: 'devices.list' });
    expect(devices.find((x) => x.current)?.online).toBe(true);
    conn.close();
  });

  it('cuts a device that stops answering pings, and shows it offline', async () => {
    const { keys, conn: first } = await pairDevice(d, 'Vanishing phone');
    const id = first.welcome.deviceId;
    first.close();
    const silent = await PaseoConnection.open({
      url: d.wsUrl,
      daemonPublicKey: d.daemonPublicKey,
      keys,
      clientName: 'paseo-test/1',
      WebSocketImpl: SilentWebSocket as unknown as WebSocketConstructor,
    });
    let cut: ConnectionError | undefined;
    silent.onClose((e) => (cut = e));
    const watcher = (await pairDevice(d, 'Watcher')).conn;
    await expect
      .poll(async () => (await watcher.request({ t: 'devices.list' })).find((x) => x.id === id)?.online)
      .toBe(true);
    // Nothing but the daemon's keepalive ends it (this side never closes): the socket just drops.
    await expect.poll(() => cut?.kind, { timeout: 10_000 }).toBe('closed');
    await expect
      .poll(async () => (await watcher.request({ t: 'devices.list' })).find((x) => x.id === id)?.online)
      .toBe(false);
    expect(watcher.isOpen).toBe(true);
    watcher.close();
  });
});
