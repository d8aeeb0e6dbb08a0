// The web UI in a real headless Chromium (phone sized) against a real daemon (`dist/paseo up`):
// pairing from a link and by typing a code, a terminal round trip, ending a session, and re-pairing
// after a revoke. Needs Debian's chromium (`apt-get install -y chromium`) and `make`.
import { describe, expect, it } from 'vitest';
import { pairDevice, type TestDaemon } from '../../../cli/test/integration/harness.js';
import { daemonAndPhonePerTest, screenshotBoth, startShell, termSize } from './app.js';
import { type Phone, storedDevice } from './browser.js';

interface DeviceJson {
  id: string;
  name: string;
  online: boolean;
}

describe('web UI on a phone', () => {
  let daemon: TestDaemon;
  let phone: Phone;

  daemonAndPhonePerTest({ daemon: (d) => (daemon = d), phone: (p) => (phone = p) });

  const pairingLink = (): { url: string; code: string } =>
    daemon.cliJson<{ url: string; code: string }>(['pair', '--json']);

  /** Pairs from a link, then starts the shell preset and waits for its terminal; returns its id. */
  async function pairAndStartShell(): Promise<string> {
    await phone.page.goto(pairingLink().url);
    await phone.page.getByTestId('home').waitFor();
    return startShell(phone.page);
  }

  it('pairs from the pairing link with no input and forgets the code at once', async () => {
    const { url, code } = pairingLink();
    const { page } = phone;
    await page.goto(url);
    await page.getByTestId('home').waitFor();
    expect(page.url()).not.toContain('pair=');
    expect(page.url()).not.toContain(code);
    await expect.poll(() => page.getByTestId('conn-state').getAttribute('data-state')).toBe('connected');
    await expect.poll(() => page.getByTestId('hostname').innerText()).not.toBe('');

    // Named by what it is (the user agent says "Pixel 8"), not by its browser.
    const stored = await storedDevice(phone);
    expect(stored?.deviceName).toBe('Pixel 8');
    expect(stored?.keyBytes).toBe(32);
    const devices = daemon.cliJson<DeviceJson[]>(['devices', '--json']);
    expect(devices.find((d) => d.id === stored?.deviceId)?.name).toBe('Pixel 8');
    // Pairing asked nothing; the home screen offers to rename the device, prefilled with that guess.
    expect(await page.getByTestId('name-device-input').inputValue()).toBe('Pixel 8');
    await screenshotBoth(phone, 'e2e-home-after-link');
    await page.getByTestId('name-device-input').fill('Ana’s Pixel');
    await page.getByTestId('name-device-save').click();
    await page.getByTestId('name-device-card').waitFor({ state: 'detached' });
    await expect
      .poll(() => daemon.cliJson<DeviceJson[]>(['devices', '--json']).find((d) => d.id === stored?.deviceId)?.name)
      .toBe('Ana’s Pixel');
    await expect.poll(async () => (await storedDevice(phone))?.deviceName).toBe('Ana’s Pixel');

    // A reload connects with the stored keys: no pairing screen.
    await page.reload();
    await page.getByTestId('home').waitFor();
    await expect.poll(() => page.getByTestId('conn-state').getAttribute('data-state')).toBe('connected');
    // The code never reached the console.
    expect(phone.logs.join('\n')).not.toContain(code);
  });

  it('explains a wrong code, then pairs with a typed one (lowercase, no dash)', async () => {
    const { page } = phone;
    await page.goto(daemon.url);
    await page.getByTestId('pair-screen').waitFor();
    await expect.poll(() => page.getByTestId('pair-button').isDisabled()).toBe(true);

    await page.getByTestId('code-input').fill('AAAA-AAAA');
    await page.getByTestId('pair-button').click();
    await page.getByTestId('pair-error').waitFor();
    expect(await page.getByTestId('pair-error').innerText()).toContain("This pairing code didn't work");
    await phone.screenshot('e2e-wrong-code');

    const { code } = pairingLink();
    await page.getByTestId('code-input').fill(code.replace('-', '').toLowerCase());
    expect(await page.getByTestId('code-input').inputValue()).toBe(code);
    await page.getByTestId('pair-button').click();
    await page.getByTestId('home').waitFor();
    expect((await storedDevice(phone))?.deviceId).toBeTruthy();
  });

  it('starts a shell session, types into it and sees the output', async () => {
    const { page } = phone;
    await pairAndStartShell();

    await page.getByTestId('terminal').click();
    await page.keyboard.type('echo paseo-$((6*7))');
    await page.getByTestId('keybar-enter').click();
    await expect
      .poll(() => page.locator('[data-testid="terminal"] .xterm-rows').innerText(), { timeout: 10_000 })
      .toContain('paseo-42');
    await phone.screenshot('e2e-terminal');

    // Sticky Ctrl: Ctrl then c interrupts a running command.
    await page.keyboard.type('sleep 30');
    await page.getByTestId('keybar-enter').click();
    await page.getByTestId('keybar-ctrl').click();
    expect(await page.getByTestId('keybar-ctrl').getAttribute('aria-pressed')).toBe('true');
    await page.keyboard.type('c');
    expect(await page.getByTestId('keybar-ctrl').getAttribute('aria-pressed')).toBe('false');
    await page.keyboard.type('echo after-$((1+1))');
    await page.getByTestId('keybar-enter').click();
    await expect
      .poll(() => page.locator('[data-testid="terminal"] .xterm-rows').innerText(), { timeout: 10_000 })
      .toContain('after-2');

    // The key bar's arrow recalls the last command from the shell's history.
    await page.keyboard.type('echo recall-$((2+3))');
    await page.getByTestId('keybar-enter').click();
    await page.getByTestId('keybar-up').click();
    await page.getByTestId('keybar-enter').click();
    await expect
      .poll(
        async () =>
          ((await page.locator('[data-testid="terminal"] .xterm-rows').innerText()).match(/^recall-5$/gm) ?? []).length,
        { timeout: 10_000 },
      )
      .toBe(2);

    // Turning the phone resizes the terminal and the PTY behind it follows.
    const before = await termSize(page);
    await page.setViewportSize({ width: 844, height: 390 });
    await expect.poll(() => termSize(page), { timeout: 10_000 }).not.toEqual(before);
    const after = await termSize(page);
    expect(after.cols).toBeGreaterThan(before.cols);
    // The page sends the new size after a short debounce; wait until the daemon has applied it.
    await expect
      .poll(
        () =>
          daemon
            .cliJson<{ cols: number; rows: number }[]>(['ls', '--json'])
            .some((s) => s.cols === after.cols && s.rows === after.rows),
        { timeout: 10_000 },
      )
      .toBe(true);
    await page.keyboard.type('clear; stty size');
    await page.getByTestId('keybar-enter').click();
    await expect
      .poll(() => page.locator('[data-testid="terminal"] .xterm-rows').innerText(), { timeout: 10_000 })
      .toContain(`${after.rows} ${after.cols}`);
    await phone.screenshot('e2e-terminal-landscape');
    await page.setViewportSize({ width: 390, height: 844 });

    // Back home: the session is listed.
    await page.getByTestId('back').click();
    await page.getByTestId('home').waitFor();
    await expect.poll(() => page.getByTestId('session-item').count()).toBeGreaterThan(0);
  });

  it('End says which device ended the session, here and on the other devices watching', async () => {
    const { page } = phone;
    const sessionId = await pairAndStartShell();
    const other = await pairDevice(daemon, 'Laptop');
    const exits: unknown[] = [];
    other.conn.onMessage((msg) => msg.t === 'session.exit' && exits.push(msg));
    other.conn.send({ t: 'session.attach', sessionId, cols: 100, rows: 30 });

    // End, confirmed: the exit bar says who ended it; the key bar and the End button go away.
    await page.getByTestId('end-session').click();
    await page.getByTestId('confirm-ok').click();
    await page.getByTestId('exit-bar').waitFor({ state: 'visible' });
    expect(await page.getByTestId('exit-text').innerText()).toBe('Ended from Pixel 8.');
    expect(await page.getByTestId('end-session').isHidden()).toBe(true);
    expect(await page.getByTestId('keybar-enter').isHidden()).toBe(true);
    await expect.poll(() => exits).toEqual([expect.objectContaining({ sessionId, signal: 'SIGHUP', by: 'Pixel 8' })]);
    other.conn.close();
    await screenshotBoth(phone, 'e2e-terminal-ended');
    await page.getByTestId('exit-back').click();
    await page.getByTestId('home').waitFor();
  });

  it('shows "This device needs to be paired again" after `paseo revoke`, and deletes the keys', async () => {
    const { page } = phone;
    await page.goto(pairingLink().url);
    await page.getByTestId('home').waitFor();
    const stored = await storedDevice(phone);
    expect(stored).toBeDefined();

    const r = daemon.cli(['revoke', stored!.deviceId]);
    expect(r.status).toBe(0);
    await page.getByTestId('repair-screen').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('repair-screen').innerText()).toContain('This device needs to be paired again');
    await expect.poll(() => storedDevice(phone)).toBeUndefined();
    await phone.screenshot('e2e-repair');

    // A new code pairs it again.
    await page.getByTestId('code-input').fill(pairingLink().code);
    await page.getByTestId('pair-button').click();
    await page.getByTestId('home').waitFor();
  });
});
