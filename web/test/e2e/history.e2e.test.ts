// Past sessions on a phone, in a real headless Chromium against the real binary: an ACP conversation (the
// fake agent's edit, approved) and a terminal session run before `paseo down`; after `paseo up` the phone
// finds both under History, opens the conversation read-only (its tool call with the diff, the answer
// given, how the agent ended, no prompt box, clearly history) and the terminal's replayed output, in
// portrait and landscape, and deletes one. Screenshots kept in test-artifacts/screenshots/.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionInfo } from '../../../cli/src/channel/messages.js';
import { acpScenario, runFakeAcpAgent } from '../../../cli/test/fixtures/fake-acp.js';
import { startDaemon, type TestDaemon } from '../../../cli/test/integration/harness.js';
import { freePort, LANDSCAPE, PORTRAIT, pageFits, pairFromLink, screenshotBoth } from './app.js';
import { type Phone, phonePerTest, requireChromium } from './browser.js';

/** The new line of the edited file (TypeScript source holding a template literal). */
// biome-ignore lint/suspicious/noTemplateCurlyInString: this is the agent's code, not ours
const HELLO_LINE = '  return `Hello, ${name}! Nice to see you.`;';

describe('past sessions on a phone', () => {
  let home: string;
  let listen: string;
  let daemon: TestDaemon;
  let phone: Phone;

  beforeAll(async () => {
    requireChromium();
    home = mkdtempSync(join(tmpdir(), 'paseo-e2e-history-'));
    listen = `127.0.0.1:${await freePort()}`;
    daemon = await startDaemon({ home, listen });
  });
  afterAll(async () => {
    await daemon?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });
  phonePerTest((p) => {
    phone = p;
  });

  it('after a daemon restart, opens the past conversation read-only with its tool call and diff', async () => {
    const { page } = phone;
    const session = (id: string) => daemon.cliJson<SessionInfo[]>(['ls', '--json']).find((s) => s.id === id);
    // A conversation: a prompt, the edit approved from the computer, the turn done.
    const run = runFakeAcpAgent(daemon, { name: 'greeter', cwd: home, scenarioFile: acpScenario('edit') });
    expect(run.status).toBe(0);
    const acpId = run.stdout.trim();
    await expect.poll(() => session(acpId)?.activity, { timeout: 10_000 }).toBe('ready');
    expect(daemon.cli(['send', acpId, 'Make the greeting friendlier']).status).toBe(0);
    await expect.poll(() => session(acpId)?.permissions?.length, { timeout: 10_000 }).toBe(1);
    expect(daemon.cli(['permit', acpId, 'allow']).status).toBe(0);
    await expect.poll(() => session(acpId)?.activity, { timeout: 10_000 }).toBe('ready');
    // A terminal session that printed and ended.
    const pty = daemon.cli([
      'run',
      '-d',
      '--name',
      'printer',
      '--',
      'sh',
      '-c',
      'for i in 1 2 3; do echo "line $i of the past"; done; echo "the end"',
    ]);
    expect(pty.status).toBe(0);
    const ptyId = pty.stdout.trim();
    await expect.poll(() => session(ptyId)?.state, { timeout: 10_000 }).toBe('exited');

    await pairFromLink(page, daemon);
    await page.getByTestId('name-device-dismiss').click();
    await page.locator(`[data-testid="session-item"][data-session-id="${acpId}"]`).waitFor();

    // `paseo down` and `paseo up`: the live list is empty; both are under History.
    expect(daemon.cli(['down']).stdout).toBe('paseo stopped.\n');
    await daemon.stop();
    daemon = await startDaemon({ home, listen });
    await expect
      .poll(() => page.getByTestId('conn-state').getAttribute('data-state'), { timeout: 30_000 })
      .toBe('connected');
    await page.getByTestId('sessions-empty').waitFor({ state: 'visible' });
    const acpItem = page.locator(`[data-testid="history-item"][data-session-id="${acpId}"]`);
    const ptyItem = page.locator(`[data-testid="history-item"][data-session-id="${ptyId}"]`);
    await acpItem.waitFor({ timeout: 10_000 });
    const oneLine = async (l: typeof acpItem) => (await l.innerText()).replace(/\s+/g, ' ');
    expect(await oneLine(acpItem)).toMatch(
      /^greeter .*fake-acp-agent.* conversation · ended by SIG\w+ · (just now|\d+ s ago)$/,
    );
    expect(await oneLine(ptyItem)).toMatch(/^printer sh -c .* terminal · ended · (just now|\d+ s ago)$/);
    expect(await pageFits(phone)).toBe(true);
    await screenshotBoth(phone, 'history-home');

    // The conversation, read-only and said to be history.
    await acpItem.click();
    await page.getByTestId('history-screen').waitFor();
    const tool = page.locator('[data-testid="tool-call"][data-tool-id="edit-1"]');
    await tool.waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('session-title').innerText()).toBe('greeter');
    expect(await page.getByTestId('history-when').innerText()).toMatch(
      /^This conversation ended (just now|\d+ s ago)\. It is kept as history\.$/,
    );
    expect(await page.getByTestId('history-how').innerText()).toMatch(/^The agent was ended by SIG\w+\.$/);
    expect(await page.getByTestId('history-cut').isVisible()).toBe(false);
    expect(await tool.getAttribute('data-status')).toBe('completed');
    expect(await tool.getByTestId('diff').innerText()).toContain(`+${HELLO_LINE}`);
    expect(await page.getByTestId('permission-record').innerText()).toMatch(/Allow once — the computer/);
    expect(await page.getByTestId('user-message').innerText()).toContain('Make the greeting friendlier');
    expect(await page.locator('[data-testid="plan-entry"][data-status="completed"]').count()).toBe(3);
    // Nothing can be sent: no prompt box, no permission buttons, no End.
    expect(await page.locator('[data-testid="prompt-input"], [data-testid="permission-option"]').count()).toBe(0);
    expect(await page.getByTestId('end-session').count()).toBe(0);
    expect(await pageFits(phone)).toBe(true);
    await tool.scrollIntoViewIfNeeded();
    await phone.screenshot('history-conversation-390x844');
    await page.setViewportSize(LANDSCAPE);
    await expect.poll(() => pageFits(phone)).toBe(true);
    await tool.scrollIntoViewIfNeeded();
    await phone.screenshot('history-conversation-844x390');
    await page.setViewportSize(PORTRAIT);

    // The terminal session's output, replayed read-only.
    await page.getByTestId('back').click();
    await ptyItem.click();
    const term = page.getByTestId('history-terminal');
    await page.locator('[data-testid="history-terminal"][data-replayed="true"]').waitFor({ timeout: 10_000 });
    const text = await term.locator('.xterm-rows').innerText();
    expect(text).toContain('line 3 of the past');
    expect(text).toContain('the end');
    expect(await page.getByTestId('history-when').innerText()).toMatch(
      /^This terminal session ended .+\. It is kept as history\.$/,
    );
    expect(await page.locator('[data-testid="keybar"], .keybar').count()).toBe(0);
    await screenshotBoth(phone, 'history-terminal');

    // Deleted from the phone: gone from the list and from the computer.
    await page.getByTestId('delete-history').click();
    await page.getByTestId('confirm-ok').click();
    await page.getByTestId('home').waitFor();
    await expect.poll(() => ptyItem.count()).toBe(0);
    expect(existsSync(join(home, 'recordings', `${ptyId}.cast`))).toBe(false);
    expect(await acpItem.count()).toBe(1);
    expect(phone.logs.filter((l) => l.startsWith('pageerror'))).toEqual([]);
  }, 120_000);
});
