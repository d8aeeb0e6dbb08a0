// writeBinaryMessage (transport/local.ts): pieces written as one WebSocket message, straight to the
// socket, arrive at a real `ws` client as the pieces joined, in order with what `ws` itself sends.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { writeBinaryMessage } from '../../src/transport/local.js';

let server: WebSocketServer | undefined;
afterEach(async () => {
  for (const c of server?.clients ?? []) c.terminate();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

describe('writeBinaryMessage', () => {
  it('sends pieces as one binary message, for every length encoding, between messages ws sends', async () => {
    server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    const serverSide = once(server, 'connection') as Promise<[WebSocket]>;
    const client = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false });
    client.binaryType = 'nodebuffer';
    const got: Buffer[] = [];
    client.on('message', (data: Buffer, isBinary: boolean) => {
      expect(isBinary).toBe(true);
      got.push(data);
    });
    await once(client, 'open');
    const [ws] = await serverSide;
    const piece = (n: number, seed: number) => Buffer.from(Uint8Array.from({ length: n }, (_, i) => (i * seed) & 0xff));
    const messages = [
      [piece(1, 3)], // 7-bit length
      [piece(1, 5), piece(60, 7), piece(0, 1), piece(64, 9)], // 16-bit length
      [piece(3, 11), piece(70_000, 13), piece(16, 17)], // 64-bit length
    ];
    ws.send(Buffer.from('before'));
    for (const m of messages) expect(writeBinaryMessage(ws, m)).toBe(true);
    ws.send(Buffer.from('after'));
    const expected = [Buffer.from('before'), ...messages.map((m) => Buffer.concat(m)), Buffer.from('after')];
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (got.length >= expected.length) {
          clearInterval(check);
          resolve();
        }
      }, 5);
    });
    expect(got.map((b) => b.toString('hex'))).toEqual(expected.map((b) => b.toString('hex')));
    client.close();
  });
});
