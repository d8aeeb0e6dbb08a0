// Floods against a real daemon: connections that never finish their handshake, a client that sends its
// headers one byte at a time (slowloris), and thousands of refused requests. None locks out a paired device
// or fills the log, and the daemon keeps running.
import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { MAX_HANDSHAKES_PER_SOURCE } from '../../src/daemon/admission.js';
import { connectDevice, pairDevice, startDaemon, type TestDaemon } from './harness.js';

describe('floods', () => {
  let d: TestDaemon;
  beforeAll(async () => {
    d = await startDaemon({ env: { PASEO_HTTP_HEADERS_TIMEOUT_MS: '1500' } });
  });
  afterAll(async () => {
    await d?.stop();
  });

  it('connections that never finish a handshake cannot lock out a paired device or a pairing', async () => {
    const { keys, conn } = await pairDevice(d, 'Phone');
    conn.close();
    const idle = MAX_HANDSHAKES_PER_SOURCE + 20;
    const sockets: { ws: WebSocket; code?: number }[] = [];
    for (let i = 0; i < idle; i++) {
      const entry: { ws: WebSocket; code?: number } = { ws: new WebSocket(d.wsUrl) };
      entry.ws.on('close', (code) => (entry.code = code));
      entry.ws.on('error', () => {});
      await new Promise<void>((res) => entry.ws.once('open', () => res()));
      sockets.push(entry);
    }
    try {
      // The oldest were closed to make room ("rate-limited", 4029); the newest are still open.
      await expect.poll(() => sockets.filter((s) => s.code === 4029).length).toBeGreaterThanOrEqual(20);
      expect(sockets.slice(-10).every((s) => s.ws.readyState === WebSocket.OPEN)).toBe(true);
      // The paired device connects, and a new device pairs, while the idle ones stay connected.
      const again = await connectDevice(d, keys);
      expect(again.welcome.deviceName).toBe('Phone');
      again.close();
      const fresh = await pairDevice(d, 'Second phone');
      fresh.conn.close();
    } finally {
      for (const s of sockets) s.ws.terminate();
    }
    expect(d.process.exitCode).toBeNull();
  });

  it('closes a connection that sends its headers too slowly (slowloris)', async () => {
    const socket = connect(d.port, '127.0.0.1');
    let closed = false;
    socket.on('close', () => (closed = true));
    socket.on('error', () => {});
    socket.on('data', () => {});
    await new Promise<void>((res) => socket.once('connect', () => res()));
    socket.write(`GET /api/info HTTP/1.1\r\nHost: 127.0.0.1:${d.port}\r\n`);
    const trickle = setInterval(() => {
      if (!socket.destroyed) socket.write('X-Slow: a\r\n');
    }, 200);
    try {
      await expect.poll(() => closed, { timeout: 15_000, interval: 200 }).toBe(true);
    } finally {
      clearInterval(trickle);
      socket.destroy();
    }
    expect((await fetch(`${d.url}healthz`)).status).toBe(200);
  });

  it('thousands of refused requests with long URLs grow the log by a few lines, escaped', async () => {
    const before = d.output().length;
    const send = (i: number) =>
      new Promise<number>((resolve) => {
        const req = request(
          {
            host: '127.0.0.1',
            port: d.port,
            path: `/${'a'.repeat(2000)}?${i}`,
            // \u009b is a terminal's CSI (C1): it must not reach the log raw.
            headers: { host: `127.0.0.1:${d.port}`, origin: `http://evil.example\u009b2J${i}` },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', () => resolve(0));
        req.end();
      });
    for (let batch = 0; batch < 20; batch++) {
      const statuses = await Promise.all(Array.from({ length: 100 }, (_, i) => send(batch * 100 + i)));
      expect(new Set(statuses)).toEqual(new Set([403]));
    }
    const grown = d.output().slice(before);
    expect(grown.length).toBeLessThan(10_000); // 2,000 full lines would be ~4 MB
    expect(grown).toContain('Refused: requests from http://evil.example\\x9b2J');
    expect(grown).not.toContain('\u009b');
    expect(grown).not.toContain('a'.repeat(300));
  });
});
