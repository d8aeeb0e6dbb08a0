// What a new session starts with: the environment it inherits (a terminal's TERM for PTY sessions only,
// unset variables left unset), the TERM its recording names, and an ACP session's own permission timeout.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acpAgent, acpScenario } from '../fixtures/fake-acp.js';
import { makeManager, TestViewer, waitFor } from '../fixtures/session-harness.js';

let env: ReturnType<typeof makeManager>;
const dirs: string[] = [];
afterEach(async () => {
  await env?.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

const size = { cols: 80, rows: 24 };

describe('starting a session', () => {
  it('gives a PTY session a colour terminal and leaves variables without a value unset', async () => {
    env = makeManager({}, undefined, { PATH: process.env.PATH, HOME: process.env.HOME, NOT_SET: undefined });
    const { manager, home } = env;
    const printEnv = [
      process.execPath,
      '-e',
      'process.stdout.write("NOT_SET="+(process.env.NOT_SET ?? "(unset)")+" TERM="+process.env.TERM+"\\n")',
    ];
    const { id } = manager.create({ ...size, command: printEnv });
    const v = new TestViewer(manager, true);
    manager.attach(id, v, { afterSeq: 0 });
    await waitFor('env printed', () => v.text().includes('TERM='));
    expect(v.text()).toContain('NOT_SET=(unset) TERM=xterm-256color');
    // The recording names the terminal the output was made for.
    const cast = join(home, 'recordings', `${id}.cast`);
    await waitFor('recording header', () => existsSync(cast) && readFileSync(cast, 'utf8').includes('\n'));
    const header = JSON.parse(readFileSync(cast, 'utf8').split('\n')[0]!) as { env?: Record<string, string> };
    expect(header.env?.TERM).toBe('xterm-256color');
  });

  it('gives an ACP agent the user’s environment without a terminal’s TERM', async () => {
    const scenario = join(tempDir('paseo-acp-env-'), 'env.jsonl');
    writeFileSync(
      scenario,
      ['turn', 'TERM', 'COLORTERM', 'KEEP_ME']
        .map((n) => JSON.stringify(n === 'turn' ? { do: n } : { do: 'env', name: n }))
        .join('\n'),
    );
    env = makeManager({}, undefined, { PATH: process.env.PATH, HOME: process.env.HOME, KEEP_ME: 'kept' });
    const { manager } = env;
    const { id } = manager.create({ ...size, kind: 'acp', command: acpAgent(scenario), cwd: '/tmp' });
    const phone = new TestViewer(manager, true);
    manager.attach(id, phone, {});
    await waitFor('agent ready', () => manager.get(id)!.activity === 'ready');
    manager.send(id, 'env?', 'Pixel 8');
    await waitFor('turn ended', () => phone.conversation().items.some((i) => i.t === 'turn'));
    const said = phone
      .conversation()
      .items.filter((i) => i.t === 'agent')
      .map((i) => (i as { text: string }).text)
      .join('');
    expect(said).toBe('TERM=(unset)COLORTERM=(unset)KEEP_ME=kept');
  });

  it('keeps an ACP session’s permission request open for the seconds it was started with', async () => {
    env = makeManager({ permissionTimeoutMs: 5_000 });
    const { manager } = env;
    const { id } = manager.create({
      ...size,
      kind: 'acp',
      command: acpAgent(acpScenario('edit')),
      cwd: '/tmp',
      permissionTimeoutS: 120,
    });
    const phone = new TestViewer(manager, true);
    manager.attach(id, phone, {});
    await waitFor('agent ready', () => manager.get(id)!.activity === 'ready');
    const before = Date.now();
    manager.send(id, 'go', 'Pixel 8');
    await waitFor('permission request', () => (manager.get(id)!.permissions?.length ?? 0) === 1);
    const after = Date.now();
    const expiresAt = Date.parse(manager.get(id)!.permissions![0]!.expiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 120_000);
    expect(expiresAt).toBeLessThanOrEqual(after + 120_000);
  });
});
