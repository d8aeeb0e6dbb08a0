// The WebSocket keepalive: the daemon pings every connection and closes only those that stop answering,
// so an idle, healthy device stays connected (a regression: every socket was cut at the first ping).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pairDevice, startDaemon, type TestDaemon } from './harness.js';

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
});
