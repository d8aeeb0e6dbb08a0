// DNS rebinding and hostile web pages: requests and WebSocket upgrades whose Host or Origin is not one
// of the daemon's own addresses are refused.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CSP_HEADER, CSP_META } from '../../src/csp.js';
import { startDaemon, type TestDaemon } from './harness.js';

function get(
  port: number,
  headers: Record<string, string>,
  path = '/',
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

function upgrade(d: TestDaemon, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(d.wsUrl, { headers });
    ws.on('open', () => {
      ws.close();
      resolve('open');
    });
    ws.on('unexpected-response', (_req, res) => resolve(`http ${res.statusCode}`));
    ws.on('error', () => resolve('error'));
  });
}

describe('Host and Origin checks', () => {
  let d: TestDaemon;
  beforeAll(async () => {
    d = await startDaemon();
  });
  afterAll(async () => {
    await d?.stop();
  });

  it('serves its own addresses', async () => {
    for (const host of [`127.0.0.1:${d.port}`, `localhost:${d.port}`]) {
      const r = await get(d.port, { host }, '/api/info');
      expect(r.status).toBe(200);
      expect(r.headers['content-security-policy']).toBe(CSP_HEADER);
    }
    // The page carries the same policy in its <meta> (without frame-ancestors, which only a header can set).
    const page = await get(d.port, { host: `127.0.0.1:${d.port}` }, '/');
    expect(page.headers['content-security-policy']).toBe(CSP_HEADER);
    expect(page.body).toContain(`<meta http-equiv="Content-Security-Policy" content="${CSP_META}">`);
    expect(CSP_HEADER).toBe(`${CSP_META}; frame-ancestors 'none'`);
    expect(await upgrade(d, { Origin: `http://127.0.0.1:${d.port}` })).toBe('open');
    expect(await upgrade(d, { Origin: `http://localhost:${d.port}` })).toBe('open');
    expect(await upgrade(d, { Origin: `http://[::1]:${d.port}` })).toBe('open');
  });

  it("refuses a page of another local server: the origin's scheme and port count too", async () => {
    expect(await upgrade(d, { Origin: 'http://localhost:3000' })).toBe('http 403');
    expect(await upgrade(d, { Origin: 'http://127.0.0.1:3000' })).toBe('http 403');
    expect(await upgrade(d, { Origin: `https://127.0.0.1:${d.port}` })).toBe('http 403');
    expect(await upgrade(d, { Origin: 'http://[::1]:3000' })).toBe('http 403');
    const r = await get(d.port, { host: `127.0.0.1:${d.port}`, origin: 'http://localhost:3000' }, '/api/info');
    expect(r.status).toBe(403);
    expect((await get(d.port, { host: '127.0.0.1:3000' }, '/api/info')).status).toBe(403);
  });

  it('refuses a foreign Host (DNS rebinding)', async () => {
    const r = await get(d.port, { host: 'evil.example.com' }, '/api/info');
    expect(r.status).toBe(403);
    expect(r.body).toMatch(/not one of paseo's own addresses/);
    expect(await upgrade(d, { Host: 'evil.example.com' })).toBe('http 403');
  });

  it('refuses a foreign Origin (a web page talking to localhost)', async () => {
    expect(await upgrade(d, { Origin: 'http://evil.example.com' })).toBe('http 403');
    expect(await upgrade(d, { Origin: 'null' })).toBe('http 403');
    const r = await get(d.port, { host: `127.0.0.1:${d.port}`, origin: 'https://evil.example.com' }, '/api/info');
    expect(r.status).toBe(403);
    expect(d.process.exitCode).toBeNull();
  });
});
