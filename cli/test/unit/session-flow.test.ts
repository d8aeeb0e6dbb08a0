// Flow control with real PTYs: a viewer that stops reading holds back neither the other viewers nor
// the agent, memory stays bounded during a flood, Ctrl-C stops a flood promptly, and a viewer that
// comes back catches up (with a snapshot when what it missed fell out of the buffer).
import { afterEach, describe, expect, it } from 'vitest';
import type { SessionStats } from '../../src/session/manager.js';
import { RECORDING_BATCH_BYTES } from '../../src/session/recorder.js';
import { agent, bytes, makeManager, sleep, TestViewer, waitFor } from '../fixtures/session-harness.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const limits = {
  outputChunkBytes: 32 * KiB,
  outputBufferBytes: 512 * KiB,
  highWatermarkBytes: 64 * KiB,
  lowWatermarkBytes: 16 * KiB,
  screenBacklogBytes: 128 * KiB,
  recordingQueueBytes: 1 * MiB,
};

let env: ReturnType<typeof makeManager>;
afterEach(async () => {
  await env?.close();
});

/** Samples a session's stats every few ms, keeping the maximum of each. */
function sampleStats(read: () => SessionStats | undefined): { max: SessionStats; stop: () => void } {
  const max: SessionStats = {
    bufferedBytes: 0,
    screenBacklogBytes: 0,
    coalescingBytes: 0,
    recordingQueueBytes: 0,
    ptyPaused: false,
  };
  const timer = setInterval(() => {
    const s = read();
    if (!s) return;
    max.bufferedBytes = Math.max(max.bufferedBytes, s.bufferedBytes);
    max.screenBacklogBytes = Math.max(max.screenBacklogBytes, s.screenBacklogBytes);
    max.coalescingBytes = Math.max(max.coalescingBytes, s.coalescingBytes);
    max.recordingQueueBytes = Math.max(max.recordingQueueBytes, s.recordingQueueBytes);
    max.ptyPaused ||= s.ptyPaused;
  }, 5);
  return { max, stop: () => clearInterval(timer) };
}

/** A flooding session whose only viewer never acks (it stalls after `stalledViewerMs`). */
async function floodWithStuckViewer(stalledViewerMs: number) {
  env = makeManager({ ...limits, stalledViewerMs });
  const { manager } = env;
  const { id } = manager.create({ command: agent(), cols: 80, rows: 24 });
  const stuck = new TestViewer(manager, false, 256 * KiB);
  manager.attach(id, stuck, { afterSeq: 0 });
  await waitFor('prompt', () => stuck.tail().includes('> '));
  manager.input(id, stuck, bytes('flood\r'));
  return { manager, id, stuck };
}

