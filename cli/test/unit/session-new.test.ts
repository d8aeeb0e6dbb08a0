// Where a new session lives: its id is never reused (not the id of a listed session, nor of a recording
// on disk: a removed session's recording stays findable by its id), and its folder written as ~ or ~/…
// is in the user's home. The random source is scripted to propose taken ids first; os.homedir() (which
// reads the process's HOME, which a test worker thread cannot change) is a temporary folder where set.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

const proposals = vi.hoisted(() => ({ next: [] as string[] }));
vi.mock('../../src/state/ids.js', async (importOriginal) => {
  const ids = await importOriginal<typeof import('../../src/state/ids.js')>();
  return { ...ids, randomId: (length?: number) => proposals.next.shift() ?? ids.randomId(length) };
});
const user = vi.hoisted(() => ({ home: undefined as string | undefined }));
vi.mock('node:os', async (importOriginal) => {
  const os = await importOriginal<typeof import('node:os')>();
  return { ...os, homedir: () => user.home ?? os.homedir() };
});

let harness: typeof import('../fixtures/session-harness.js');
// The mutation run shares one module cache between test files: load the sessions again, with the mocks.
beforeAll(async () => {
  vi.resetModules();
  harness = await import('../fixtures/session-harness.js');
});

let env: ReturnType<typeof harness.makeManager>;
afterEach(async () => {
  proposals.next = [];
  await env?.close();
  if (user.home) rmSync(user.home, { recursive: true, force: true });
  user.home = undefined;
});

const size = { cols: 80, rows: 24 };

describe('a new session', () => {
  it('skips ids that a recording on disk or a listed session already has', () => {
    env = harness.makeManager();
    const { manager, home } = env;
    writeFileSync(join(home, 'recordings', 'aaaaaaaa.cast'), '');
    writeFileSync(join(home, 'recordings', 'bbbbbbbb.acp.jsonl'), '');
    proposals.next = ['aaaaaaaa', 'bbbbbbbb', 'cccccccc'];
    expect(manager.create({ ...size, command: harness.agent() }).id).toBe('cccccccc');
    proposals.next = ['cccccccc', 'dddddddd'];
    expect(manager.create({ ...size, command: harness.agent() }).id).toBe('dddddddd');
  });

  it('skips the id of a listed session even when its recording was deleted', () => {
    env = harness.makeManager();
    const { manager, home } = env;
    proposals.next = ['aaaaaaaa'];
    expect(manager.create({ ...size, command: harness.agent() }).id).toBe('aaaaaaaa');
    rmSync(join(home, 'recordings', 'aaaaaaaa.cast'));
    proposals.next = ['aaaaaaaa', 'bbbbbbbb'];
    expect(manager.create({ ...size, command: harness.agent() }).id).toBe('bbbbbbbb');
    expect(manager.list().map((s) => s.id)).toEqual(['aaaaaaaa', 'bbbbbbbb']);
  });

  it('runs in a folder under home written as ~/…', () => {
    const home = mkdtempSync(join(tmpdir(), 'paseo-user-home-'));
    mkdirSync(join(home, 'projects', 'site'), { recursive: true });
    user.home = home;
    env = harness.makeManager();
    const { manager } = env;
    expect(manager.create({ ...size, command: harness.agent(), cwd: '~/projects/site' }).cwd).toBe(
      join(home, 'projects', 'site'),
    );
    expect(manager.create({ ...size, command: harness.agent(), cwd: '~' }).cwd).toBe(home);
    expect(manager.create({ ...size, command: harness.agent(), cwd: 'projects' }).cwd).toBe(join(home, 'projects'));
  });
});
