// The CLI's side of the control socket: connects to the running daemon, sends requests and messages,
// receives answers and pushed messages.
import { createConnection, type Socket } from 'node:net';
import { decodeMessage, encodeLengthPrefixed, encodeMessage, LengthPrefixedDecoder } from '../channel/frame.js';
import {
  type ClientMessage,
  type DaemonMessage,
  parseDaemonMessage,
  type RequestType,
  type ResultOf,
} from '../channel/messages.js';
import { PendingRequests, REQUEST_TIMEOUT_MS, type RequestMessage } from '../channel/requests.js';
import { checkPrivateFolder, checkSocketPath, homePaths } from '../state/home.js';

/** The daemon is not running (no one answers on its socket). */
export class DaemonNotRunningError extends Error {
  constructor(home: string) {
    super(`paseo is not running${home ? ` (state folder ${home})` : ''}. Start it with \`paseo up\`.`);
    this.name = 'DaemonNotRunningError';
  }
}

/** A connection to the local daemon. */
export class ControlClient {
  private readonly requests = new PendingRequests((msg, body) => this.send(msg, body), {
    timeoutMs: REQUEST_TIMEOUT_MS,
    timeoutMessage: 'The paseo daemon did not answer in time.',
    badResponseMessage:
      'The paseo daemon sent an answer this command does not understand. Is it the same version as this paseo?',
  });
  private readonly listeners = new Set<(msg: DaemonMessage, body: Uint8Array) => void>();
  private readonly closeListeners = new Set<() => void>();
  private readonly decoder = new LengthPrefixedDecoder();

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => this.handleClose());
    socket.on('error', () => this.handleClose());
  }

  /** Connects to the daemon of `home`; DaemonNotRunningError when none answers. */
  static connect(home: string): Promise<ControlClient> {
    return new Promise((resolve, reject) => {
      // A socket in a folder others can write to may be anyone's: do not talk to it.
      checkPrivateFolder(home);
      checkSocketPath(home);
      const socket = createConnection(homePaths(home).socket);
      socket.once('connect', () => resolve(new ControlClient(socket)));
      socket.once('error', () => reject(new DaemonNotRunningError(home)));
    });
  }

  /** Sends a request (with its body, if the type has one); resolves with its validated result or rejects with RequestError. */
  request<T extends RequestType>(msg: RequestMessage<T>, body?: Uint8Array): Promise<ResultOf<T>> {
    return this.requests.request(msg, body);
  }

  /** Sends a message without waiting. */
  send(msg: ClientMessage, body?: Uint8Array): void {
    if (!this.socket.destroyed) this.socket.write(encodeLengthPrefixed(encodeMessage(msg, body)));
  }

  /** Sends a message and calls `done` once the bytes were handed to the OS (for acks after writes). */
  sendThen(msg: ClientMessage, body: Uint8Array | undefined, done: () => void): void {
    if (this.socket.destroyed) return;
    this.socket.write(encodeLengthPrefixed(encodeMessage(msg, body)), () => done());
  }

  /** Listens to pushed messages. */
  onMessage(cb: (msg: DaemonMessage, body: Uint8Array) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** Called when the daemon closes the connection. */
  onClose(cb: () => void): void {
    this.closeListeners.add(cb);
  }

  /** Closes the connection. */
  close(): void {
    this.socket.end();
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    for (const bytes of this.decoder.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))) {
      const decoded = decodeMessage(bytes);
      const { msg, body } = parseDaemonMessage(decoded.header, decoded.body);
      if (this.requests.settle(msg, body)) continue;
      for (const l of this.listeners) l(msg, body);
    }
  }

  private handleClose(): void {
    this.requests.close(new Error('The daemon closed the connection.'));
    for (const cb of this.closeListeners) cb();
    this.closeListeners.clear();
  }
}

/** True when a daemon answers on the control socket of `home`. */
export async function isDaemonRunning(home: string): Promise<boolean> {
  try {
    (await ControlClient.connect(home)).close();
    return true;
  } catch {
    return false;
  }
}
