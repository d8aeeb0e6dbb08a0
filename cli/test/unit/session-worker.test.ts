// The screen worker (session/screen-host.ts): every terminal session's screen and recording live in one
// worker thread. If it dies, each session gets a new screen from the output still buffered and its
// recording goes on in the same file; viewers never notice but for a line in the daemon's log.
import { readFileSync } from 'node:fs';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ScreenTail } from '../../src/session/prompt.js';
import { type RemoteScreen, ScreenHost, screenHost } from '../../src/session/screen-host.js';
import type { FromScreen, ScreenOpen, ToScreen } from '../../src/session/screen-protocol.js';
import { castOutputText } from '../fixtures/cast-output.js';
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
    const output = castOutputText(path);
    const numbers = output.split('\r\n').filter((x) => /^\d+$/.test(x));
    expect(numbers.length).toBe(lines);
    expect(numbers.every((x, i) => Number(x) === i + 1)).toBe(true);
  });
});

const OPEN: ScreenOpen = { cols: 20, rows: 5, scrollbackLines: 100, recording: null };

/** A screen and what it told its session. */
function openScreen(host: ScreenHost): { screen: RemoteScreen; lost: string[] } {
  const lost: string[] = [];
  const screen = host.open(OPEN, { reply() {}, progress() {}, warn() {}, lost: (m) => lost.push(m) });
  return { screen, lost };
}

/** Writes `line` and returns the bottom of the screen after it. */
async function echo(screen: RemoteScreen, line: string, endSeq: number): Promise<ScreenTail> {
  screen.write(new TextEncoder().encode(line), endSeq);
  return screen.tail();
}

