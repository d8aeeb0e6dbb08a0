// `cat` into a real page in headless Chromium (Debian's, as the e2e tests run it): paseo's web UI (pairs
// from its pairing link, opens the session, decrypts with noble and writes into xterm.js) against ttyd's
// own page (its xterm.js, no encryption), in the same browser and viewport. The command prints READY,
// waits for Enter, then cats the file and prints END; the time is from pressing Enter in the page to END
// on its screen (paseo: in the rendered rows; ttyd, which renders with WebGL: in its terminal's buffer,
// window.term).
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../../web/test/e2e/chromium.js';
import { type BenchFile, MiB, median, now, withTimeout } from './common.js';
import { measurePageCosts, type PageCosts } from './page-costs.js';

export interface PageResult {
  path: 'paseo' | 'ttyd';
  mibPerSec: number;
  runs: number[];
  errors: string[];
  /** paseo: what a MiB costs the page to decrypt, and to write and render (page-costs.ts). */
  costs?: PageCosts;
}

/** What the page benchmark needs from the paseo side. */
export interface PaseoPages {
  /** The daemon's web address (http://127.0.0.1:PORT/). */
  url: string;
  /** The pairing link's fragment for a fresh code: `#pair=…&key=…`. */
  pairingFragment(): string;
  /** Starts `argv` in a session; returns its id. */
  createSession(argv: string[]): Promise<string>;
  killSession(id: string): Promise<void>;
}

const READY = 'BENCH-PAGE-READY';
const END = 'BENCH-PAGE-END';
const VIEWPORT = { width: 1024, height: 768 };
const RUN_TIMEOUT_MS = 180_000;

/** The command: it stays (exec cat) after END, since ttyd's page resets its terminal when the command ends. */
function script(file: string): string[] {
  return ['sh', '-c', `printf ${READY}; read -r _; cat '${file}'; printf ${END}; exec cat`];
}

/** True once `marker` is on paseo's rendered terminal rows. */
function paseoShows(page: Page, marker: string, ms: number): Promise<unknown> {
  return page.waitForFunction(
    (m) => document.querySelector('[data-testid="terminal"] .xterm-rows')?.textContent?.includes(m) ?? false,
    marker,
    { timeout: ms, polling: 20 },
  );
}

/** True once `marker` is in the visible part of ttyd's terminal buffer. */
function ttydShows(page: Page, marker: string, ms: number): Promise<unknown> {
  return page.waitForFunction(
    (m) => {
      const term = (window as unknown as { term?: { rows: number; buffer: { active: TtydBuffer } } }).term;
      const b = term?.buffer.active;
      if (!term || !b) return false;
      for (let y = b.baseY; y < b.baseY + term.rows; y++) {
        if (b.getLine(y)?.translateToString().includes(m)) return true;
      }
      return false;
    },
    marker,
    { timeout: ms, polling: 20 },
  );
}

interface TtydBuffer {
  baseY: number;
  getLine(y: number): { translateToString(): string } | undefined;
}

/** One run on a page already showing READY: Enter, then END; MiB/s of the file. */
async function timed(page: Page, file: BenchFile, shows: typeof paseoShows): Promise<number> {
  const t0 = now();
  await page.keyboard.press('Enter');
  await shows(page, END, RUN_TIMEOUT_MS);
  return file.bytes / MiB / ((now() - t0) / 1000);
}

async function paseoRun(browser: Browser, paseo: PaseoPages, file: BenchFile, state: { page?: Page }): Promise<number> {
  if (!state.page) {
    const context = await browser.newContext({ viewport: VIEWPORT });
    const page = await context.newPage();
    await page.goto(`${paseo.url}${paseo.pairingFragment()}`);
    await page.getByTestId('home').waitFor({ timeout: 30_000 });
    state.page = page;
  }
  const page = state.page;
  const id = await paseo.createSession(script(file.path));
  try {
    await page.evaluate(
      (hash) => {
        location.hash = hash;
      },
      `#/s/${encodeURIComponent(id)}`,
    );
    await paseoShows(page, READY, 30_000);
    await page.locator('[data-testid="terminal"] textarea').focus();
    return await timed(page, file, paseoShows);
  } finally {
    await page.evaluate(() => {
      location.hash = '#/';
    });
    await paseo.killSession(id).catch(() => {});
  }
}

async function ttydRun(browser: Browser, port: number, file: BenchFile): Promise<number> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  try {
    const page = await context.newPage();
    const query = script(file.path)
      .map((a) => `arg=${encodeURIComponent(a)}`)
      .join('&');
    await page.goto(`http://127.0.0.1:${port}/?${query}`);
    await ttydShows(page, READY, 30_000);
    await page.locator('.xterm-helper-textarea').focus();
    return await timed(page, file, ttydShows);
  } finally {
    await context.close();
  }
}

/** Runs both pages `reps` times, alternating. */
export async function measurePages(
  root: string,
  paseo: PaseoPages,
  ttydPort: number | undefined,
  file: BenchFile,
  reps: number,
  log: (s: string) => void,
): Promise<PageResult[]> {
  const browser = await launchChromium();
  const results: Record<'paseo' | 'ttyd', { runs: number[]; errors: string[] }> = {
    paseo: { runs: [], errors: [] },
    ttyd: { runs: [], errors: [] },
  };
  const state: { page?: Page } = {};
  let costs: PageCosts | undefined;
  try {
    try {
      costs = await measurePageCosts(browser, root, 8);
      log(
        `  page costs: decrypt ${costs.decryptMsPerMiB.toFixed(1)} ms/MiB, xterm.js write and render ${costs.renderMsPerMiB.toFixed(1)} ms/MiB`,
      );
    } catch (err) {
      results.paseo.errors.push(`costs: ${(err as Error).message}`);
    }
    for (let r = 0; r < reps; r++) {
      for (const path of ttydPort === undefined ? (['paseo'] as const) : (['paseo', 'ttyd'] as const)) {
        try {
          const run = () =>
            path === 'paseo' ? paseoRun(browser, paseo, file, state) : ttydRun(browser, ttydPort!, file);
          const mibps = await withTimeout(run(), RUN_TIMEOUT_MS + 30_000, `${path} page`);
          results[path].runs.push(mibps);
          log(`  page ${path} run ${r + 1}/${reps}: ${mibps.toFixed(1)} MiB/s`);
        } catch (err) {
          results[path].errors.push((err as Error).message);
          log(`  page ${path} run ${r + 1}/${reps} FAILED: ${(err as Error).message}`);
        }
      }
    }
  } finally {
    await browser.close().catch(() => {});
  }
  return (['paseo', 'ttyd'] as const)
    .filter((p) => p === 'paseo' || ttydPort !== undefined)
    .map((p) => ({
      path: p,
      mibPerSec: median(results[p].runs),
      runs: results[p].runs,
      errors: results[p].errors,
      ...(p === 'paseo' && costs ? { costs } : {}),
    }));
}
