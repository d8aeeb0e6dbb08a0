// An ACP session on a phone, in a real headless Chromium against a real daemon (`dist/paseo up`) and the
// fake ACP agent: the session list marks it as waiting for an approval, the conversation shows the plan,
// Markdown (never the agent's HTML), a tool call whose diff is approved from the phone and completes,
// long diffs that scroll inside their box, a cancelled turn, and both orientations (screenshots kept in
// test-artifacts/screenshots/).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionInfo } from '../../../cli/src/channel/messages.js';
import { runFakeAcpAgent } from '../../../cli/test/fixtures/fake-acp.js';
import { startDaemon, type TestDaemon } from '../../../cli/test/integration/harness.js';
import { pageFits } from './app.js';
import { type Phone, phonePerTest, requireChromium } from './browser.js';

/** The new line of the edited file (TypeScript source holding a template literal). */
// biome-ignore lint/suspicious/noTemplateCurlyInString: this is the agent's code, not ours
const HELLO_LINE = '  return `Hello, ${name}! Nice to see you.`;';

/** A scenario for the phone: a turn with a plan, Markdown, an edit to approve and a long diff; a slow turn. */
function scenario(): string {
  const longOld = Array.from({ length: 60 }, (_, i) => `export const value${i} = ${i}; // unchanged line ${i}`);
  const longNew = longOld.map((l, i) =>
    i % 7 === 3
      ? `export const value${i} = compute(${i}, { precise: true, cache: 'memory', retries: 3, label: 'line ${i} of the generated table' });`
      : l,
  );
  const steps: object[] = [
    { do: 'turn' },
    { do: 'thought', text: 'The greeting is terse; a friendlier one needs an edit.' },
    {
      do: 'plan',
      entries: [
        { content: 'Read src/greet.ts', priority: 'high', status: 'completed' },
        { content: 'Make the greeting friendlier', priority: 'high', status: 'in_progress' },
        { content: 'Regenerate the value table', priority: 'medium', status: 'pending' },
      ],
    },
    {
      do: 'message',
      text: "I'll make the greeting **friendlier** in `src/greet.ts`.\n\nWhat I found:\n\n- the greeting is *terse*\n- raw HTML like <img src=x onerror=\"window.pwned=1\"> and <b>this</b> stays text\n\n```ts\ngreet('Ada');\n```",
    },
    {
      do: 'tool',
      id: 'edit-1',
      title: 'Edit src/greet.ts',
      kind: 'edit',
      status: 'pending',
      locations: ['src/greet.ts'],
    },
    {
      do: 'permission',
      id: 'edit-1',
      diff: {
        path: 'src/greet.ts',
        old: "export function greet(name: string): string {\n  return 'Hi ' + name;\n}\n",
        new: `export function greet(name: string): string {\n${HELLO_LINE}\n}\n`,
      },
    },
    { do: 'update', id: 'edit-1', status: 'completed', if: 'allowed' },
    { do: 'update', id: 'edit-1', status: 'failed', if: 'rejected' },
    {
      do: 'tool',
      id: 'gen-1',
      title: 'Regenerate src/values.ts',
      kind: 'edit',
      status: 'in_progress',
      locations: ['src/values.ts'],
    },
    {
      do: 'diff',
      id: 'gen-1',
      path: 'src/values.ts',
      old: `${longOld.join('\n')}\n`,
      new: `${longNew.join('\n')}\n`,
      status: 'completed',
    },
    {
      do: 'plan',
      entries: [
        { content: 'Read src/greet.ts', priority: 'high', status: 'completed' },
        { content: 'Make the greeting friendlier', priority: 'high', status: 'completed' },
        { content: 'Regenerate the value table', priority: 'medium', status: 'completed' },
      ],
    },
    { do: 'message', text: 'Done: `greet` now says *hello* warmly, and the table is regenerated.' },
    { do: 'turn' },
    { do: 'message', text: 'Running the whole test suite…' },
    { do: 'tool', id: 'test-1', title: 'npm test', kind: 'execute', status: 'in_progress' },
    { do: 'wait_cancel' },
  ];
  return `${steps.map((s) => JSON.stringify(s)).join('\n')}\n`;
}

