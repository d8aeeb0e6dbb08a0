// A phone off the tailnet, through a relay: headless Chromium on a phone viewport opens the relay pairing
// URL from `paseo pair --json` (a page the relay serves), pairs with no input, starts a shell, types and
// sees the output; every later visit connects through the relay. The pairing screen shows the key's
// fingerprint, the same as `paseo pair` prints.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type TestDaemon } from '../../../cli/test/integration/harness.js';
import {
  relayConnected,
  relayPairing,
  startRelay,
  type TestRelay,
} from '../../../cli/test/integration/relay-harness.js';
import { screenshotBoth, screenText, startShell, typeCommand } from './app.js';
import { type Phone, phonePerTest, requireChromium, storedDevice } from './browser.js';

describe('web UI through a relay, on a phone', () => {
  let relay: TestRelay;
  let daemon: TestDaemon;
  let phone: Phone;

  beforeAll(async () => {
    requireChromium();
    relay = await startRelay();
    daemon = await startDaemon({ args: ['--relay', relay.wsUrl] });
    await relayConnected(daemon);
  });
  afterAll(async () => {
    await daemon?.stop();
    await relay?.stop();
  });
  phonePerTest((p) => {
    phone = p;
  });

  it('pairs from the relay pairing URL, runs a shell and keeps using the relay', async () => {
    const { page } = phone;
    const sockets: string[] = [];
    page.on('websocket', (ws) => sockets.push(ws.url()));
    const pairing = relayPairing(daemon);
    expect(pairing.url.startsWith(relay.url)).toBe(true);

    await page.goto(pairing.url);
    await page.getByTestId('home').waitFor();
    expect(page.url()).not.toContain(pairing.code);
    await expect.poll(() => page.getByTestId('conn-state').getAttribute('data-state')).toBe('connected');
    await expect.poll(() => page.getByTestId('hostname').innerText()).not.toBe('');
    const stored = await storedDevice(phone);
    expect(stored?.deviceName).toBe('Pixel 8'); // named as on a direct connection
    expect(await page.evaluate(() => document.location.origin)).toBe(relay.url.replace(/\/$/, ''));
    await phone.screenshot('e2e-relay-home');

    await startShell(page);
    await page.getByTestId('terminal').click();
    await typeCommand(page, 'echo through-the-relay-$((6*7))');
    await expect.poll(() => screenText(page), { timeout: 15_000 }).toContain('through-the-relay-42');
    await phone.screenshot('e2e-relay-terminal');

    // A later visit: the stored pairing connects through the relay again, no pairing screen.
    await page.goto(relay.url);
    await page.getByTestId('home').waitFor();
    await expect.poll(() => page.getByTestId('conn-state').getAttribute('data-state')).toBe('connected');
    const wsUrl = `${relay.wsUrl}/ws/${pairing.relayId}`;
    expect(sockets.length).toBeGreaterThanOrEqual(2);
    expect(sockets.every((u) => u === wsUrl)).toBe(true);
    expect(daemon.cliJson<{ name: string; online: boolean }[]>(['devices', '--json'])).toContainEqual(
      expect.objectContaining({ name: 'Pixel 8', online: true }),
    );
    expect(phone.logs.join('\n')).not.toContain(pairing.code);
  });

  it('shows the computer’s key fingerprint on the pairing screen, the same as paseo pair', async () => {
    const { page } = phone;
    const pairing = relayPairing(daemon);
    const { fingerprint } = daemon.cliJson<{ fingerprint: string }>(['pair', '--json']);
    // A link whose code does not work: the screen stays, with the fingerprint and the reason.
    await page.goto(pairing.url.replace(`pair=${pairing.code}`, 'pair=AAAA-AAAA'));
    await page.getByTestId('pair-error').waitFor();
    expect(await page.getByTestId('pair-error').innerText()).toContain("This pairing code didn't work");
    expect(await page.getByTestId('pair-fingerprint').innerText()).toContain(fingerprint);
    await screenshotBoth(phone, 'e2e-relay-pair-fingerprint');
  });
});
