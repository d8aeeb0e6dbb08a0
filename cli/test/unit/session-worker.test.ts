// The screen worker (session/screen-host.ts): every terminal session's screen and recording live in one
// worker thread. If it dies, each session gets a new screen from the output still buffered and its
// recording goes on in the same file; viewers never notice but for a line in the daemon's log.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { screenHost } from '../../src/session/screen-host.js';
import { agent, bytes, makeManager, TestViewer, waitFor } from '../fixtures/session-harness.js';

let env: ReturnType<typeof makeManager>;
afterEach(async () => {
  await env?.close();
});

describe('screen worker', () => {
  it('runs the screens in a worker thread, and sessions recover when it dies', async () => {
    env = makeManager();
    const { manager, log } = env;
    const { id } = manager.create({ command: agent(), cols: 80, rows: 24 });
    expect(screenHost().mode).toBe('worker');
    const viewer = new TestViewer(manager, true);
    manager.attach(id, viewer, { afterSeq: 0 });
    await waitFor('prompt', () => viewer.text().includes('> '));
    manager.input(id, viewer, bytes('echo before-crash\r'));
    await waitFor('echo', () => viewer.text().includes('before-crash\r\n'));
    const path = manager.recordingPath(id)!;
    await waitFor('the recording has it', () => readFileSync(path, 'utf8').includes('before-crash'));
    screenHost().terminateWorker();
    await waitFor('the loss is logged', () => log.lines.some((l) => /screen of session .* stopped/.test(l.text)));
    manager.input(id, viewer, bytes('echo after-crash\r'));
    await waitFor('echo', () => viewer.text().includes('after-crash\r\n'));
    // A new viewer gets a snapshot from the new screen, with what was printed before and after.
    const late = new TestViewer(manager, true);
    manager.attach(id, late, {});
    await waitFor('snapshot', () => late.of('session.snapshot').length === 1);
    expect(late.text()).toContain('before-crash');
    expect(late.text()).toContain('after-crash');
    await manager.kill(id);
    const recording = readFileSync(path, 'utf8');
    expect(recording).toContain('before-crash');
    expect(recording).toContain('after-crash');
    for (const line of recording.trimEnd().split('\n')) JSON.parse(line); // still valid asciicast lines
  });

  it('takes large output from the shared memory it was read into: the recording and a late snapshot have all of it', async () => {
    env = makeManager();
    const { manager } = env;
    const lines = 200_000; // about 1.3 MB: batches far above SHARED_BATCH_MIN_BYTES
    const { id } = manager.create({
      command: ['sh', '-c', `seq 1 ${lines}; read -r _`],
      cols: 80,
      rows: 24,
    });
    const viewer = new TestViewer(manager, true);
    manager.attach(id, viewer, { afterSeq: 0 });
    await waitFor('all output', () => viewer.text().includes(`\n${lines}\r\n`), 60_000);
    const late = new TestViewer(manager, true);
    manager.attach(id, late, {});
    await waitFor('snapshot', () => late.of('session.snapshot').length === 1);
    expect(late.text()).toContain(`${lines - 1}\r\n${lines}`);
    const path = manager.recordingPath(id)!;
    await manager.kill(id);
    const output = readFileSync(path, 'utf8')
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((line) => JSON.parse(line) as [number, string, string])
      .filter(([, kind]) => kind === 'o')
      .map(([, , text]) => text)
      .join('');
    const numbers = output.split('\r\n').filter((x) => /^\d+$/.test(x));
    expect(numbers.length).toBe(lines);
    expect(numbers.every((x, i) => Number(x) === i + 1)).toBe(true);
  });
});
