import { describe, expect, it } from 'vitest';
import { ACK_BYTES, SessionStream, type TerminalSink, type Timers } from '../../src/session-stream.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A terminal that records what it got and runs write callbacks when told to. */
function fakeTerminal() {
  const written: string[] = [];
  const pending: Array<() => void> = [];
  const calls: string[] = [];
  const sink: TerminalSink = {
    reset: () => calls.push('reset'),
    resize: (c, r) => calls.push(`resize ${c}x${r}`),
    write: (data, cb) => {
      written.push(new TextDecoder().decode(data));
      pending.push(cb);
    },
  };
  return {
    sink,
    written,
    calls,
    process: () => {
      for (const cb of pending.splice(0)) cb();
    },
  };
}

function fakeTimers() {
  const queue: Array<{ cb: () => void; handle: number }> = [];
  let next = 1;
  const timers: Timers = {
    set: (cb) => {
      const handle = next++;
      queue.push({ cb, handle });
      return handle;
    },
    clear: (h) => {
      const i = queue.findIndex((t) => t.handle === h);
      if (i >= 0) queue.splice(i, 1);
    },
  };
  return {
    timers,
    fire: () => {
      for (const t of queue.splice(0)) t.cb();
    },
    get count() {
      return queue.length;
    },
  };
}

describe('SessionStream', () => {
  it('writes a snapshot after resetting and resizing, and remembers its seq', () => {
    const t = fakeTerminal();
    const s = new SessionStream(t.sink, () => undefined, fakeTimers().timers);
    s.snapshot(10, 80, 24, text('0123456789'));
    expect(t.calls).toEqual(['reset', 'resize 80x24']);
    expect(t.written).toEqual(['0123456789']);
    expect(s.lastSeq).toBe(10);
  });

  it('skips output already shown and trims an overlap', () => {
    const t = fakeTerminal();
    const s = new SessionStream(t.sink, () => undefined, fakeTimers().timers);
    s.snapshot(5, 80, 24, text('hello'));
    s.output(5, text('hello')); // resent: all old
    s.output(7, text('lo, ')); // bytes 3..7: "lo" shown already, ", " new
    s.output(11, text('you!'));
    expect(t.written).toEqual(['hello', ', ', 'you!']);
    expect(s.lastSeq).toBe(11);
  });

  it('acks after the terminal processed the bytes, batched by a timer', () => {
    const t = fakeTerminal();
    const timers = fakeTimers();
    const acks: number[] = [];
    const s = new SessionStream(t.sink, (seq) => acks.push(seq), timers.timers);
    s.snapshot(0, 80, 24, text(''));
    s.output(3, text('abc'));
    s.output(6, text('def'));
    expect(acks).toEqual([]); // not processed yet
    t.process();
    expect(acks).toEqual([]); // batched
    expect(timers.count).toBe(1);
    timers.fire();
    expect(acks).toEqual([6]);
  });

  it('acks at once after a large amount of output', () => {
    const t = fakeTerminal();
    const timers = fakeTimers();
    const acks: number[] = [];
    const s = new SessionStream(t.sink, (seq) => acks.push(seq), timers.timers);
    s.snapshot(0, 80, 24, text(''));
    s.output(ACK_BYTES, new Uint8Array(ACK_BYTES));
    t.process();
    expect(acks).toEqual([ACK_BYTES]);
  });

  it('acks again after a re-attach even when nothing new arrived', () => {
    const t = fakeTerminal();
    const timers = fakeTimers();
    const acks: number[] = [];
    const s = new SessionStream(t.sink, (seq) => acks.push(seq), timers.timers);
    s.snapshot(4, 80, 24, text('abcd'));
    t.process();
    timers.fire();
    expect(acks).toEqual([4]);
    s.resetAcks();
    s.snapshot(4, 80, 24, text('abcd'));
    t.process();
    timers.fire();
    expect(acks).toEqual([4, 4]);
  });

  it('flush sends a pending ack at once; dispose stops everything', () => {
    const t = fakeTerminal();
    const timers = fakeTimers();
    const acks: number[] = [];
    const s = new SessionStream(t.sink, (seq) => acks.push(seq), timers.timers);
    s.snapshot(2, 80, 24, text('ab'));
    t.process();
    s.flush();
    expect(acks).toEqual([2]);
    expect(timers.count).toBe(0);
    s.dispose();
    s.output(4, text('cd'));
    expect(t.written).toEqual(['ab']);
  });
});
