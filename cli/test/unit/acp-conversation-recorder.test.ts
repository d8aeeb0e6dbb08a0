// The conversation recording of an ACP session (ConversationRecorder): its lines on disk, the exit
// line when the agent ended, and nothing after it was closed.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConversationHeader } from '../../src/conversation/file.js';
import { ConversationRecorder } from '../../src/session/acp/conversation-recorder.js';
import { MemoryLog } from '../fixtures/session-harness.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const HEADER: ConversationHeader = {
  paseo: 'conversation',
  version: 1,
  id: 'c1',
  name: 'agent',
  command: ['agent', '--acp'],
  cwd: '/tmp',
  startedAt: '2026-01-01T00:00:00.000Z',
};
const LIMITS = { maxBytes: 1024 * 1024, keepFiles: 1, queueBytes: 1024 * 1024 };
const USER = '{"t":"user","at":"2026-01-01T00:00:01.000Z","text":"hi","by":"Pixel 8"}';

function recorder(): { rec: ConversationRecorder; path: string; lines: () => string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'paseo-conv-'));
  dirs.push(dir);
  const path = join(dir, 'c1.acp.jsonl');
  const rec = new ConversationRecorder(path, HEADER, LIMITS, new MemoryLog());
  return { rec, path, lines: () => readFileSync(path, 'utf8').split('\n') };
}

describe('a conversation recording', () => {
  it('starts with its header, adds each event as a line, ends with how the agent ended, then takes nothing', async () => {
    const { rec, lines } = recorder();
    expect(lines()).toEqual([JSON.stringify(HEADER), '']);
    rec.event(1, USER);
    expect(rec.queuedBytes).toBe(`{"seq":1,"event":${USER}}\n`.length);
    await rec.close({ exitCode: 3, signal: null });
    expect(rec.queuedBytes).toBe(0);
    const written = lines();
    expect(written.slice(0, 2)).toEqual([JSON.stringify(HEADER), `{"seq":1,"event":${USER}}`]);
    expect(JSON.parse(written[2] as string)).toEqual({ exit: { exitCode: 3, signal: null }, at: expect.any(String) });
    expect(written).toHaveLength(4);
    rec.event(2, USER);
    await rec.close({ exitCode: 0, signal: null });
    expect(lines()).toEqual(written);
  });

  it('closes without an exit line when none is given', async () => {
    const { rec, lines } = recorder();
    rec.event(1, USER);
    await rec.close();
    expect(lines()).toEqual([JSON.stringify(HEADER), `{"seq":1,"event":${USER}}`, '']);
  });
});
