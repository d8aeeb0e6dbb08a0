// The local control socket (PASEO_HOME/paseo.sock, mode 0600): how the CLI on this machine talks to the
// daemon. Same messages as the encrypted channel, length-prefixed, unencrypted: file permissions let
// only this user in, so its clients are the owner.
import { chmodSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { CloseKind } from '../channel/channel.js';
import { decodeMessage, encodeLengthPrefixed, encodeMessage, LengthPrefixedDecoder } from '../channel/frame.js';
import { type DaemonMessage, parseClientMessage } from '../channel/messages.js';
import type { Logger } from '../log.js';
import { randomId } from '../state/ids.js';
import type { Client } from './client.js';
import type { DaemonCore } from './core.js';
import { dispatch } from './dispatch.js';

/** A CLI connected through the control socket. */
class OwnerClient implements Client {
  readonly id = randomId(8);
  readonly owner = true;
  /** How devices see this client (it sized or ended a session). */
  readonly name = 'the computer';
  private readonly decoder = new LengthPrefixedDecoder();
  private queue: Promise<void> = Promise.resolve();
  private ended = false;

  constructor(
    private readonly daemon: DaemonCore,
    private readonly socket: Socket,
    private readonly log: Logger,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => this.end());
    socket.on('error', () => this.end());
    daemon.addClient(this);
  }

  send(msg: DaemonMessage, body?: Uint8Array): void {
    if (this.ended || this.socket.destroyed) return;
    this.socket.write(encodeLengthPrefixed(encodeMessage(msg, body)));
  }

  close(_kind: CloseKind, message: string): void {
    if (this.ended) return;
    this.send({ t: 'error', code: 'failed', message });
    this.socket.end();
    this.end();
  }

  private onData(chunk: Buffer): void {
    try {
      for (const bytes of this.decoder.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))) {
        const decoded = decodeMessage(bytes);
        const { msg, body } = parseClientMessage(decoded.header, decoded.body);
        this.queue = this.queue
          .then(() => dispatch(this.daemon, this, msg, body))
          .catch((err: unknown) => this.log.error(err));
      }
    } catch (err) {
      this.log.warn(`malformed message on the control socket: ${String(err)}`);
      this.send({ t: 'error', code: 'bad-request', message: 'The command sent a malformed message to the daemon.' });
      this.socket.end();
      this.end();
    }
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.daemon.removeClient(this);
  }
}

/** The listening control socket. */
export class ControlServer {
  private constructor(
    private readonly server: Server,
    private readonly path: string,
  ) {}

  /** Listens on `path`; fails with a sentence when another daemon already answers there. */
  static async start(daemon: DaemonCore, path: string, log: Logger): Promise<ControlServer> {
    if (await answers(path)) {
      throw new Error(
        `paseo is already running for ${daemon.socketPath.replace(/\/paseo\.sock$/, '')}. Use \`paseo status\` to see it or \`paseo down\` to stop it.`,
      );
    }
    try {
      unlinkSync(path);
    } catch {
      /* no stale socket */
    }
    const server = createServer((socket) => new OwnerClient(daemon, socket, log));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      const old = process.umask(0o177);
      server.listen(path, () => {
        process.umask(old);
        server.off('error', reject);
        resolve();
      });
    });
    chmodSync(path, 0o600);
    return new ControlServer(server, path);
  }

  /** Stops listening and removes the socket file. */
  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    try {
      unlinkSync(this.path);
    } catch {
      /* already gone */
    }
  }
}

function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
