// The PTY engine on its own (no manager, no Session; see pty-engine-harness.ts): what `send` types and what
// the engine answers for the terminal, checked byte for byte; the errors of the requests a terminal session
// does not take; the size each viewer is told; nothing after the end; the signals that end it.
import { afterEach, describe, expect, it } from 'vitest';
import { SessionError } from '../../src/session/errors.js';
import { hex, screenCaughtUp, start, stopEngine, Watcher } from '../fixtures/pty-engine-harness.js';

afterEach(stopEngine);

describe('PtyEngine', () => {
  it('send types the text without its final line break, then Enter', async () => {
    const { engine, output, reads, calls } = start();
    await expect.poll(output).toContain('ready');
    engine.send('first\nsecond\r\n', 'Pixel 8');
    await expect.poll(reads).toBe(hex('first\nsecond\r'));
    engine.send('third\n', 'Pixel 8');
    await expect.poll(reads).toBe(hex('first\nsecond\rthird\r'));
    engine.send('fourth', 'Pixel 8');
    await expect.poll(reads).toBe(hex('first\nsecond\rthird\rfourth\r'));
    expect(calls).toContain('waiting false');
  });

  it('answers the terminal’s questions itself while no viewer is attached', async () => {
    const { engine, output, reads } = start();
    await expect.poll(output).toContain('ready');
    engine.input(new Watcher('w'), Buffer.from('q'));
    // The cursor is on row 2, column 5 (after "ready" and "<71>").
    await expect.poll(reads).toBe(hex('q\x1b[2;5R'));
  });

  it('leaves the terminal’s questions to the viewers while one is attached', async () => {
    const viewer = new Watcher('w');
    const { engine, output, reads } = start([viewer]);
    await expect.poll(output).toContain('ready');
    engine.input(viewer, Buffer.from('q'));
    await expect.poll(output).toContain('\x1b[6n');
    await screenCaughtUp(engine); // any answer of the engine's would be on its way to the program by now
    engine.input(viewer, Buffer.from('z'));
    await expect.poll(output).toContain('<7a>');
    expect(reads()).toBe(hex('qz'));
  });

  it('refuses what only a conversation takes, and send once the program ended', async () => {
    const { engine, output, exited } = start();
    const refused = (fn: () => void) => {
      try {
        fn();
      } catch (err) {
        expect(err).toBeInstanceOf(SessionError);
        return { code: (err as SessionError).code, message: (err as Error).message };
      }
      throw new Error('it did not refuse');
    };
    expect(refused(() => engine.permit())).toEqual({
      code: 'bad-request',
      message: 'This is a terminal session: it has no permission requests to answer.',
    });
    expect(refused(() => engine.cancel())).toEqual({
      code: 'bad-request',
      message: 'This is a terminal session: send it Ctrl-C instead.',
    });
    await expect.poll(output).toContain('ready');
    engine.input(new Watcher('w'), Buffer.from('x'));
    expect(await exited).toEqual({ exitCode: 3, signal: null });
    expect(refused(() => engine.send('too late', 'Pixel 8'))).toEqual({
      code: 'failed',
      message: 'The session has ended.',
    });
  });

  it('tells a viewer the size after a snapshot that was taken before the size changed', async () => {
    const { id, engine, output, viewers } = start();
    await expect.poll(output).toContain('ready');
    expect(engine.feed.snapshot()).toBeUndefined(); // asked for, at 80x24
    const viewer = new Watcher('w', 'iPad');
    viewers.push(viewer);
    const ready = new Promise<void>((resolve) => engine.feed.whenSnapshotReady(resolve));
    engine.attached(viewer, 100, 24); // alone: the session takes its width while the snapshot is under way
    expect(viewer.got).toEqual([{ t: 'session.resized', sessionId: id, cols: 100, rows: 24, by: 'iPad', yours: true }]);
    await ready;
    const wider = engine.feed.snapshot();
    expect(wider?.messages.map((m) => m.msg)).toEqual([
      { t: 'session.snapshot', sessionId: id, seq: wider?.seq, cols: 80, rows: 24 },
      { t: 'session.resized', sessionId: id, cols: 100, rows: 24 },
    ]);
    // The same with only the height changing while a snapshot (at 100x24) is under way.
    const again = new Promise<void>((resolve) => engine.feed.whenSnapshotReady(resolve));
    engine.resize(viewer, 100, 40, false);
    await again;
    const taller = engine.feed.snapshot();
    expect(taller?.messages.map((m) => m.msg)).toEqual([
      { t: 'session.snapshot', sessionId: id, seq: taller?.seq, cols: 100, rows: 24 },
      { t: 'session.resized', sessionId: id, cols: 100, rows: 40 },
    ]);
    // A snapshot asked for now is at the new size: nothing more to say.
    await screenCaughtUp(engine);
    expect(engine.feed.snapshot()?.messages.map((m) => m.msg.t)).toEqual(['session.snapshot']);
    expect(engine.infoFields()).toMatchObject({ cols: 100, rows: 40 });
  });
});

