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

describe('deviceNameFrom', () => {
  it.each([
    [UA.chromeAndroid, 'Chrome on Android'],
    [UA.safariIphone, 'Safari on iPhone'],
    [UA.chromeIphone, 'Chrome on iPhone'],
    [UA.firefoxIphone, 'Firefox on iPhone'],
    [UA.firefoxLinux, 'Firefox on Linux'],
    [UA.firefoxAndroid, 'Firefox on Android'],
    [UA.edgeWindows, 'Edge on Windows'],
    [UA.samsung, 'Samsung Internet on Android'],
    [UA.chromeMac, 'Chrome on Mac'],
    [UA.chromeOs, 'Chrome on ChromeOS'],
    [UA.headlessLinux, 'Chrome on Linux'],
  ])('%s → %s', (userAgent, expected) => {
    expect(deviceNameFrom({ userAgent })).toBe(expected);
  });

  it('tells an iPad in desktop mode from a Mac by its touch screen', () => {
    expect(deviceNameFrom({ userAgent: UA.ipadDesktopMode, maxTouchPoints: 5 })).toBe('Safari on iPad');
    expect(deviceNameFrom({ userAgent: UA.ipadDesktopMode, maxTouchPoints: 0 })).toBe('Safari on Mac');
  });

  it('prefers client hint brands for Chromium browsers that hide in the user agent', () => {
    expect(
      deviceNameFrom({
        userAgent: UA.chromeAndroid,
        platform: 'Android',
        brands: ['Not)A;Brand', 'Brave', 'Chromium'],
      }),
    ).toBe('Brave on Android');
    expect(deviceNameFrom({ userAgent: UA.chromeAndroid, brands: ['Chromium', 'Google Chrome', 'Not=A?Brand'] })).toBe(
      'Chrome on Android',
    );
  });

  it('uses the client hint platform when the user agent does not say', () => {
    expect(deviceNameFrom({ userAgent: 'Mozilla/5.0 Chrome/126.0.0.0', platform: 'Windows' })).toBe(
      'Chrome on Windows',
    );
  });

  it('falls back to something readable', () => {
    expect(deviceNameFrom({ userAgent: '' })).toBe('Web browser');
    expect(deviceNameFrom({ userAgent: 'Mozilla/5.0 (Linux; Android 14) Weird/1.0' })).toBe('Browser on Android');
  });
});
