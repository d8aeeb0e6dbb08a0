import { describe, expect, it } from 'vitest';
import { deviceNameFrom } from '../../src/device-name.js';

const UA = {
  chromeAndroid:
    'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36',
  safariIphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  chromeIphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1',
  firefoxIphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/127.0 Mobile/15E148 Safari/605.1.15',
  ipadDesktopMode:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  firefoxLinux: 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
  firefoxAndroid: 'Mozilla/5.0 (Android 14; Mobile; rv:128.0) Gecko/128.0 Firefox/128.0',
  edgeWindows:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0',
  samsung:
    'Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36',
  chromeMac:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  chromeOs:
    'Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  headlessLinux:
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0.0.0 Safari/537.36',
};

const CHROME_LINUX =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const PIXEL_8 =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36';
const PIXEL_TABLET_BUILD =
  'Mozilla/5.0 (Linux; Android 13; Pixel Tablet Build/TQ3A.230805.001) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const CHROME_ANDROID_TABLET_REDUCED =
  'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

describe('deviceNameFrom', () => {
  it.each([
    // Phones and tablets: what they are, whatever the browser.
    [UA.safariIphone, 'iPhone'],
    [UA.chromeIphone, 'iPhone'],
    [UA.firefoxIphone, 'iPhone'],
    [PIXEL_8, 'Pixel 8'],
    [PIXEL_TABLET_BUILD, 'Pixel Tablet'],
    [UA.samsung, 'Samsung SM-S918B'],
    // Android that hides its model (reduced user agent "K", Firefox): phone or tablet.
    [UA.chromeAndroid, 'Android phone'],
    [CHROME_ANDROID_TABLET_REDUCED, 'Android tablet'],
    [UA.firefoxAndroid, 'Android phone'],
    // Computers: the browser and the system.
    [UA.firefoxLinux, 'Firefox on Linux'],
    [UA.edgeWindows, 'Edge on Windows'],
    [UA.chromeMac, 'Chrome on Mac'],
    [UA.chromeOs, 'Chrome on ChromeOS'],
    [UA.headlessLinux, 'Chrome on Linux'],
  ])('%s → %s', (userAgent, expected) => {
    expect(deviceNameFrom({ userAgent })).toBe(expected);
  });

  it('takes the model Chromium tells when asked, where the user agent says only "K"', () => {
    expect(deviceNameFrom({ userAgent: UA.chromeAndroid, platform: 'Android', model: 'Pixel 8 Pro' })).toBe(
      'Pixel 8 Pro',
    );
    expect(deviceNameFrom({ userAgent: UA.chromeAndroid, model: '' })).toBe('Android phone');
  });

  it('tells an iPad in desktop mode from a Mac by its touch screen', () => {
    expect(deviceNameFrom({ userAgent: UA.ipadDesktopMode, maxTouchPoints: 5 })).toBe('iPad');
    expect(deviceNameFrom({ userAgent: UA.ipadDesktopMode, maxTouchPoints: 0 })).toBe('Safari on Mac');
  });

  it('prefers client hint brands for Chromium browsers that hide in the user agent', () => {
    expect(
      deviceNameFrom({ userAgent: CHROME_LINUX, platform: 'Linux', brands: ['Not)A;Brand', 'Brave', 'Chromium'] }),
    ).toBe('Brave on Linux');
    expect(deviceNameFrom({ userAgent: CHROME_LINUX, brands: ['Chromium', 'Google Chrome', 'Not=A?Brand'] })).toBe(
      'Chrome on Linux',
    );
  });

  it('uses the client hint platform when the user agent does not say', () => {
    expect(deviceNameFrom({ userAgent: 'Mozilla/5.0 Chrome/126.0.0.0', platform: 'Windows' })).toBe(
      'Chrome on Windows',
    );
  });

  it('falls back to something readable', () => {
    expect(deviceNameFrom({ userAgent: '' })).toBe('Web browser');
    expect(deviceNameFrom({ userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Weird/1.0' })).toBe('Browser on Linux');
    expect(deviceNameFrom({ userAgent: 'Mozilla/5.0 (Linux; Android 14) Weird/1.0' })).toBe('Android tablet');
  });
});
