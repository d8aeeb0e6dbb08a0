// Every device connection the daemon holds, from its first byte to its close, whatever carries it (the
// local WebSocket, the tailnet, a relay). Bounds what one source, and everyone together, can keep in the
// handshake, and finds the connections of a device key (revocation must reach all of them).
//
// A handshake in progress costs memory and a timer. When a source (or everyone) has too many, the *oldest*
// one is closed to make room rather than the new one refused: a script holding connections open without
// finishing them cannot lock the owner out; to push a real handshake out it must open more connections
// than the cap within that handshake's few round trips, and each one costs it as much as the daemon.
import type { CloseKind } from '../channel/channel.js';
import { equalBytes } from '../channel/encoding.js';

/** Handshakes in progress (connected, not yet welcomed) kept at once, all sources together. */
export const MAX_HANDSHAKES_IN_PROGRESS = 256;
/** Handshakes in progress kept at once from one source (an IP address; loopback is one source). */
export const MAX_HANDSHAKES_PER_SOURCE = 64;
/** Established connections one source may hold (only paired devices get that far). */
export const MAX_CONNECTIONS_PER_SOURCE = 256;

/** What the table needs of a connection. */
export interface Admitted {
  /** Where it comes from (an IP address, `tailnet 100.64.0.2`, …): the unit of the per-source caps. */
  readonly source: string;
  /** The device's static key, once the handshake authenticated it. */
  readonly deviceKey: Uint8Array | undefined;
  close(kind: CloseKind, message: string): void;
}

const BUSY = 'Too many connections are being set up with this computer at once. Try again in a moment.';

/** The device connections of one daemon. */
export class ConnectionTable<T extends Admitted> {
  /** Handshakes in progress, oldest first (a Set keeps insertion order). */
  private readonly pending = new Set<T>();
  private readonly open = new Set<T>();

  /**
   * Admits a new connection, closing the oldest handshakes in progress beyond the caps. False (and the
   * connection is not tracked) when its source already holds MAX_CONNECTIONS_PER_SOURCE established ones.
   */
  admit(conn: T): boolean {
    if (this.count(this.open, conn.source) >= MAX_CONNECTIONS_PER_SOURCE) return false;
    // Oldest first (a Set iterates in insertion order, and deleting while iterating is safe).
    let fromSource = this.count(this.pending, conn.source);
    for (const old of this.pending) {
      if (fromSource < MAX_HANDSHAKES_PER_SOURCE) break;
      if (old.source !== conn.source) continue;
      this.evict(old);
      fromSource--;
    }
    for (const old of this.pending) {
      if (this.pending.size < MAX_HANDSHAKES_IN_PROGRESS) break;
      this.evict(old);
    }
    this.pending.add(conn);
    return true;
  }

  /** The connection finished its handshake and hello. */
  established(conn: T): void {
    if (this.pending.delete(conn)) this.open.add(conn);
  }

  /** The connection ended. */
  remove(conn: T): void {
    this.pending.delete(conn);
    this.open.delete(conn);
  }

  /** Every connection (in progress or established) authenticated with this device key. */
  withKey(key: Uint8Array): T[] {
    return [...this.pending, ...this.open].filter((c) => c.deviceKey !== undefined && equalBytes(c.deviceKey, key));
  }

  /** Handshakes in progress and established connections, for tests and status. */
  get size(): { pending: number; open: number } {
    return { pending: this.pending.size, open: this.open.size };
  }

  private evict(conn: T): void {
    this.pending.delete(conn);
    conn.close('rate-limited', BUSY);
  }

  private count(set: Set<T>, source: string): number {
    let n = 0;
    for (const c of set) if (c.source === source) n++;
    return n;
  }
}