describe('flow control', () => {
  it('a viewer that stops reading holds back neither the others nor the agent; Ctrl-C stops the flood', async () => {
    env = makeManager({ ...limits, stalledViewerMs: 60_000 });
    const { manager } = env;
    const { id } = manager.create({ command: agent(), cols: 80, rows: 24 });
    const fast = new TestViewer(manager, true, 256 * KiB);
    const stuck = new TestViewer(manager, false, 256 * KiB);
    manager.attach(id, fast, { afterSeq: 0 });
    manager.attach(id, stuck, { afterSeq: 0 });
    await waitFor('prompt', () => fast.tail().includes('> '));
    const stats = sampleStats(() => manager.stats(id));
    manager.input(id, fast, bytes('flood\r'));
    // The fast viewer keeps getting output: many times what the stuck viewer may hold unacked.
    await waitFor('fast viewer gets the flood', () => fast.lastSeq > 3 * MiB, 30_000);
    expect(stuck.bytesSinceSnapshot).toBeLessThanOrEqual(limits.highWatermarkBytes + 32 * KiB);
    const before = manager.get(id)!.seq;
    await sleep(200);
    expect(manager.get(id)!.seq).toBeGreaterThan(before); // the agent is not held back
    // Ctrl-C takes effect promptly, during the flood.
    manager.input(id, fast, bytes('\x03'));
    await waitFor('flood stopped', () => fast.tail().includes('stopped'), 5000);
    stats.stop();
    // Memory stayed bounded (the default limits are larger; these are the test's).
    expect(stats.max.bufferedBytes).toBeLessThanOrEqual(limits.outputBufferBytes + 64 * KiB);
    expect(stats.max.screenBacklogBytes).toBeLessThanOrEqual(limits.screenBacklogBytes + 128 * KiB);
    expect(stats.max.coalescingBytes).toBeLessThanOrEqual(128 * KiB);
    // The recording's queue, plus the output event it is gathering (at most RECORDING_BATCH_BYTES).
    expect(stats.max.recordingQueueBytes).toBeLessThanOrEqual(limits.recordingQueueBytes + RECORDING_BATCH_BYTES);
    fast.assertContiguous();
    // The stuck viewer reads again: it gets a snapshot (what it missed fell out) and then the rest.
    stuck.autoAck = true;
    manager.ack(id, stuck, stuck.lastSeq);
    await waitFor('snapshot', () => stuck.of('session.snapshot').length === 1);
    await waitFor('stuck viewer caught up', () => stuck.lastSeq === manager.get(id)!.seq);
    stuck.assertContiguous();
    expect(stuck.tail()).toContain('stopped');
  });

  it('keeps the agent paused while its only viewer is behind, and resumes it when the viewer catches up', async () => {
    // The viewer never counts as stalled here: only its acks may release the agent.
    const { manager, id, stuck } = await floodWithStuckViewer(60_000);
    await waitFor('paused', () => manager.stats(id)!.ptyPaused, 5000);
    const pausedSeq = manager.get(id)!.seq;
    await sleep(500);
    // Still held (a kernel buffer's worth may trickle in), and the viewer got no more than it may hold.
    expect(manager.stats(id)!.ptyPaused).toBe(true);
    expect(manager.get(id)!.seq - pausedSeq).toBeLessThan(128 * KiB);
    expect(stuck.bytesSinceSnapshot).toBeLessThanOrEqual(limits.highWatermarkBytes + 32 * KiB);
    // The viewer reads again: the agent runs, and the viewer keeps up with it.
    stuck.autoAck = true;
    manager.ack(id, stuck, stuck.lastSeq);
    await waitFor('running again', () => manager.get(id)!.seq > pausedSeq + 2 * MiB, 20_000);
    manager.input(id, stuck, bytes('\x03'));
    await waitFor('stopped', () => stuck.tail().includes('stopped'), 5000);
    stuck.assertContiguous();
  });

  it('lets the agent run once its only viewer stalls (acknowledges nothing for stalledViewerMs)', async () => {
    const { manager, id, stuck } = await floodWithStuckViewer(300);
    // The viewer never acks: the agent is held only until the viewer counts as stalled.
    await waitFor('running past the stalled viewer', () => manager.get(id)!.seq > 2 * MiB, 20_000);
    expect(stuck.bytesSinceSnapshot).toBeLessThanOrEqual(limits.highWatermarkBytes + 32 * KiB);
    manager.input(id, stuck, bytes('\x03'));
    const late = new TestViewer(manager, true, 256 * KiB);
    await waitFor('stopped', () => {
      manager.attach(id, late, {});
      return late.tail().includes('stopped');
    });
  });

  it('loses no output when the command ends while its output is paused', async () => {
    // Small watermarks: the viewer is behind after ~12 KiB; the rest fits in the kernel's and Node's buffers.
    const small = { highWatermarkBytes: 8 * KiB, lowWatermarkBytes: 2 * KiB, outputChunkBytes: 4 * KiB };
    env = makeManager({ ...limits, ...small, stalledViewerMs: 60_000 });
    const { manager } = env;
    const stuck = new TestViewer(manager, false);
    const { id } = manager.create({
      command: agent('bulk 16', 'sleep 300', 'echo tail-marker', 'exit 7'),
      cols: 80,
      rows: 24,
    });
    manager.attach(id, stuck, { afterSeq: 0 });
    await waitFor('paused', () => manager.stats(id)!.ptyPaused, 5000);
    await waitFor('exit', () => manager.get(id)!.state === 'exited', 5000);
    expect(stuck.of('session.exit')).toEqual([]); // it has not been sent everything yet
    stuck.autoAck = true;
    manager.ack(id, stuck, stuck.lastSeq);
    await waitFor('exit sent', () => stuck.of('session.exit').length === 1);
    expect(stuck.text()).toContain('tail-marker');
    expect(stuck.of('session.exit')[0]).toMatchObject({ exitCode: 7 });
    stuck.assertContiguous();
    expect(stuck.outputBytes().length).toBe(manager.get(id)!.seq);
  });

  it('runs freely with no viewer, and the screen keeps up', async () => {
    env = makeManager(limits);
    const { manager } = env;
    const { id } = manager.create({ command: agent('flood'), cols: 80, rows: 24 });
    const stats = sampleStats(() => manager.stats(id));
    await waitFor('flood without viewers', () => manager.get(id)!.seq > 2 * MiB, 20_000);
    const viewer = new TestViewer(manager, true, 256 * KiB);
    manager.attach(id, viewer, {});
    manager.input(id, viewer, bytes('\x03'));
    await waitFor('stopped', () => viewer.tail().includes('stopped'), 5000);
    stats.stop();
    expect(stats.max.screenBacklogBytes).toBeLessThanOrEqual(limits.screenBacklogBytes + 128 * KiB);
    expect(stats.max.bufferedBytes).toBeLessThanOrEqual(limits.outputBufferBytes + 64 * KiB);
    expect(viewer.of('session.snapshot')).toHaveLength(1);
    viewer.assertContiguous();
  });
});
