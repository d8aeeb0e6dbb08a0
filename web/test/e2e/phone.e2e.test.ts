// The web UI as an app on a phone, in real Chromium against a real daemon: installable (a valid web app
// manifest with its icons, Chromium's own checks), the session list (the waiting badge only for a
// question, the last line on each card, removing a session that ended), the New session sheet (Start in
// view whatever it holds), the key bar's second row and Paste that leaves the terminal focused.
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { TestDaemon } from '../../../cli/test/integration/harness.js';
import {
  daemonAndPhonePerTest,
  LANDSCAPE,
  PORTRAIT,
  pairFromLink,
  screenshotBoth,
  screenText,
  startShell,
  typeCommand,
} from './app.js';
import type { Phone } from './browser.js';

interface ManifestIcon {
  src: string;
  sizes: string;
  type: string;
  purpose?: string;
}

/** Width and height of a PNG, after checking its signature, chunk CRCs and that its pixels inflate. */
function pngSize(bytes: Buffer): { width: number; height: number } {
  expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const idat: Buffer[] = [];
  for (let at = 8; at < bytes.length; ) {
    const length = bytes.readUInt32BE(at);
    const type = bytes.toString('latin1', at + 4, at + 8);
    if (type === 'IDAT') idat.push(bytes.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  expect(inflateSync(Buffer.concat(idat)).length).toBe(height * (width * 4 + 1));
  return { width, height };
}

describe('the web UI as a phone app', () => {
  let daemon: TestDaemon;
  let phone: Phone;

  daemonAndPhonePerTest({ daemon: (d) => (daemon = d), phone: (p) => (phone = p) });

  it('is installable: a valid manifest, standalone, with PNG icons and an apple-touch-icon', async () => {
    const { page } = phone;
    await page.goto(daemon.url);
    await page.getByTestId('pair-screen').waitFor();
    const res = await fetch(`${daemon.url}manifest.webmanifest`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/manifest+json; charset=utf-8');
    const manifest = (await res.json()) as Record<string, unknown> & { icons: ManifestIcon[] };
    expect(manifest).toMatchObject({
      name: 'Paseo',
      short_name: 'Paseo',
      start_url: '/',
      scope: '/',
      display: 'standalone',
      theme_color: '#0b0d12',
      background_color: '#0b0d12',
    });
    // Chromium reads the manifest the page links to and finds nothing wrong with it, nor with installing.
    const cdp = await phone.context.newCDPSession(page);
    const read = (await cdp.send('Page.getAppManifest')) as { url: string; errors: unknown[] };
    expect(read.url).toBe(`${daemon.url}manifest.webmanifest`);
    expect(read.errors).toEqual([]);
    const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as {
      installabilityErrors: { errorId: string }[];
    };
    // A Playwright context is incognito, where Chromium never installs; nothing else stands in the way.
    expect(installabilityErrors.map((e) => e.errorId).filter((id) => id !== 'in-incognito')).toEqual([]);
    // Every icon is a PNG of the size it claims; iOS gets its own, and a maskable one is there.
    const pngs = manifest.icons.filter((i) => i.type === 'image/png');
    expect(pngs.map((i) => i.sizes)).toEqual(expect.arrayContaining(['192x192', '512x512']));
    expect(pngs.some((i) => i.purpose === 'maskable')).toBe(true);
    const touchIcon = await page.locator('link[rel="apple-touch-icon"]').getAttribute('href');
    for (const icon of [...pngs, { src: touchIcon ?? '', sizes: '180x180', type: 'image/png' }]) {
      const r = await fetch(new URL(icon.src, daemon.url));
      expect(r.headers.get('content-type')).toBe('image/png');
      const { width, height } = pngSize(Buffer.from(await r.arrayBuffer()));
      expect(`${width}x${height}`).toBe(icon.sizes);
    }
    expect(await page.locator('meta[name="viewport"]').getAttribute('content')).toContain('viewport-fit=cover');
    await screenshotBoth(phone, 'phone-pair-screen');
  });

  it('badges only a question, shows the last line of each session, and removes one that ended', async () => {
    const { page } = phone;
    const run = (name: string, script: string) =>
      daemon.cli(['run', '-d', '--name', name, '--', 'sh', '-c', script]).stdout.trim();
    const asking = run('asking', 'echo working; printf "Overwrite notes.txt? [y/N] "; read a; sleep 600');
    const idle = run('idle', 'printf "build ok\\n$ "; read a; sleep 600');
    const ended = run('finished', 'echo all tests passed; exit 0');
    await pairFromLink(page, daemon);
    await page.getByTestId('name-device-dismiss').click();
    const card = (id: string) => page.locator(`[data-testid="session-item"][data-session-id="${id}"]`);
    await expect.poll(() => card(asking).getByTestId('waiting-badge').count(), { timeout: 15_000 }).toBe(1);
    expect(await card(asking).getByTestId('session-last-line').innerText()).toBe('Overwrite notes.txt? [y/N]');
    await expect.poll(() => card(idle).getByTestId('session-last-line').innerText()).toBe('$');
    expect(await card(idle).getByTestId('waiting-badge').count()).toBe(0);
    await expect.poll(() => card(ended).getByTestId('session-state').innerText()).toBe('exited (code 0)');
    expect(await card(ended).getByTestId('session-last-line').innerText()).toBe('all tests passed');
    // Only the one that ended can be removed from here.
    expect(await page.getByTestId('remove-session').count()).toBe(1);
    await screenshotBoth(phone, 'phone-home-sessions');

    await page
      .locator('li', { has: card(ended) })
      .getByTestId('remove-session')
      .click();
    await card(ended).waitFor({ state: 'detached' });
    expect(daemon.cliJson<{ id: string }[]>(['ls', '--json']).map((s) => s.id)).not.toContain(ended);
    // Its recording stays.
    expect(daemon.cli(['logs', ended]).stdout).toContain('all tests passed');
    for (const id of [asking, idle]) daemon.cli(['kill', id]);
    await page.getByTestId('open-devices').click();
    await page.getByTestId('device-item').first().waitFor();
    await screenshotBoth(phone, 'phone-devices');
  });

  it('keeps Start in view in the New session sheet, even under an error about the folder', async () => {
    const { page } = phone;
    await pairFromLink(page, daemon);
    await page.getByTestId('new-session').click();
    await page.locator('[data-testid="preset-item"][data-preset="shell"]').waitFor();
    // Installed presets first; the others folded away under one line that names them.
    const available = await page
      .getByTestId('preset-item')
      .evaluateAll((items) => items.map((i) => !i.classList.contains('unavailable')));
    expect(available.indexOf(false)).toBeGreaterThan(0);
    expect(available.slice(available.indexOf(false))).not.toContain(true);
    expect(await page.getByTestId('missing-presets-pty').innerText()).toMatch(/^Not installed here: claude, codex/);
    expect(await page.locator('[data-preset="claude"][data-kind="pty"]').isVisible()).toBe(false);
    expect(await page.getByTestId('folder-hint').innerText()).toContain(
      'Left empty, it starts in your home folder (~)',
    );
    await page.locator('[data-testid="preset-item"][data-preset="shell"]').click();
    await page.getByTestId('folder-input').fill('/no/such/folder');
    await page.getByTestId('start-session').click();
    await page.getByTestId('new-session-error').waitFor({ state: 'visible' });
    expect(await page.getByTestId('new-session-error').innerText()).toContain('/no/such/folder does not exist');
    for (const [name, viewport] of [
      ['portrait', PORTRAIT],
      ['landscape', LANDSCAPE],
    ] as const) {
      await page.setViewportSize(viewport);
      await page.getByTestId('new-session-error').scrollIntoViewIfNeeded();
      const error = (await page.getByTestId('new-session-error').boundingBox())!;
      const start = (await page.getByTestId('start-session').boundingBox())!;
      expect(error.y).toBeGreaterThanOrEqual(0);
      expect(error.y + error.height).toBeLessThanOrEqual(start.y); // not under the sticky Start
      expect(start.y + start.height).toBeLessThanOrEqual(viewport.height);
      await phone.screenshot(`phone-new-session-folder-error-${name}`);
    }
    await page.setViewportSize(PORTRAIT);
  });

  it('types | ~ / - and PgUp from the key bar, and Paste leaves the terminal focused for Enter', async () => {
    const { page } = phone;
    await pairFromLink(page, daemon);
    await startShell(page);
    await page.getByTestId('terminal').click();
    // echo a-b/c~ | tr a-c x-z, built from the key bar's second row.
    await page.keyboard.type('echo a');
    await page.getByTestId('keybar-dash').click();
    await page.keyboard.type('b');
    await page.getByTestId('keybar-slash').click();
    await page.keyboard.type('c');
    await page.getByTestId('keybar-tilde').click();
    await page.keyboard.type(' ');
    await page.getByTestId('keybar-pipe').click();
    await typeCommand(page, ' tr a-c x-z');
    await expect.poll(() => screenText(page), { timeout: 10_000 }).toContain('x-y/z~');
    // PgUp and PgDn send their escape sequences (cat -v shows them).
    await typeCommand(page, 'cat -v');
    await page.getByTestId('keybar-pageup').click();
    await page.getByTestId('keybar-pagedown').click();
    await page.getByTestId('keybar-enter').click();
    await expect.poll(() => screenText(page), { timeout: 10_000 }).toContain('^[[5~^[[6~');
    await page.getByTestId('keybar-ctrl').click();
    await page.keyboard.type('c');

    // Paste (the clipboard is not readable here, so the paste sheet asks), then Enter on the keyboard.
    await page.getByTestId('keybar-paste').click();
    await page.getByTestId('paste-input').fill('echo pasted-$((3*3))');
    await page.getByTestId('paste-send').click();
    await page.getByTestId('paste-sheet').waitFor({ state: 'detached' });
    expect(await page.evaluate(() => document.activeElement?.className)).toContain('xterm-helper-textarea');
    await page.keyboard.press('Enter');
    await expect.poll(() => screenText(page), { timeout: 10_000 }).toContain('pasted-9');
    await screenshotBoth(phone, 'phone-terminal-keybar');
  });

  it('keeps clear of a notch and rounded corners, and the keyboard never hides the input line or the key bar', async () => {
    const { page } = phone;
    const cdp = await phone.context.newCDPSession(page);
    const insets = (top: number, right: number, bottom: number, left: number) =>
      cdp.send('Emulation.setSafeAreaInsetsOverride', { insets: { top, right, bottom, left } });
    const box = async (testid: string) => (await page.getByTestId(testid).first().boundingBox())!;
    await pairFromLink(page, daemon);
    await startShell(page);
    await page.getByTestId('terminal').click();
    await typeCommand(page, 'echo notch-$((2*5))');

    // Portrait, a notch above and a home indicator below.
    await insets(47, 0, 34, 0);
    await expect.poll(async () => (await box('session-title')).y).toBeGreaterThanOrEqual(47);
    for (const key of ['keybar-esc', 'keybar-pagedown']) {
      const k = await box(key);
      expect(k.y + k.height, key).toBeLessThanOrEqual(844 - 34);
    }
    await phone.screenshot('phone-terminal-safe-area-portrait');

    // Landscape, the notch on the left, corners on both sides.
    await page.setViewportSize(LANDSCAPE);
    await insets(0, 47, 21, 47);
    await expect.poll(async () => (await box('terminal')).x).toBeGreaterThanOrEqual(47);
    const host = await box('terminal');
    expect(host.x + host.width).toBeLessThanOrEqual(844 - 47);
    for (const key of ['keybar-esc', 'keybar-enter']) {
      const k = await box(key);
      expect(k.x, key).toBeGreaterThanOrEqual(47);
      expect(k.x + k.width, key).toBeLessThanOrEqual(844 - 47);
      expect(k.y + k.height, key).toBeLessThanOrEqual(390 - 21);
    }
    await phone.screenshot('phone-terminal-safe-area-landscape');
    await insets(0, 0, 0, 0);

    // The on-screen keyboard takes the bottom half (the page is told through its viewport): the key
    // bar moves up above it, and the line being typed stays in view above the key bar.
    await page.setViewportSize({ width: 390, height: 420 });
    await expect
      .poll(async () => (await box('keybar-enter')).y + (await box('keybar-enter')).height)
      .toBeLessThanOrEqual(420);
    await typeCommand(page, 'echo still-$((3*3))-visible');
    await expect.poll(() => screenText(page), { timeout: 10_000 }).toContain('still-9-visible');
    const cursor = (await page.locator('[data-testid="terminal"] .xterm-cursor').boundingBox())!;
    expect(cursor.y).toBeGreaterThanOrEqual((await box('terminal')).y);
    expect(cursor.y + cursor.height).toBeLessThanOrEqual((await box('keybar-esc')).y);
    await phone.screenshot('phone-terminal-keyboard-open');
  });
});
