// Session ids are never reused: a new session never gets the id of a listed session or of a recording
// on disk (a removed session's recording stays findable by its id). The random source is scripted here
// so that it proposes taken ids first.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

const proposals = vi.hoisted(() => ({ next: [] as string[] }));
vi.mock('../../src/state/ids.js', async (importOriginal) => {
  const ids = await importOriginal<typeof import('../../src/state/ids.js')>();
  return { ...ids, randomId: (length?: number) => proposals.next.shift() ?? ids.randomId(length) };
});

let harness: typeof import('../fixtures/session-harness.js');
// The mutation run shares one module cache between test files: load the sessions again, with the mock.
beforeAll(async () => {
  vi.resetModules();
  harness = await import('../fixtures/session-harness.js');
});

let env: ReturnType<typeof harness.makeManager>;
afterEach(async () => {
  proposals.next = [];
  await env?.close();
});

const size = { cols: 80, rows: 24 };

describe('session ids', () => {
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
});