describe('PtyEngine: size, end and memory', () => {
  it('tells each viewer the size and who set it, and follows the viewer that typed last', async () => {
    const { id, engine, output, calls, viewers } = start();
    await expect.poll(output).toContain('ready');
    const laptop = new Watcher('a', 'laptop');
    const phone = new Watcher('b', 'Pixel 8');
    viewers.push(laptop);
    engine.attached(laptop, undefined, undefined); // no size of its own: nobody set the size yet
    expect(laptop.got).toEqual([{ t: 'session.resized', sessionId: id, cols: 80, rows: 24 }]);
    viewers.push(phone);
    engine.attached(phone, 40, 20); // not alone: it watches at the session's size
    expect(phone.got).toEqual([{ t: 'session.resized', sessionId: id, cols: 80, rows: 24 }]);
    expect(calls).not.toContain('changed');
    engine.input(phone, Buffer.from('p')); // typing takes the size
    const byPhone = { t: 'session.resized', sessionId: id, cols: 40, rows: 20, by: 'Pixel 8' };
    expect(laptop.got.at(-1)).toEqual({ ...byPhone, yours: false });
    expect(phone.got.at(-1)).toEqual({ ...byPhone, yours: true });
    expect(calls).toContain('changed');
    expect(engine.infoFields()).toMatchObject({ cols: 40, rows: 20 });
    engine.resize(phone, 50, 25, false); // its screen turned: the session follows
    expect(phone.got.at(-1)).toEqual({ ...byPhone, cols: 50, rows: 25, yours: true });
    engine.resize(laptop, 120, 40, true); // "use my screen size"
    expect(laptop.got.at(-1)).toEqual({
      t: 'session.resized',
      sessionId: id,
      cols: 120,
      rows: 40,
      by: 'laptop',
      yours: true,
    });
    engine.detached(laptop); // the size's owner left; the phone, alone now, takes it back
    viewers.splice(0, 1);
    expect(phone.got.at(-1)).toEqual({ ...byPhone, cols: 50, rows: 25, yours: true });
    expect(engine.infoFields()).toMatchObject({ cols: 50, rows: 25 });
  });

  it('after its program ended, takes no input and no size, and tells nobody about sizes', async () => {
    const { engine, output, exited, calls, reads, viewers, hold } = start();
    await expect.poll(output).toContain('ready');
    const phone = new Watcher('b', 'Pixel 8');
    viewers.push(phone);
    engine.attached(phone, 40, 20);
    engine.input(phone, Buffer.from('x'));
    expect(await exited).toEqual({ exitCode: 3, signal: null });
    const sent = phone.got.length;
    const changes = calls.filter((c) => c === 'changed').length;
    const laptop = new Watcher('a', 'laptop');
    viewers.push(laptop);
    engine.attached(laptop, 100, 30);
    engine.input(laptop, Buffer.from('more'));
    engine.resize(phone, 60, 30, true);
    engine.detached(phone);
    const asked = hold.asked;
    engine.flowChanged();
    expect(hold.asked).toBe(asked); // nothing to pause any more: the viewers are not asked
    expect(laptop.got).toEqual([]);
    expect(phone.got).toHaveLength(sent);
    expect(calls.filter((c) => c === 'changed')).toHaveLength(changes);
    expect(reads()).toBe(hex('x'));
    expect(engine.stats().ptyPaused).toBe(false);
  });

  it('ends its program with SIGHUP when asked softly', async () => {
    const { engine, output, exited } = start();
    await expect.poll(output).toContain('ready');
    engine.terminate('soft');
    expect(await exited).toEqual({ exitCode: null, signal: 'SIGHUP' });
  });

  it('ends its program with SIGKILL when forced', async () => {
    const { engine, output, exited } = start();
    await expect.poll(output).toContain('ready');
    engine.terminate('hard');
    expect(await exited).toEqual({ exitCode: null, signal: 'SIGKILL' });
  });
});
