// The daemon's table of device connections: caps on handshakes in progress (per source and for everyone)
// that push out the oldest rather than refuse the newest, a cap on established connections per source,
// and finding every connection of a device key.
import { describe, expect, it } from 'vitest';
import type { CloseKind } from '../../src/channel/channel.js';
import {
  type Admitted,
  ConnectionTable,
  MAX_CONNECTIONS_PER_SOURCE,
  MAX_HANDSHAKES_IN_PROGRESS,
  MAX_HANDSHAKES_PER_SOURCE,
} from '../../src/daemon/admission.js';

class Fake implements Admitted {
  closedWith: CloseKind | undefined;
  deviceKey: Uint8Array | undefined;
  constructor(
    readonly source: string,
    private readonly table: ConnectionTable<Fake>,
  ) {}
  close(kind: CloseKind): void {
    this.closedWith ??= kind;
    this.table.remove(this);
  }
}

function open(table: ConnectionTable<Fake>, source: string): Fake {
  const c = new Fake(source, table);
  if (!table.admit(c)) c.closedWith = 'rate-limited';
  return c;
}

describe('ConnectionTable', () => {
  it('keeps at most MAX_HANDSHAKES_PER_SOURCE handshakes of one source, closing the oldest', () => {
    const table = new ConnectionTable<Fake>();
    const conns = Array.from({ length: MAX_HANDSHAKES_PER_SOURCE + 3 }, () => open(table, '127.0.0.1'));
    expect(conns.slice(0, 3).map((c) => c.closedWith)).toEqual(['rate-limited', 'rate-limited', 'rate-limited']);
    expect(conns.slice(3).every((c) => c.closedWith === undefined)).toBe(true);
    // Another source is not affected.
    expect(open(table, 'tailnet 100.64.0.9').closedWith).toBeUndefined();
    expect(table.size.pending).toBe(MAX_HANDSHAKES_PER_SOURCE + 1);
  });

  it('keeps at most MAX_HANDSHAKES_IN_PROGRESS handshakes in all, closing the oldest', () => {
    const table = new ConnectionTable<Fake>();
    const conns = Array.from({ length: MAX_HANDSHAKES_IN_PROGRESS + 1 }, (_, i) => open(table, `10.0.0.${i}`));
    expect(conns[0]!.closedWith).toBe('rate-limited');
    expect(conns.slice(1).every((c) => c.closedWith === undefined)).toBe(true);
    expect(table.size.pending).toBe(MAX_HANDSHAKES_IN_PROGRESS);
  });

  it('never closes established connections to make room; caps them per source instead', () => {
    const table = new ConnectionTable<Fake>();
    const paired = open(table, '127.0.0.1');
    table.established(paired);
    for (let i = 0; i < MAX_HANDSHAKES_IN_PROGRESS * 2; i++) open(table, '127.0.0.1');
    expect(paired.closedWith).toBeUndefined();
    for (let i = 0; i < MAX_CONNECTIONS_PER_SOURCE; i++) {
      const c = open(table, '10.1.1.1');
      table.established(c);
    }
    const established = table.size.open;
    expect(open(table, '10.1.1.1').closedWith).toBe('rate-limited');
    expect(table.size.open).toBe(established);
  });

  it('finds every connection of a key, in its handshake or established', () => {
    const table = new ConnectionTable<Fake>();
    const key = new Uint8Array(32).fill(7);
    const a = open(table, 'x');
    const b = open(table, 'y');
    const c = open(table, 'z');
    a.deviceKey = key;
    b.deviceKey = Uint8Array.from(key);
    c.deviceKey = new Uint8Array(32);
    table.established(a);
    expect(table.withKey(key)).toEqual([b, a]);
    table.remove(a);
    expect(table.withKey(key)).toEqual([b]);
  });
});
