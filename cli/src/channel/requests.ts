// Requests and their answers, for every client of the daemon (the browser's PaseoConnection and the CLI's
// ControlClient): request ids, the requests waiting for an answer, validation of each `result` against the
// request that was asked, timeouts, and refusing everything still waiting once the connection ends.
// Isomorphic: no Node or DOM APIs.
import {
  type ClientMessage,
  type ClientMessageOf,
  type DaemonMessage,
  type ErrorCode,
  parseResult,
  type RequestType,
  type ResultOf,
} from './messages.js';

/** How long a request may wait for its answer, in milliseconds. */
export const REQUEST_TIMEOUT_MS = 30_000;

/** Why a request failed: a code the daemon sent (`ErrorCode`), or one decided on this side. */
export type RequestErrorCode =
  | ErrorCode
  | 'timeout' // no answer within the timeout
  | 'bad-response'; // the answer did not have the shape the request expects

/** A request that was refused or went unanswered; `message` is a sentence for people. */
export class RequestError extends Error {
  constructor(
    readonly code: RequestErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RequestError';
  }
}

/** A request as callers write it: its type and fields, without the `rid` the connection adds. */
export type RequestMessage<T extends RequestType> = { t: T } & DistributiveOmit<ClientMessageOf<T>, 'rid'>;

/** Omit that keeps a union a union. */
export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** The sentences people see when a request fails on this side, and how long an answer may take. */
export interface RequestOptions {
  /** Milliseconds to wait for each answer. */
  timeoutMs: number;
  /** Shown when the daemon did not answer in time. */
  timeoutMessage: string;
  /** Shown when the answer did not have the expected shape. */
  badResponseMessage: string;
}

type Pending = {
  type: RequestType;
  resolve: (data: unknown) => void;
  reject: (err: Error) => void;
  timer: ReturnType<typeof setTimeout>;
};

/** The requests of one connection that wait for their answer. */
export class PendingRequests {
  private nextRid = 1;
  private readonly pending = new Map<number, Pending>();
  private closedWith: Error | undefined;

  constructor(
    /** Sends a message on the connection (the request, with its `rid`, and its body if it has one). */
    private readonly send: (msg: ClientMessage, body?: Uint8Array) => void,
    private readonly options: RequestOptions,
  ) {}

  /** Sends a request (with its body, if the type has one); resolves with its validated result, rejects with RequestError or the close error. */
  request<T extends RequestType>(msg: RequestMessage<T>, body?: Uint8Array): Promise<ResultOf<T>> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const rid = this.nextRid++;
    return new Promise<ResultOf<T>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(rid);
        reject(new RequestError('timeout', this.options.timeoutMessage));
      }, this.options.timeoutMs);
      this.pending.set(rid, { type: msg.t, resolve: resolve as (data: unknown) => void, reject, timer });
      this.send({ ...msg, rid } as unknown as ClientMessage, body);
    });
  }

  /**
   * Settles the request a `result` (with its body) or `error {rid}` answers. Returns true when `msg` was such an answer
   * (also for a request that is no longer waiting, e.g. timed out), false for any other message.
   */
  settle(msg: DaemonMessage, body?: Uint8Array): boolean {
    if (msg.t !== 'result' && !(msg.t === 'error' && msg.rid !== undefined)) return false;
    const rid = msg.rid as number;
    const p = this.pending.get(rid);
    if (!p) return true;
    this.pending.delete(rid);
    clearTimeout(p.timer);
    if (msg.t === 'error') {
      p.reject(new RequestError(msg.code, msg.message));
      return true;
    }
    let data: unknown;
    try {
      data = parseResult(p.type, msg.data, body);
    } catch {
      p.reject(new RequestError('bad-response', this.options.badResponseMessage));
      return true;
    }
    p.resolve(data);
    return true;
  }

  /** The connection ended: rejects every waiting request, and every later one, with `err`. */
  close(err: Error): void {
    if (this.closedWith) return;
    this.closedWith = err;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
  }

  /** How many requests wait for their answer. */
  get size(): number {
    return this.pending.size;
  }
}
