// What the web UI e2e tests do again and again: pair a phone from a link, start a shell, read the
// terminal, check that a page fits its screen, find a free port to start a daemon on again, and take the
// screenshots of a screen in portrait and in landscape.
import { createServer } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import { startDaemon, type TestDaemon } from '../../../cli/test/integration/harness.js';
import { type Phone, phonePerTest, requireChromium } from './browser.js';

type Page = Phone['page'];

/** A phone in portrait and the same phone turned (the two viewports every touched screen is shot in). */
export const PORTRAIT = { width: 390, height: 844 };
export const LANDSCAPE = { width: 844, height: 390 };

/** One daemon for the calling file and a fresh phone for each of its tests, handed to the callbacks. */
export function daemonAndPhonePerTest(use: { daemon(d: TestDaemon): void; phone(p: Phone): void }): void {
  let daemon: TestDaemon | undefined;
  beforeAll(async () => {
    requireChromium();
    daemon = await startDaemon();
    use.daemon(daemon);
  });
  afterAll(async () => {
    await daemon?.stop();
  });
  phonePerTest(use.phone);
}

/** Opens a fresh pairing link of `daemon` and waits for the home screen. */
export async function pairFromLink(page: Page, daemon: TestDaemon): Promise<void> {
  await page.goto(daemon.cliJson<{ url: string }>(['pair', '--json']).url);
  await page.getByTestId('home').waitFor();
}

/** From the home screen: New session → shell → Start, then waits for the terminal. Returns its id. */
export async function startShell(page: Page): Promise<string> {
  await page.getByTestId('new-session').click();
  await page.locator('[data-testid="preset-item"][data-preset="shell"]').click();
  await page.getByTestId('start-session').click();
  await page.getByTestId('terminal-screen').waitFor();
  await page.locator('[data-testid="terminal"] .xterm-rows').waitFor();
  return (await page.getByTestId('terminal-screen').getAttribute('data-session-id')) ?? '';
}

/** The terminal's size in cells, as the page's xterm has it. */
export async function termSize(page: Page): Promise<{ cols: number; rows: number }> {
  const el = page.getByTestId('terminal');
  return { cols: Number(await el.getAttribute('data-cols')), rows: Number(await el.getAttribute('data-rows')) };
}

/** The text on the terminal's screen. */
export function screenText(page: Page): Promise<string> {
  return page.locator('[data-testid="terminal"] .xterm-rows').innerText();
}

/** Types a command into the focused terminal and Enter from the key bar. */
export async function typeCommand(page: Page, command: string): Promise<void> {
  await page.keyboard.type(command);
  await page.getByTestId('keybar-enter').click();
}

/** The connection label next to the state dot. */
export function connLabel(page: Page): Promise<string> {
  return page.getByTestId('conn-state').first().innerText();
}

/** Screenshots `name`-portrait and `name`-landscape, then turns the phone back to portrait. */
export async function screenshotBoth(phone: Phone, name: string): Promise<void> {
  await phone.page.setViewportSize(PORTRAIT);
  await settle(phone.page);
  await phone.screenshot(`${name}-portrait`);
  await phone.page.setViewportSize(LANDSCAPE);
  await settle(phone.page);
  await phone.screenshot(`${name}-landscape`);
  await phone.page.setViewportSize(PORTRAIT);
  await settle(phone.page);
}

/** Two animation frames: layout and the terminal's refit have run. */
async function settle(page: Page): Promise<void> {
  await page.evaluate(
    () => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))),
  );
}

/** True when nothing on the page is wider than the screen (no sideways scrolling of the page). */
export function pageFits(phone: Phone): Promise<boolean> {
  return phone.page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);
}

/** A loopback port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 0;
}
