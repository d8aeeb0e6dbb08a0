// A session's folder written as ~ or ~/… is in the user's home. os.homedir() reads the process's HOME,
// which a test worker thread cannot change: it is mocked to a temporary folder here.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

const user = vi.hoisted(() => ({ home: undefined as string | undefined }));
vi.mock('node:os', async (importOriginal) => {
  const os = await importOriginal<typeof import('node:os')>();
  return { ...os, homedir: () => user.home ?? os.homedir() };
});

let harness: typeof import('../fixtures/session-harness.js');
// The mutation run shares one module cache between test files: load the sessions again, with the mock.
beforeAll(async () => {
  vi.resetModules();
  harness = await import('../fixtures/session-harness.js');
});

let env: ReturnType<typeof harness.makeManager>;
afterEach(async () => {
  await env?.close();
  if (user.home) rmSync(user.home, { recursive: true, force: true });
  user.home = undefined;
});

const size = { cols: 80, rows: 24 };

describe('session folders', () => {
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
