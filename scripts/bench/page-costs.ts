// In the page, what a MiB of terminal output costs the browser: decrypting it (noble ChaCha20-Poly1305,
// as web/src does, in 60 KiB frames) against writing and rendering it in xterm.js (its DOM renderer, as
// paseo's page has it). Runs in a blank page of the same Chromium as page.ts; the browser-side code is
// bundled here with esbuild (a development dependency the launcher already uses).
import { join } from 'node:path';
import type { Browser } from 'playwright-core';

export interface PageCosts {
  decryptMsPerMiB: number;
  renderMsPerMiB: number;
}

/** Measures both costs on `mib` MiB of build-log-like text. */
export async function measurePageCosts(browser: Browser, root: string, mib: number): Promise<PageCosts> {
  const esbuild = (await import('esbuild')) as typeof import('esbuild');
  const built = await esbuild.build({
    entryPoints: [join(root, 'scripts', 'bench', 'page-costs-entry.ts')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
    absWorkingDir: root,
  });
  const context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
  try {
    const page = await context.newPage();
    await page.setContent('<div id="t" style="width:1000px;height:700px"></div>');
    await page.addScriptTag({ content: built.outputFiles[0]!.text });
    return await page.evaluate(
      (m) => (window as unknown as { paseoPageCosts(mib: number): Promise<PageCosts> }).paseoPageCosts(m),
      mib,
    );
  } finally {
    await context.close();
  }
}
