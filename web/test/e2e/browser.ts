// A phone-sized headless Chromium for the e2e tests: Debian's /usr/bin/chromium driven by playwright-core
// (never a downloaded browser). Each launch gets a fresh temporary profile (playwright creates and deletes
// its own --user-data-dir), so IndexedDB starts empty: every test pairs from scratch.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterEach, beforeEach } from 'vitest';
import { CHROMIUM_PATH, launchChromium } from './chromium.js';

export { CHROMIUM_PATH };

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/** Screenshots land here (git-ignored). */
export const SCREENSHOT_DIR = join(repoRoot, 'test-artifacts', 'screenshots');

/** A Pixel-ish phone in portrait. */
export const PHONE = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 3,
  isMobile: true,
  hasTouch: true,
  userAgent:
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36',
  locale: 'en-US',
  timezoneId: 'UTC',
  colorScheme: 'dark' as const,
};

export interface Phone {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Saves a screenshot as test-artifacts/screenshots/<name>.png and returns its path. */
  screenshot(name: string): Promise<string>;
  /** Everything the page logged (console.* and uncaught errors), for assertions and debugging. */
  logs: string[];
  close(): Promise<void>;
}

export interface LaunchOptions {
  /** Other context options (e.g. a different user agent or viewport). */
  context?: Parameters<Browser['newContext']>[0];
}

/** Launches headless Chromium with a phone-sized page. Close it with `phone.close()`. */
export async function launchPhone(opts: LaunchOptions = {}): Promise<Phone> {
  const browser = await launchChromium();
  const context = await browser.newContext({ ...PHONE, ...opts.context });
  const page = await context.newPage();
  const logs: string[] = [];
  page.on('console', (msg) => logs.push(`${msg.type()}: ${msg.text()}`));
  page.on('pageerror', (err) => logs.push(`pageerror: ${err.message}`));
  const screenshot = async (name: string): Promise<string> => {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const path = join(SCREENSHOT_DIR, `${name.replace(/[^\w.-]+/g, '-')}.png`);
    await page.screenshot({ path, animations: 'disabled', caret: 'hide' });
    return path;
  };
  return {
    browser,
    context,
    page,
    screenshot,
    logs,
    close: async () => {
      await context.close().catch(() => undefined);
      await browser.close().catch(() => undefined);
    },
  };
}

/** Fails with what to install when Debian's chromium is missing. */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM_PATH))
    throw new Error(`${CHROMIUM_PATH} is missing: apt-get install -y chromium (.ci/run does).`);
}

/**
 * A fresh phone for each test of the calling file, handed to `use`; after a failed test, a screenshot
 * named after it and its page log; closed after each test.
 */
export function phonePerTest(use: (phone: Phone) => void, opts: LaunchOptions = {}): void {
  let phone: Phone | undefined;
  beforeEach(async () => {
    phone = await launchPhone(opts);
    use(phone);
  });
  afterEach(async (ctx) => {
    if (!phone) return;
    if (ctx.task.result?.state === 'fail') {
      await phone.screenshot(`failed-${ctx.task.name}`).catch(() => undefined);
      console.log(`page log of "${ctx.task.name}":\n${phone.logs.join('\n')}`);
    }
    await phone.close();
    phone = undefined;
  });
}

/** What the page stored in IndexedDB (undefined when nothing is stored); the public key as hex. */
export function storedDevice(
  phone: Phone,
): Promise<{ deviceId: string; deviceName: string; keyBytes: number; publicKey: string } | undefined> {
  return phone.page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('paseo');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains('kv')) return resolve(undefined);
          const get = db.transaction('kv').objectStore('kv').get('device');
          get.onsuccess = () => {
            const d = get.result as
              | { deviceId: string; deviceName: string; keys: { privateKey: Uint8Array; publicKey: Uint8Array } }
              | undefined;
            resolve(
              d
                ? {
                    deviceId: d.deviceId,
                    deviceName: d.deviceName,
                    keyBytes: d.keys.privateKey.length,
                    publicKey: Array.from(d.keys.publicKey, (b) => b.toString(16).padStart(2, '0')).join(''),
                  }
                : undefined,
            );
          };
          get.onerror = () => reject(get.error);
        };
      }),
  );
}
