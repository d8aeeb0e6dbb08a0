// One sizing rule for every device (cli/src/session/size.ts), seen in two real Chromium viewports at once,
// a phone in portrait (390×844) and a tablet in landscape (844×390): the device that typed last (or took
// the size with "Size for this screen") sets the session's size; the other shows the whole terminal,
// shrunk to fit its width, with no sideways panning, and says whose size it is.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type TestDaemon } from '../../../cli/test/integration/harness.js';
import { LANDSCAPE, PORTRAIT, pairFromLink, screenText, startShell, termSize, typeCommand } from './app.js';
import { launchPhone, type Phone, requireChromium } from './browser.js';

const TABLET_UA =
  'Mozilla/5.0 (Linux; Android 14; Pixel Tablet) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

interface Fit {
  /** The drawn terminal's right edge is inside the screen it is shown in. */
  fitsAcross: boolean;
  /** Nothing can be scrolled sideways: neither the terminal's box nor the page. */
  noSidewaysScroll: boolean;
  scale: number;
}

/** Whether the terminal is shown whole across the page, and at which scale. */
function shownWhole(phone: Phone): Promise<Fit> {
  return phone.page.evaluate(() => {
    const host = document.querySelector<HTMLElement>('[data-testid="terminal"]')!;
    const screen = host.querySelector<HTMLElement>('.xterm-screen')!.getBoundingClientRect();
    const box = host.getBoundingClientRect();
    const pannable = [host, host.parentElement!, document.scrollingElement!].some((el) => {
      el.scrollLeft = 10_000;
      const moved = el.scrollLeft !== 0;
      el.scrollLeft = 0;
      return moved;
    });
    return {
      fitsAcross: screen.left >= box.left - 0.5 && screen.right <= box.right + 0.5 && box.right <= innerWidth,
      noSidewaysScroll: !pannable,
      scale: Number(host.dataset.scale ?? '1'),
    };
  });
}

describe('sizing: the device that typed last sets the size; the others see it whole', () => {
  let daemon: TestDaemon;
  let portrait: Phone;
  let landscape: Phone;

  beforeAll(async () => {
    requireChromium();
    daemon = await startDaemon();
    portrait = await launchPhone({ context: { viewport: PORTRAIT } });
    landscape = await launchPhone({ context: { viewport: LANDSCAPE, userAgent: TABLET_UA, isMobile: false } });
  });
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail') {
      for (const [name, p] of [
        ['portrait', portrait],
        ['landscape', landscape],
      ] as const) {
        await p.screenshot(`failed-sizing-${name}`).catch(() => undefined);
        console.log(`${name} page log:\n${p.logs.join('\n')}`);
      }
    }
  });
  afterAll(async () => {
    await portrait?.close();
    await landscape?.close();
    await daemon?.stop();
  });

  const listed = (id: string) =>
    daemon.cliJson<{ id: string; cols: number; rows: number }[]>(['ls', '--json']).find((s) => s.id === id);

  it('follows the portrait phone, then the landscape tablet that types, then the phone that takes it back', async () => {
    await pairFromLink(portrait.page, daemon);
    await pairFromLink(landscape.page, daemon);
    const id = await startShell(portrait.page);

    // Alone, the phone sets the size: the session is its size, shown at full scale.
    await expect.poll(() => termSize(portrait.page), { timeout: 10_000 }).not.toEqual({ cols: 80, rows: 24 });
    const phoneSize = await termSize(portrait.page);
    await expect.poll(() => listed(id), { timeout: 10_000 }).toMatchObject(phoneSize);
    await expect
      .poll(() => portrait.page.getByTestId('size-label').innerText())
      .toBe(`${phoneSize.cols}×${phoneSize.rows} · sized here`);

    // The tablet opens it: it shows the phone's size, whole, shrunk to fit, and says whose it is.
    await landscape.page.goto(`${daemon.url}#/s/${id}`);
    await landscape.page.getByTestId('terminal-screen').waitFor();
    await expect.poll(() => termSize(landscape.page), { timeout: 10_000 }).toEqual(phoneSize);
    await landscape.page.getByTestId('size-strip').waitFor({ state: 'visible' });
    expect(await landscape.page.getByTestId('size-label').innerText()).toBe(
      `${phoneSize.cols}×${phoneSize.rows} · sized by Pixel 8`,
    );
    expect(await landscape.page.getByTestId('size-strip-text').innerText()).toBe('Shown smaller to fit.');
    await expect.poll(() => shownWhole(landscape)).toMatchObject({ fitsAcross: true, noSidewaysScroll: true });
    expect((await shownWhole(landscape)).scale).toBeLessThan(1);
    await landscape.screenshot('sizing-tablet-shows-phone-size');

    // The tablet types: the session takes the tablet's size; now the phone shows it whole, shrunk.
    await landscape.page.getByTestId('terminal').click();
    await typeCommand(landscape.page, 'echo typed-on-the-$((1+1))-tablet');
    await expect.poll(() => landscape.page.getByTestId('size-strip').isHidden()).toBe(true);
    const tabletSize = await termSize(landscape.page);
    expect(tabletSize.cols).toBeGreaterThan(phoneSize.cols);
    await expect.poll(() => listed(id), { timeout: 10_000 }).toMatchObject(tabletSize);
    await expect.poll(() => termSize(portrait.page), { timeout: 10_000 }).toEqual(tabletSize);
    await portrait.page.getByTestId('size-strip').waitFor({ state: 'visible' });
    expect(await portrait.page.getByTestId('size-label').innerText()).toBe(
      `${tabletSize.cols}×${tabletSize.rows} · sized by Pixel Tablet`,
    );
    await expect.poll(() => shownWhole(portrait)).toMatchObject({ fitsAcross: true, noSidewaysScroll: true });
    expect((await shownWhole(portrait)).scale).toBeLessThan(1);
    await expect.poll(() => screenText(portrait.page), { timeout: 10_000 }).toContain('typed-on-the-2-tablet');
    // A line as wide as the terminal is all there on the phone, its last column included.
    await typeCommand(landscape.page, `clear; printf '%*s\\n' ${tabletSize.cols} END`);
    await expect.poll(() => screenText(portrait.page), { timeout: 10_000 }).toMatch(/ END\n/);
    await portrait.screenshot('sizing-phone-shows-tablet-size');

    // The phone takes the size back on purpose, without typing: the daemon follows at once.
    await portrait.page.getByTestId('take-size').click();
    await expect.poll(() => listed(id), { timeout: 10_000 }).toMatchObject(phoneSize);
    await expect.poll(() => portrait.page.getByTestId('size-strip').isHidden()).toBe(true);
    expect((await shownWhole(portrait)).scale).toBe(1);
    await expect.poll(() => termSize(landscape.page), { timeout: 10_000 }).toEqual(phoneSize);
    await expect.poll(() => shownWhole(landscape)).toMatchObject({ fitsAcross: true, noSidewaysScroll: true });
    await portrait.page.getByTestId('terminal').click();
    await typeCommand(portrait.page, 'stty size');
    await expect
      .poll(() => screenText(portrait.page), { timeout: 10_000 })
      .toContain(`${phoneSize.rows} ${phoneSize.cols}`);
    await portrait.screenshot('sizing-phone-took-size');
    await landscape.screenshot('sizing-tablet-after-phone-took-size');
  });
});
