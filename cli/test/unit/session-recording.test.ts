// Recordings: every session is an asciicast v2 file (parsed line by line here), rotated at its size cap.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { agent, bytes, makeManager, TestViewer, waitFor } from '../fixtures/session-harness.js';

let env: ReturnType<typeof makeManager>;
afterEach(async () => {
  await env?.close();
});

type CastEvent = [number, 'o' | 'r', string];

/** Parses an asciicast v2 file strictly: header line, then events with non-decreasing times. */
function parseCast(path: string): { header: Record<string, unknown>; events: CastEvent[] } {
  const lines = readFileSync(path, 'utf8').split('\n');
  expect(lines.pop()).toBe(''); // ends with a newline
  const header = JSON.parse(lines[0]!) as Record<string, unknown>;
  expect(header).toMatchObject({ version: 2, width: expect.any(Number), height: expect.any(Number) });
  expect(Number.isInteger(header.timestamp)).toBe(true);
  let last = 0;
  const events = lines.slice(1).map((line) => {
    const event = JSON.parse(line) as CastEvent;
    expect(event).toHaveLength(3);
    expect(typeof event[0]).toBe('number');
    expect(event[0]).toBeGreaterThanOrEqual(last);
    expect(['o', 'r']).toContain(event[1]);
    expect(typeof event[2]).toBe('string');
    last = event[0];
    return event;
  });
  return { header, events };
}

describe('recordings', () => {
  it('records output and resizes as valid asciicast v2', async () => {
    env = makeManager();
    const { manager, home } = env;
    const { id } = manager.create({ command: agent('color'), name: 'rec', cols: 80, rows: 24 });
    const viewer = new TestViewer(manager, true);
    manager.attach(id, viewer, { afterSeq: 0, cols: 70, rows: 20 });
    await waitFor('prompt', () => viewer.text().includes('> '));
    manager.input(id, viewer, bytes('echo héllo wörld ✓\r'));
    await waitFor('echo', () => viewer.text().includes('wörld ✓\r\n'));
    manager.input(id, viewer, bytes('exit 0\r'));
    await waitFor('exit', () => viewer.of('session.exit').length > 0);
    const path = manager.recordingPath(id)!;
    expect(path).toBe(join(home, 'recordings', `${id}.cast`));
    await manager.kill(id); // removes the session and flushes the recording
    expect(manager.recordingPath(id)).toBe(path); // still found after removal
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const { header, events } = parseCast(path);
    expect(header).toMatchObject({ width: 80, height: 24, title: 'rec' });
    expect(header.command).toContain('fake-agent.mjs');
    const output = events
      .filter((e) => e[1] === 'o')
      .map((e) => e[2])
      .join('');
    expect(output).toBe(viewer.outputBytes().toString('utf8'));
    expect(events.filter((e) => e[1] === 'r').map((e) => e[2])).toEqual(['70x20']);
  });

  it('records every output chunk: the output events of a long session are exactly what a viewer got', async () => {
    // Small chunks: the 300 KiB below reach the recorder as hundreds of chunks, each of which must be kept.
    env = makeManager({ outputChunkBytes: 512 });
    const { manager } = env;
    const { id } = manager.create({ command: agent('bulk 300', 'count 500', 'exit 0'), cols: 80, rows: 24 });
    const viewer = new TestViewer(manager, true);
    manager.attach(id, viewer, { afterSeq: 0 });
    await waitFor('exit', () => viewer.of('session.exit').length > 0);
    const path = manager.recordingPath(id)!;
    await manager.kill(id);
    viewer.assertContiguous();
    const received = viewer.outputBytes();
    expect(received.length).toBeGreaterThan(300 * 1024);
    // (The recorder may join chunks that arrive close together into one event: compare the bytes.)
    const output = parseCast(path).events.filter((e) => e[1] === 'o');
    expect(
      Buffer.from(output.map((e) => e[2]).join(''), 'utf8').equals(received),
      'the recording holds every byte the viewer got, in order',
    ).toBe(true);
  });

  it('rotates a recording at its size cap and keeps a few old files', async () => {
    env = makeManager({ recordingMaxBytes: 16 * 1024, recordingKeepFiles: 2 });
    const { manager } = env;
    const { id } = manager.create({ command: agent('bulk 200', 'exit 0'), cols: 80, rows: 24 });
    const viewer = new TestViewer(manager, true);
    manager.attach(id, viewer, { afterSeq: 0 });
    await waitFor('exit', () => viewer.of('session.exit').length > 0);
    const path = manager.recordingPath(id)!;
    await manager.kill(id);
    expect(existsSync(`${path}.1`)).toBe(true);
    expect(existsSync(`${path}.2`)).toBe(true);
    expect(existsSync(`${path}.3`)).toBe(false);
    expect(existsSync(`${path}.new`)).toBe(false);
    const files = [`${path}.2`, `${path}.1`, path];
    for (const file of files) {
      expect(statSync(file).size).toBeLessThanOrEqual(16 * 1024 + 40 * 1024);
      parseCast(file);
    }
    // The newest files hold the end of the output, in order.
    const tail = files
      .map((f) =>
        parseCast(f)
          .events.filter((e) => e[1] === 'o')
          .map((e) => e[2])
          .join(''),
      )
      .join('');
    expect(viewer.outputBytes().toString('utf8').endsWith(tail)).toBe(true);
    expect(tail).toContain('bye 0');
  });
});
