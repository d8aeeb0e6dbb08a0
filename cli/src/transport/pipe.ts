// The seam between what carries frames and the daemon. A transport (the local WebSocket, the tailnet
// through it, a relay channel) hands the daemon each new byte pipe from a peer; the daemon answers with
// the receiver of that pipe's frames. Transports import only this file's types, never daemon/: they
// differ only in how pipes arrive. Everything a device may do, and every limit, lives behind the pipe.
import type { CloseKind } from '../channel/channel.js';

/** Where a pipe comes from, for the per-source limits, logs and the device list. */
export interface PeerInfo {
  /**
   * The unit of the per-source limits and what logs name: an IP address ("127.0.0.1"), a tailnet IP
   * ("tailnet 100.64.0.2") or the client address a relay reported ("relay 203.0.113.5").
   */
  remote: string;
  /** The tailnet identity, e.g. "Pixel 8 · alice@", when the tailnet sidecar reported it. */
  tailnetIdentity?: string;
}

/** One peer's byte pipe, as the transport offers it: wire frames out, and a close with a reason. */
export interface FramePipe {
  readonly peer: PeerInfo;
  /**
   * Sends one wire frame, whole or as pieces that make it up back to back (one carrier message either
   * way); dropped once the pipe is closed.
   */
  send(frame: Uint8Array | readonly Uint8Array[]): void;
  /** Closes the pipe after the frames already sent, telling the carrier why (a WebSocket close code). */
  close(kind: CloseKind): void;
}

/** What the daemon gives back for a pipe: the transport calls it with what arrives. */
export interface PipeReceiver {
  /** One message from the peer: a wire frame, or text (which no carrier may send: the daemon refuses it). */
  frame(data: Uint8Array | string): void;
  /** The pipe ended (the peer went away, or the carrier dropped it). */
  closed(): void;
}

/** The daemon's side of the seam: takes a new pipe, returns its receiver. */
export type PipeSink = (pipe: FramePipe) => PipeReceiver;
