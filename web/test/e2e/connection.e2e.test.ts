// The connection state a phone shows is true: a network that stalls (packets dropped, nothing closed)
// is noticed within seconds on both sides and recovered from by itself; after `paseo down` the page
// says paseo was stopped (and when), greys out what it can no longer vouch for, and after `paseo up`
// it reconnects and refreshes everything by itself. Real Chromium, real daemon; the stall is a SOCKS5
// proxy on loopback that stops forwarding without closing (stall-proxy.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon } from '../../../cli/test/integration/harness.js';
import { connLabel, freePort, pairFromLink, screenshotBoth, screenText, startShell, typeCommand } from './app.js';
import { launchPhone, type Phone, requireChromium } from './browser.js';
import { StallProxy } from './stall-proxy.js';

/** The Done-when bound: a stalled link is noticed and shown within this, in milliseconds. */
const DETECTED_WITHIN_MS = 5_000;

interface DeviceJson {
  name: string;
  online: boolean;
}

describe('connection state on a phone', () => {
  let phone: Phone | undefined;
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(requireChromium);
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail' && phone) {
      await phone.screenshot(`failed-${ctx.task.name}`).catch(() => undefined);
      console.log(`page log of "${ctx.task.name}":\n${phone.logs.join('\n')}`);
    }
    await phone?.close();
    phone = undefined;
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  });
  afterAll(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  });

  it('notices a stalled network within 5 s, the daemon cuts the silent device, and both recover by themselves', async () => {
    const daemon = await startDaemon();
    cleanups.push(() => daemon.stop());
    const proxy = await StallProxy.start();
    cleanups.push(() => proxy.close());
    phone = await launchPhone({ context: { proxy: proxy.contextProxy } });
    const { page } = phone;
    await pairFromLink(page, daemon);
    await startShell(page);
    await page.getByTestId('terminal').click();
    await typeCommand(page, 'echo before-$((20+1))');
    await expect.poll(() => screenText(page), { timeout: 10_000 }).toContain('before-21');
    const online = () => daemon.cliJson<DeviceJson[]>(['devices', '--json']).some((d) => d.online);
    expect(online()).toBe(true);

    // The network stalls: nothing is closed, nothing gets through.
    proxy.stall();
    const stalledAt = Date.now();
    await expect.poll(() => connLabel(page), { timeout: DETECTED_WITHIN_MS }).toBe('Connection lost');
    console.log(`[connection e2e] stalled link shown as lost after ${Date.now() - stalledAt} ms`);
    expect(await page.getByTestId('conn-banner-text').innerText()).toMatch(
      /^Lost the connection to .+ \(last heard at \d\d:\d\d:\d\d\)\. Trying again/,
    );
    expect(await page.getByTestId('terminal-screen').getAttribute('class')).toContain('offline');
    await screenshotBoth(phone, 'connection-lost-terminal');
    // The daemon hears nothing from the phone either, and cuts it (it shows offline).
    await expect.poll(online, { timeout: 15_000 }).toBe(false);

    // The network comes back: the page reconnects, re-attaches, and typing works again.
    proxy.resume();
    await expect
      .poll(() => page.getByTestId('conn-state').getAttribute('data-state'), { timeout: 30_000 })
      .toBe('connected');
    await page.getByTestId('conn-banner').waitFor({ state: 'hidden' });
    await page.getByTestId('terminal').click();
    await typeCommand(page, 'echo after-$((40+2))');
    await expect.poll(() => screenText(page), { timeout: 10_000 }).toContain('after-42');
    await expect.poll(online, { timeout: 10_000 }).toBe(true);
  }, 90_000);

  it('says paseo was stopped after `paseo down`, greys out its sessions, and refreshes after `paseo up`', async () => {
    const home = mkdtempSync(join(tmpdir(), 'paseo-e2e-restart-'));
    cleanups.push(async () => rmSync(home, { recursive: true, force: true }));
    const listen = `127.0.0.1:${await freePort()}`;
    let daemon = await startDaemon({ home, listen });
    cleanups.push(() => daemon.stop());
    phone = await launchPhone();
    const { page } = phone;
    await pairFromLink(page, daemon);
    await page.getByTestId('name-device-dismiss').click();
    const sessionId = await startShell(page);
    await page.getByTestId('back').click();
    await page.locator(`[data-testid="session-item"][data-session-id="${sessionId}"]`).waitFor();

    // `paseo down`: the page says what it knows, not "could not reach … same network".
    expect(daemon.cli(['down']).stdout).toBe('paseo stopped.\n');
    await expect.poll(() => connLabel(page), { timeout: 10_000 }).toBe('Stopped on the computer');
    const banner = await page.getByTestId('conn-banner-text').innerText();
    expect(banner).toMatch(
      /^paseo was stopped on .+ at \d\d:\d\d:\d\d\. Start it again with paseo up: this page reconnects by itself\.$/,
    );
    expect(banner).not.toMatch(/same network|Could not reach/);
    // Its sessions ended with it: greyed out, and said so.
    expect(await page.getByTestId('session-list').getAttribute('class')).toContain('stale');
    expect(await page.getByTestId('session-state').first().innerText()).toBe('ended when paseo stopped');
    // Attempts to reconnect fail meanwhile (the page logs each); what is shown stays what is known.
    await expect
      .poll(() => phone?.logs.some((l) => l.includes('connection unreachable')), { timeout: 10_000 })
      .toBe(true);
    expect(await connLabel(page)).toBe('Stopped on the computer');
    await screenshotBoth(phone, 'connection-stopped-home');

    // `paseo up` again, same place: the page reconnects by itself and lists what is there now.
    daemon = await startDaemon({ home, listen });
    cleanups.push(() => daemon.stop());
    await expect
      .poll(() => page.getByTestId('conn-state').getAttribute('data-state'), { timeout: 30_000 })
      .toBe('connected');
    await page.getByTestId('sessions-empty').waitFor({ state: 'visible' });
    expect(await page.getByTestId('session-item').count()).toBe(0);
    expect(await page.getByTestId('session-list').getAttribute('class')).not.toContain('stale');
    await page.getByTestId('conn-banner').waitFor({ state: 'hidden' });
    await screenshotBoth(phone, 'connection-restarted-home');

    // The old session's page says it is gone; a new one starts (presets asked again).
    await page.goto(`${daemon.url}#/s/${sessionId}`);
    await expect
      .poll(() => page.getByTestId('session-opening').innerText(), { timeout: 10_000 })
      .toContain('This session no longer exists.');
    await page.goto(daemon.url);
    await page.getByTestId('home').waitFor();
    await startShell(page);
  }, 120_000);
});
