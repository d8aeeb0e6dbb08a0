// Sessions with real PTYs and real processes (the fake agent): start, attach, type, resize, resume,
// snapshots, exit and kill. Flow control and recordings are in session-flow / session-recording tests.
import { afterEach, describe, expect, it } from 'vitest';
import { SessionError } from '../../src/session/manager.js';
import { agent, bytes, makeManager, sleep, TestViewer, waitFor } from '../fixtures/session-harness.js';

let env: ReturnType<typeof makeManager>;
afterEach(async () => {
  await env?.close();
});

describe('sessions', () => {
  it('starts a command and sends a snapshot with the coloured screen to the first viewer', async () => {
    env = makeManager();
    const { manager } = env;
    const info = manager.create({ command: agent('color'), cols: 80, rows: 24, cwd: '/tmp' });
    expect(info).toMatchObject({ state: 'running', cols: 80, rows: 24, cwd: '/tmp', viewers: 0, exitCode: null });
    expect(info.id).toMatch(/^[a-km-np-z2-9]{8}$/);
    expect(info.name).toBe('node');
    await waitFor('output taken in by the screen', () => {
      const stats = manager.stats(info.id)!;
      return manager.get(info.id)!.seq > 100 && stats.coalescingBytes === 0 && stats.screenBacklogBytes === 0;
    });
    const viewer = new TestViewer(manager, true);
    manager.attach(info.id, viewer, {});
    // The screen worker answers the snapshot asynchronously (the size may be told before it).
    await waitFor('snapshot', () => viewer.of('session.snapshot').length > 0);
    const [snap] = viewer.of('session.snapshot');
    expect(snap).toMatchObject({ sessionId: info.id, cols: 80, rows: 24 });
    const body = Buffer.from(viewer.got.find((g) => g.msg.t === 'session.snapshot')!.body!).toString('utf8');
    expect(body).toContain('\x1b[0;1;32mgreen bold');
    expect(body).toContain('\x1b[0;38;2;255;128;0morange');
    expect(body).toContain('\x1b[0;44mblue bg');
    expect(manager.get(info.id)!.viewers).toBe(1);
  });

  it('passes keystrokes to the agent and flags a question as waiting for input', async () => {
    env = makeManager({ promptIdleMs: 300 });
    const { manager } = env;
    const { id } = manager.create({ command: agent(), cols: 80, rows: 24 });
    const viewer = new TestViewer(manager, true);
    manager.attach(id, viewer, { afterSeq: 0 });
    await waitFor('prompt', () => viewer.text().includes('> '));
    manager.input(id, viewer, bytes('ask\r'));
    await waitFor('question', () => viewer.text().includes('Proceed? (y/n) '));
    await waitFor('waitingForInput', () => manager.get(id)!.waitingForInput);
    manager.input(id, viewer, bytes('y\r'));
    expect(manager.get(id)!.waitingForInput).toBe(false);
    await waitFor('answer', () => viewer.text().includes('yes!'));
  });

  it('follows the size of the viewer that typed last (or watches alone, or takes it) and says who set it', async () => {
    env = makeManager();
    const { manager } = env;
    const { id } = manager.create({ command: agent(), cols: 80, rows: 24 });
    const phone = Object.assign(new TestViewer(manager, true), { name: 'Pixel 8' });
    const laptop = Object.assign(new TestViewer(manager, true), { name: 'Laptop' });
    const sized = (v: TestViewer) => v.of('session.resized').at(-1);
    // Alone, the laptop sets the size by attaching; the phone attaching next changes nothing.
    manager.attach(id, laptop, { afterSeq: 0, cols: 100, rows: 30 });
    manager.attach(id, phone, { afterSeq: 0, cols: 50, rows: 30 });
    await waitFor('prompt', () => laptop.text().includes('> '));
    expect(manager.get(id)).toMatchObject({ cols: 100, rows: 30 });
    expect(sized(laptop)).toEqual({
      t: 'session.resized',
      sessionId: id,
      cols: 100,
      rows: 30,
      by: 'Laptop',
      yours: true,
    });
    expect(sized(phone)).toEqual({
      t: 'session.resized',
      sessionId: id,
      cols: 100,
      rows: 30,
      by: 'Laptop',
      yours: false,
    });
    // The phone types: the session takes its size first, and every viewer is told who has it.
    manager.input(id, phone, bytes('size\r'));
    expect(manager.get(id)).toMatchObject({ cols: 50, rows: 30 });
    expect(sized(laptop)).toMatchObject({ cols: 50, rows: 30, by: 'Pixel 8', yours: false });
    expect(sized(phone)).toMatchObject({ cols: 50, rows: 30, by: 'Pixel 8', yours: true });
    await waitFor('agent sees the new size', () => laptop.text().includes('size 50x30'));
    await waitFor('SIGWINCH', () => laptop.text().includes('winch 50x30'));
    // The phone rotates: the session follows at once.
    manager.resize(id, phone, 30, 50);
    await waitFor('winch', () => laptop.text().includes('winch 30x50'));
    // The laptop resizes without typing: nothing changes until it types…
    manager.resize(id, laptop, 120, 40);
    expect(manager.get(id)).toMatchObject({ cols: 30, rows: 50 });
    manager.input(id, laptop, bytes('size\r'));
    await waitFor('laptop size', () => phone.text().includes('size 120x40'));
    expect(sized(phone)).toMatchObject({ cols: 120, rows: 40, by: 'Laptop', yours: false });
    // …or the phone takes the size on purpose, without typing.
    manager.resize(id, phone, 30, 50, true);
    expect(manager.get(id)).toMatchObject({ cols: 30, rows: 50 });
    expect(sized(laptop)).toMatchObject({ cols: 30, rows: 50, by: 'Pixel 8', yours: false });
    // The phone leaves: the laptop, alone now, gets its size back.
    manager.detach(id, phone);
    expect(manager.get(id)).toMatchObject({ cols: 120, rows: 40 });
    expect(sized(laptop)).toMatchObject({ cols: 120, rows: 40, by: 'Laptop', yours: true });
  });

  it('says who ended a session', async () => {
    env = makeManager();
    const { manager } = env;
    const { id } = manager.create({ command: agent(), cols: 80, rows: 24 });
    const viewer = new TestViewer(manager, true);
    manager.attach(id, viewer, { afterSeq: 0 });
    await waitFor('prompt', () => viewer.text().includes('> '));
    await manager.kill(id, 'Pixel 8');
    expect(viewer.of('session.exit')).toEqual([
      { t: 'session.exit', sessionId: id, exitCode: null, signal: 'SIGHUP', by: 'Pixel 8' },
    ]);
  });

  it('removes an ended session, and refuses to remove one that runs', async () => {
    env = makeManager();
    const { manager } = env;
    const running = manager.create({ command: agent(), cols: 80, rows: 24 });
    const ended = manager.create({ command: agent('exit 2'), cols: 80, rows: 24 });
    await waitFor('exit', () => manager.get(ended.id)?.state === 'exited');
    await expect(manager.remove(running.id)).rejects.toThrow(/still running/);
    await manager.remove(ended.id);
    expect(manager.list().map((s) => s.id)).toEqual([running.id]);
    await expect(manager.remove('nosuchid')).rejects.toThrow(/There is no session/);
  });

  it('shows the last line of the screen in lists, and the question when it waits for one', async () => {
    env = makeManager({ promptIdleMs: 200 });
    const { manager } = env;
    const { id } = manager.create({ command: agent('echo compiling done'), cols: 80, rows: 24 });
    const viewer = new TestViewer(manager, true);
    manager.attach(id, viewer, { afterSeq: 0 });
    await waitFor('prompt', () => viewer.text().includes('compiling done'));
    // The fake agent's bare "> " prompt is no question: no badge; the card shows the prompt line.
    await new Promise((r) => setTimeout(r, 500));
    expect(manager.get(id)).toMatchObject({ waitingForInput: false, lastLine: '>' });
    manager.input(id, viewer, bytes('ask\r'));
    await waitFor('waitingForInput', () => manager.get(id)!.waitingForInput);
    expect(manager.get(id)!.lastLine).toBe('Proceed? (y/n)');
  });

  it('resumes after detach with exactly the missed bytes, no gap and nothing twice', async () => {
    env = makeManager();
    const { manager } = env;
    const { id } = manager.create({ command: agent(), cols: 80, rows: 24 });
    const reference = new TestViewer(manager, true);
    manager.attach(id, reference, { afterSeq: 0 });
    const phone = new TestViewer(manager, true);
    manager.attach(id, phone, { afterSeq: 0 });
    manager.input(id, phone, bytes('count 300\r'));
    await waitFor('first batch', () => phone.text().includes('line 300\r'));
    manager.detach(id, phone);
    expect(manager.get(id)!.viewers).toBe(1);
    const resumeAt = phone.lastSeq;
    manager.input(id, reference, bytes('count 2000\r'));
    await waitFor('second batch', () => reference.text().includes('line 2000\r'));
    expect(phone.text()).not.toContain('line 2000\r');
    manager.attach(id, phone, { afterSeq: resumeAt });
    expect(phone.of('session.snapshot')).toEqual([]);
    manager.input(id, reference, bytes('echo done\r'));
    await waitFor('tail', () => phone.text().includes('done\r'));
    await waitFor(
      'reference tail',
      () => reference.lastSeq === manager.get(id)!.seq && phone.lastSeq === reference.lastSeq,
    );
    phone.assertContiguous();
    reference.assertContiguous();
    expect(phone.outputBytes().equals(reference.outputBytes())).toBe(true);
    expect(reference.outputBytes().length).toBe(manager.get(id)!.seq);
  });

  it('sends a snapshot when the resume point fell out of the output buffer', async () => {
    env = makeManager({ outputBufferBytes: 64 * 1024 });
    const { manager } = env;
    const { id } = manager.create({ command: agent('bulk 400', 'echo end-of-bulk'), cols: 80, rows: 24 });
    await waitFor('bulk output', () => manager.get(id)!.seq > 400 * 1024);
    const viewer = new TestViewer(manager, true);
    manager.attach(id, viewer, { afterSeq: 0 });
    await waitFor('snapshot', () => viewer.of('session.snapshot').length > 0);
    // Nothing of the screen comes before the snapshot.
    const shown = viewer.got.filter((g) => g.msg.t === 'session.snapshot' || g.msg.t === 'session.output');
    expect(shown[0]!.msg).toMatchObject({ t: 'session.snapshot', seq: expect.any(Number) });
    expect(viewer.of('session.snapshot')[0]!.seq).toBeGreaterThan(300 * 1024);
    await waitFor('end of bulk', () => viewer.text().includes('end-of-bulk'));
    manager.input(id, viewer, bytes('echo after\r'));
    await waitFor('live output after snapshot', () => viewer.text().includes('after\r'));
    viewer.assertContiguous();
    expect(viewer.lastSeq).toBe(manager.get(id)!.seq);
  });

  it('reports the exit code, keeps the exited session listed and shows its final screen', async () => {
    env = makeManager();
    const { manager } = env;
    const { id } = manager.create({ command: agent('echo last words', 'exit 3'), cols: 80, rows: 24 });
    const viewer = new TestViewer(manager, true);
    manager.attach(id, viewer, { afterSeq: 0 });
    await waitFor('exit', () => viewer.of('session.exit').length > 0);
    expect(viewer.of('session.exit')).toEqual([{ t: 'session.exit', sessionId: id, exitCode: 3, signal: null }]);
    expect(manager.get(id)).toMatchObject({ state: 'exited', exitCode: 3, signal: null });
    const late = new TestViewer(manager, true);
    manager.attach(id, late, {});
    await waitFor('exit sent to the late viewer', () => late.of('session.exit').length > 0);
    // A snapshot (plus any output after the point it shows), then the exit.
    expect(late.got[0]!.msg.t).toBe('session.snapshot');
    expect(late.got.at(-1)!.msg.t).toBe('session.exit');
    expect(late.got.slice(1, -1).every((g) => g.msg.t === 'session.output')).toBe(true);
    expect(late.text()).toContain('last words');
    manager.input(id, late, bytes('ignored\r')); // no error after exit
    await manager.kill(id);
    expect(manager.get(id)).toBeUndefined();
    expect(manager.list()).toEqual([]);
  });

  it('kills with SIGHUP, and with SIGKILL when SIGHUP is ignored', async () => {
    env = makeManager({ killGraceMs: 300 });
    const { manager } = env;
    const a = manager.create({ command: agent(), cols: 80, rows: 24 });
    const b = manager.create({ command: agent('hang'), cols: 80, rows: 24 });
    const va = new TestViewer(manager, true);
    const vb = new TestViewer(manager, true);
    manager.attach(a.id, va, { afterSeq: 0 });
    manager.attach(b.id, vb, { afterSeq: 0 });
    await waitFor('hang', () => vb.text().includes('hanging'));
    await Promise.all([manager.kill(a.id), manager.kill(b.id)]);
    expect(va.of('session.exit')).toEqual([{ t: 'session.exit', sessionId: a.id, exitCode: null, signal: 'SIGHUP' }]);
    expect(vb.of('session.exit')[0]).toMatchObject({ exitCode: null, signal: 'SIGKILL' });
    expect(manager.list()).toEqual([]);
    await expect(manager.kill(a.id)).rejects.toMatchObject({ code: 'not-found' });
  });

  it('lets several viewers watch and type at once', async () => {
    env = makeManager();
    const { manager } = env;
    const { id } = manager.create({ command: agent(), cols: 80, rows: 24 });
    const viewers = [1, 2, 3].map(() => new TestViewer(manager, true));
    for (const v of viewers) manager.attach(id, v, { afterSeq: 0 });
    expect(manager.get(id)!.viewers).toBe(3);
    manager.input(id, viewers[0]!, bytes('echo from-one\r'));
    await waitFor('one', () => viewers.every((v) => v.text().includes('from-one\r')));
    manager.input(id, viewers[2]!, bytes('echo from-three\r'));
    await waitFor('three', () => viewers.every((v) => v.text().includes('from-three\r')));
    manager.detachAll(viewers[1]!);
    expect(manager.get(id)!.viewers).toBe(2);
    const streams = [viewers[0]!, viewers[2]!].map((v) => v.outputBytes());
    expect(streams[0]!.equals(streams[1]!)).toBe(true);
  });

  it('rejects bad requests with sentences', async () => {
    env = makeManager();
    const { manager } = env;
    const err = (fn: () => unknown): SessionError => {
      try {
        fn();
      } catch (e) {
        return e as SessionError;
      }
      throw new Error('did not throw');
    };
    expect(err(() => manager.create({ preset: 'nope', cols: 80, rows: 24 }))).toMatchObject({
      code: 'not-found',
      message: expect.stringContaining('There is no preset "nope"'),
    });
    expect(err(() => manager.create({ command: ['paseo-no-such-command'], cols: 80, rows: 24 }))).toMatchObject({
      code: 'failed',
      message: expect.stringContaining('"paseo-no-such-command" was not found'),
    });
    expect(err(() => manager.create({ command: agent(), cwd: '/no/such/folder', cols: 80, rows: 24 }))).toMatchObject({
      code: 'failed',
      message: 'The folder /no/such/folder does not exist.',
    });
    expect(err(() => manager.create({ command: agent(), cols: 0, rows: 24 }))).toMatchObject({ code: 'bad-request' });
    expect(err(() => manager.create({ cols: 80, rows: 24 }))).toMatchObject({ code: 'bad-request' });
    expect(err(() => manager.attach('zzzzzzzz', new TestViewer(manager, true), {}))).toBeInstanceOf(SessionError);
    expect(manager.list()).toEqual([]);
  });

  it('gives sessions unique names and notifies listeners of changes, throttled', async () => {
    env = makeManager({ changeThrottleMs: 200 });
    const { manager } = env;
    const calls: number[] = [];
    const off = manager.onChange((sessions) => calls.push(sessions.length));
    const a = manager.create({ command: agent(), name: 'agent', cols: 80, rows: 24 });
    const b = manager.create({ command: agent(), name: 'agent', cols: 80, rows: 24 });
    expect([a.name, b.name]).toEqual(['agent', 'agent-2']);
    await waitFor('change', () => calls.length > 0);
    const v = new TestViewer(manager, true);
    manager.attach(a.id, v, { afterSeq: 0 });
    manager.input(a.id, v, bytes('count 3000\r'));
    const start = Date.now();
    await waitFor('count', () => v.text().includes('line 3000\r'));
    await sleep(300);
    const seconds = (Date.now() - start) / 1000;
    expect(calls.length).toBeLessThanOrEqual(2 + Math.ceil(seconds * 5) + 1);
    expect(calls.at(-1)).toBe(2);
    off();
  });
});