describe('an ACP session on a phone', () => {
  let daemon: TestDaemon;
  let phone: Phone;
  let dir: string;

  beforeAll(async () => {
    requireChromium();
    daemon = await startDaemon();
    dir = mkdtempSync(join(tmpdir(), 'paseo-e2e-acp-'));
    writeFileSync(join(dir, 'scenario.jsonl'), scenario());
  });
  afterAll(async () => {
    await daemon?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  phonePerTest((p) => {
    phone = p;
  });
  /** `paseo run --acp -d` with the fake agent and the scenario. */
  const startAgent = (name: string) =>
    runFakeAcpAgent(daemon, { name, cwd: dir, scenarioFile: join(dir, 'scenario.jsonl') });

  it('sends a prompt, approves an edit from the phone and sees it complete with its diff', async () => {
    const { page } = phone;
    const run = startAgent('greeter');
    expect(run.status).toBe(0);
    const id = run.stdout.trim();
    await page.goto(daemon.cliJson<{ url: string }>(['pair', '--json']).url);
    await page.getByTestId('home').waitFor();
    // New session offers the ACP presets as conversations (each "not installed" here: folded, one tap away).
    await page.getByTestId('new-session').click();
    const acpPresets = page.locator('[data-testid="preset-item"][data-kind="acp"]');
    await expect.poll(() => acpPresets.count()).toBe(6);
    await page.getByTestId('missing-presets-acp').locator('summary').click();
    expect(await acpPresets.first().innerText()).toMatch(/not installed/);
    await page.getByText('As a conversation (ACP)').scrollIntoViewIfNeeded();
    await phone.screenshot('new-session-acp-presets-390x844');
    await page.getByTestId('new-session-sheet-close').click();
    const item = page.locator(`[data-testid="session-item"][data-session-id="${id}"]`);
    await expect.poll(() => item.innerText()).toContain('conversation');

    // The conversation opens (its view loads as its own chunk) and takes a prompt.
    await item.click();
    await page.getByTestId('conversation-screen').waitFor();
    await expect.poll(() => page.getByTestId('agent-activity').innerText(), { timeout: 10_000 }).toContain('ready');
    await page.getByTestId('prompt-input').fill('Make the greeting friendlier, please');
    await page.getByTestId('send-prompt').click();
    await expect
      .poll(() => page.getByTestId('user-message').innerText())
      .toContain('Make the greeting friendlier, please');

    // The permission request: prominent, with the change to approve and the agent's own answers.
    const prompt = page.getByTestId('permission-prompt');
    await prompt.waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('permission-title').innerText()).toBe('Edit src/greet.ts');
    expect(await prompt.getByTestId('permission-option').allInnerTexts()).toEqual([
      'Allow once',
      'Allow always',
      'Reject',
    ]);
    expect(await prompt.getByTestId('diff').innerText()).toContain(`+${HELLO_LINE}`);
    expect(await pageFits(phone)).toBe(true);
    // Markdown is rendered; the agent's HTML is only text.
    const answer = page.getByTestId('agent-message').first();
    expect(await answer.locator('strong').innerText()).toBe('friendlier');
    expect(await answer.locator('code').first().innerText()).toBe('src/greet.ts');
    expect(await answer.locator('li').count()).toBe(2);
    expect(await answer.innerText()).toContain('<img src=x onerror="window.pwned=1"> and <b>this</b> stays text');
    expect(await page.locator('[data-testid="conversation"] img, [data-testid="conversation"] b').count()).toBe(0);
    expect(await page.evaluate(() => (window as { pwned?: number }).pwned)).toBeUndefined();
    await phone.screenshot('conversation-permission-390x844');

    // The session list says the agent waits for an approval; ls --json too.
    await page.getByTestId('back').click();
    await expect.poll(() => item.getByTestId('approval-badge').innerText()).toBe('needs approval');
    // …and what it asks, without opening it.
    expect(await item.getByTestId('session-last-line').innerText()).toBe('Edit src/greet.ts');
    const listed = daemon.cliJson<SessionInfo[]>(['ls', '--json']).find((s) => s.id === id);
    expect(listed).toMatchObject({ kind: 'acp', waitingForInput: true, permissions: [{ title: 'Edit src/greet.ts' }] });
    await phone.screenshot('home-approval-390x844');

    // Back in (a fresh attach: the whole conversation, the pending request included), approve once.
    await item.click();
    await prompt.waitFor();
    await prompt.locator('[data-testid="permission-option"][data-kind="allow_once"]').click();
    await expect.poll(() => prompt.count(), { timeout: 10_000 }).toBe(0);
    const edit = page.locator('[data-testid="tool-call"][data-tool-id="edit-1"]');
    await expect.poll(() => edit.getAttribute('data-status'), { timeout: 10_000 }).toBe('completed');
    expect(await edit.getByTestId('tool-status').innerText()).toBe('done');
    expect(await edit.getByTestId('diff').innerText()).toMatch(/-\s*return 'Hi ' \+ name;[\s\S]*\+\s*return `Hello/);
    expect(await page.getByTestId('permission-record').innerText()).toMatch(/Allow once — you/);
    await expect.poll(() => page.getByTestId('agent-message').last().innerText()).toContain('the table is regenerated');
    expect(await page.locator('[data-testid="plan-entry"][data-status="completed"]').count()).toBe(3);

    // A long diff scrolls inside its box: sideways for long lines, down for many; the page never widens.
    const long = page.locator('[data-testid="tool-call"][data-tool-id="gen-1"] .diff-body');
    const box = await long.evaluate((el) => ({
      scrollsSideways: el.scrollWidth > el.clientWidth,
      scrollsDown: el.scrollHeight > el.clientHeight,
      right: el.getBoundingClientRect().right,
    }));
    expect(box.scrollsSideways).toBe(true);
    expect(box.scrollsDown).toBe(true);
    expect(box.right).toBeLessThanOrEqual(390);
    expect(await pageFits(phone)).toBe(true);
    await page.locator('[data-testid="tool-call"][data-tool-id="edit-1"]').scrollIntoViewIfNeeded();
    await phone.screenshot('conversation-approved-390x844');
    await page.locator('.conv-scroll').evaluate((el) => el.scrollTo(0, 0));
    await phone.screenshot('conversation-top-390x844');
    await long.scrollIntoViewIfNeeded();
    await phone.screenshot('conversation-long-diff-390x844');

    // Turned sideways, it still reads and fits.
    await page.setViewportSize({ width: 844, height: 390 });
    await expect.poll(() => pageFits(phone)).toBe(true);
    await page.locator('[data-testid="tool-call"][data-tool-id="edit-1"]').scrollIntoViewIfNeeded();
    await phone.screenshot('conversation-approved-844x390');
    await page.setViewportSize({ width: 390, height: 844 });

    // A slow turn is cancelled from the phone.
    await page.getByTestId('prompt-input').fill('Now run the tests');
    await page.getByTestId('send-prompt').click();
    const tests = page.locator('[data-testid="tool-call"][data-tool-id="test-1"]');
    await expect.poll(() => tests.getAttribute('data-status'), { timeout: 10_000 }).toBe('in_progress');
    await page.getByTestId('working').waitFor();
    await page.getByTestId('cancel-turn').click();
    await expect
      .poll(() => page.getByTestId('turn-end').last().innerText(), { timeout: 10_000 })
      .toBe('Turn cancelled by you.');
    expect(await tests.getAttribute('data-status')).toBe('cancelled');
    expect(await page.getByTestId('send-prompt').isVisible()).toBe(true);
    await phone.screenshot('conversation-cancelled-390x844');
    expect(phone.logs.filter((l) => l.startsWith('pageerror'))).toEqual([]);
  });

  it('shows a pending approval in landscape, answered from the phone after a reload', async () => {
    const { page } = phone;
    await page.setViewportSize({ width: 844, height: 390 });
    const run = startAgent('sideways');
    const id = run.stdout.trim();
    await expect
      .poll(() => daemon.cliJson<SessionInfo[]>(['ls', '--json']).find((s) => s.id === id)?.activity, {
        timeout: 10_000,
      })
      .toBe('ready');
    expect(daemon.cli(['send', id, 'Make the greeting friendlier']).status).toBe(0);
    await page.goto(daemon.cliJson<{ url: string }>(['pair', '--json']).url);
    await page.getByTestId('home').waitFor();
    await page.locator(`[data-testid="session-item"][data-session-id="${id}"]`).click();
    const prompt = page.getByTestId('permission-prompt');
    await prompt.waitFor({ timeout: 10_000 });
    expect(await pageFits(phone)).toBe(true);
    await phone.screenshot('conversation-permission-844x390');
    // A reload (a device that reconnects) still sees the request and answers it.
    await page.reload();
    await prompt.waitFor({ timeout: 10_000 });
    await prompt.locator('[data-testid="permission-option"][data-kind="reject_once"]').click();
    const edit = page.locator('[data-testid="tool-call"][data-tool-id="edit-1"]');
    await expect.poll(() => edit.getAttribute('data-status'), { timeout: 10_000 }).toBe('failed');
    expect(await page.getByTestId('permission-record').innerText()).toMatch(/Reject — you/);
  });
});