describe('the screen worker of a process', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.doUnmock('node:worker_threads');
    vi.resetModules();
  });

  it('is one for the whole process', () => {
    expect(screenHost()).toBe(screenHost());
  });

  it('serves every screen from one worker, ended with the last screen and started again with the next', async () => {
    const host = new ScreenHost();
    expect(host.mode).toBe('none');
    const a = openScreen(host);
    const b = openScreen(host);
    expect(host.mode).toBe('worker');
    await a.screen.close();
    expect(host.mode).toBe('worker');
    expect((await echo(b.screen, 'still here', 10)).cursorLine).toBe('still here');
    await b.screen.close();
    expect(host.mode).toBe('none');
    const c = openScreen(host);
    expect(host.mode).toBe('worker');
    expect((await echo(c.screen, 'new worker', 10)).cursorLine).toBe('new worker');
    await c.screen.close();
    expect([a.lost, b.lost, c.lost]).toEqual([[], [], []]);
  });

  it('tells every screen when the worker dies, and starts a new one for the next screen', async () => {
    const host = new ScreenHost();
    const a = openScreen(host);
    const b = openScreen(host);
    await echo(a.screen, 'a', 1);
    host.terminateWorker();
    await vi.waitFor(() =>
      expect([a.lost, b.lost]).toEqual([['the worker exited (code 1)'], ['the worker exited (code 1)']]),
    );
    expect(host.mode).toBe('none');
    await expect(a.screen.tail()).rejects.toThrow('This screen is closed.');
    const c = openScreen(host);
    expect(host.mode).toBe('worker');
    expect((await echo(c.screen, 'after', 5)).cursorLine).toBe('after');
    await c.screen.close();
    expect(host.mode).toBe('none');
  });

  it('reports an uncaught error in the worker with its stack, once, also to a screen opened when it was heard', async () => {
    const posted = vi.spyOn(Worker.prototype, 'postMessage');
    const host = new ScreenHost();
    const a = openScreen(host);
    await echo(a.screen, 'a', 1);
    const first = posted.mock.contexts[0] as Worker;
    const exited = new Promise((resolve) => first.once('exit', resolve));
    let b: ReturnType<typeof openScreen> | undefined;
    const lost = a.lost;
    lost.push = (m: string) => {
      b = openScreen(host); // as a session does: a new screen at once
      return Array.prototype.push.call(lost, m);
    };
    host.post(null as unknown as ToScreen); // a message the worker cannot take: a bug that kills it
    await vi.waitFor(() => expect(a.lost).toHaveLength(1));
    expect(a.lost[0]).toMatch(/^TypeError: .*null[\s\S]*\n {4}at /);
    expect(host.mode).toBe('worker');
    const terminated = vi.spyOn(Worker.prototype, 'terminate');
    // The first worker's exit, which follows its error, is not the new worker's loss.
    expect(await exited).toBe(1);
    expect((await echo(b!.screen, 'b', 1)).cursorLine).toBe('b');
    await b!.screen.close();
    expect(terminated).toHaveBeenCalledTimes(1);
    expect(host.mode).toBe('none');
    expect([a.lost.length, b!.lost]).toEqual([1, []]);
  });

  it('a worker ended with its last screen is no loss for a screen opened in the new worker meanwhile', async () => {
    const terminate = vi.spyOn(Worker.prototype, 'terminate');
    const host = new ScreenHost();
    const a = openScreen(host);
    await a.screen.close();
    const b = openScreen(host);
    expect(terminate).toHaveBeenCalledTimes(1);
    expect(await terminate.mock.results[0]?.value).toBe(1); // the first worker has exited
    await new Promise((resolve) => setImmediate(resolve));
    expect((await echo(b.screen, 'b', 1)).cursorLine).toBe('b');
    expect(b.lost).toEqual([]);
    expect(host.mode).toBe('worker');
    await b.screen.close();
  });

  it('runs the screens in the main thread where no worker can start, with a warning', async () => {
    vi.doMock('node:worker_threads', async (original) => ({
      ...(await original<typeof import('node:worker_threads')>()),
      Worker: class {
        constructor() {
          throw new Error('worker threads are not available');
        }
      },
    }));
    vi.resetModules();
    const { ScreenHost: MainThreadHost } = await import('../../src/session/screen-host.js');
    const warned = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const host = new MainThreadHost();
    const replies: string[] = [];
    const lost: string[] = [];
    const screen = host.open(OPEN, {
      reply: (r) => replies.push(r),
      progress() {},
      warn() {},
      lost: (m) => lost.push(m),
    });
    expect(host.mode).toBe('main thread');
    expect(warned.mock.calls).toEqual([['paseo: screens run in the main thread (worker threads are not available)']]);
    expect((await echo(screen, 'hello\x1b[6n', 9)).cursorLine).toBe('hello');
    expect(replies).toEqual(['\x1b[1;6R']);
    const snap = await screen.snapshot();
    expect(snap.seq).toBe(9);
    expect(Buffer.from(snap.body).toString()).toContain('hello');
    host.terminateWorker(); // nothing to end: the screens go on
    expect((await echo(screen, ' world', 15)).cursorLine).toBe('hello world');
    await screen.close();
    expect(host.mode).toBe('none');
    expect(lost).toEqual([]);
  });

  it("the worker's entry serves screens over its parent port, and refuses to run outside a worker", async () => {
    const { port1, port2 } = new MessageChannel();
    const posted = vi.spyOn(port1, 'postMessage');
    vi.doMock('node:worker_threads', async (original) => ({
      ...(await original<typeof import('node:worker_threads')>()),
      parentPort: port1,
    }));
    vi.resetModules();
    await import('../../src/session/screen-worker.js');
    const answers: FromScreen[] = [];
    port2.on('message', (msg: FromScreen) => answers.push(msg));
    const send = (msg: ToScreen): void => port2.postMessage(msg);
    send({ op: 'open', id: 1, open: OPEN });
    send({ op: 'data', id: 1, parts: [new TextEncoder().encode('hi')], ends: [2], times: [0], record: true });
    send({ op: 'snapshot', id: 1, req: 1 });
    send({ op: 'tail', id: 1, req: 2 });
    // Progress is reported once the messages waiting are handled: its place among the answers may vary.
    const byOp = (): Map<string, [FromScreen, number]> =>
      new Map(answers.map((a, i) => [a.op, [a, (posted.mock.calls[i]![1] as ArrayBuffer[]).length]]));
    await vi.waitFor(() => expect([...byOp().keys()].sort()).toEqual(['progress', 'snapshot', 'tail']));
    const [snap, snapTransfers] = byOp().get('snapshot') as [Extract<FromScreen, { op: 'snapshot' }>, number];
    expect([snap.req, snap.seq, Buffer.from(snap.body).toString()]).toEqual([1, 2, expect.stringContaining('hi')]);
    expect(byOp().get('tail')).toEqual([{ op: 'tail', id: 1, req: 2, tail: { cursorLine: 'hi', above: [] } }, 0]);
    expect(byOp().get('progress')).toEqual([
      { op: 'progress', id: 1, seq: 2, recordingQueueBytes: 0, heldBytes: expect.any(Number) },
      0,
    ]);
    // The snapshot's buffer moved to this thread rather than being copied; other answers move nothing.
    expect(snapTransfers).toBe(1);
    closePorts(port1, port2);

    vi.doMock('node:worker_threads', async (original) => ({
      ...(await original<typeof import('node:worker_threads')>()),
      parentPort: null,
    }));
    vi.resetModules();
    await expect(import('../../src/session/screen-worker.js')).rejects.toThrow(
      /^screen-worker\.ts runs as a worker thread$/,
    );
  });

  it("uses the worker's code the build put in the bundle as it is", async () => {
    const global = globalThis as { __PASEO_SCREEN_WORKER__?: string };
    global.__PASEO_SCREEN_WORKER__ = '/* the bundled worker */';
    try {
      vi.resetModules();
      const { screenWorkerCode } = await import('../../src/session/screen-worker-code.js');
      expect(screenWorkerCode()).toBe('/* the bundled worker */');
    } finally {
      delete global.__PASEO_SCREEN_WORKER__;
    }
  });

  it("bundles the worker's code from source once, as one script a worker runs", async () => {
    vi.resetModules();
    const { screenWorkerCode } = await import('../../src/session/screen-worker-code.js');
    const code = screenWorkerCode();
    expect(screenWorkerCode()).toBe(code);
    expect(code).not.toMatch(/require\(["']\.\//); // everything it imports is inside
    const worker = new Worker(code, { eval: true });
    try {
      const answer = new Promise<FromScreen>((resolve) => worker.once('message', resolve));
      worker.postMessage({ op: 'open', id: 7, open: OPEN } satisfies ToScreen);
      worker.postMessage({ op: 'tail', id: 7, req: 1 } satisfies ToScreen);
      expect(await answer).toEqual({ op: 'tail', id: 7, req: 1, tail: { cursorLine: '', above: [] } });
    } finally {
      await worker.terminate();
    }
  });
});

function closePorts(...ports: MessagePort[]): void {
  for (const port of ports) port.close();
}
