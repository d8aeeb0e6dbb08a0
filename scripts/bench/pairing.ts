// Pairing in headless Chromium on loopback: from opening the pairing link (`#pair=…&key=…`) to the
// device's file in PASEO_HOME/devices, and the page's first contentful paint (Paint Timing). Each run
// is a fresh browser context (empty IndexedDB), as a new phone would be.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { launchChromium } from '../../web/test/e2e/chromium.js';
import { median, now, sleep } from './common.js';

export interface PairingResult {
  pairMs: number;
  firstPaintMs: number;
  runsMs: number[];
  paintRunsMs: number[];
  errors: string[];
}

/** The daemon refills one pairing attempt per 3 s after a burst of 5 (daemon/pairing.ts). */
const PAIR_REFILL_MS = 3100;

export async function measurePairing(
  opts: { url: string; home: string; fragment: () => string; reps: number; burstLeft: number },
  log: (s: string) => void,
): Promise<PairingResult> {
  const browser = await launchChromium();
  const runs: number[] = [];
  const paints: number[] = [];
  const errors: string[] = [];
  const devicesDir = join(opts.home, 'devices');
  const count = (): number => {
    try {
      return readdirSync(devicesDir).filter((f) => f.endsWith('.json')).length;
    } catch {
      return 0;
    }
  };
  try {
    for (let r = 0; r < opts.reps; r++) {
      if (r >= opts.burstLeft) await sleep(PAIR_REFILL_MS);
      const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
      try {
        const page = await context.newPage();
        const fragment = opts.fragment();
        const before = count();
        const t0 = now();
        await page.goto(`${opts.url}${fragment}`, { waitUntil: 'commit' });
        while (count() === before) {
          if (now() - t0 > 20_000) throw new Error('the device was not stored within 20 s');
          await sleep(2);
        }
        const pairMs = now() - t0;
        const paint = await page.evaluate(
          () => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? Number.NaN,
        );
        runs.push(pairMs);
        paints.push(paint);
        log(
          `  pairing run ${r + 1}/${opts.reps}: stored after ${pairMs.toFixed(0)} ms, first paint ${paint.toFixed(0)} ms`,
        );
      } catch (err) {
        errors.push((err as Error).message);
        log(`  pairing run ${r + 1}/${opts.reps} FAILED: ${(err as Error).message}`);
      } finally {
        await context.close().catch(() => {});
      }
    }
  } finally {
    await browser.close().catch(() => {});
  }
  return { pairMs: median(runs), firstPaintMs: median(paints), runsMs: runs, paintRunsMs: paints, errors };
}
