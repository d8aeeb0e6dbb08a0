// A default name for this device, from what the browser says about itself: "Chrome on Android",
// "Safari on iPhone", "Firefox on Linux". Pure except for `currentDeviceName`, which reads navigator.

/** What the browser tells about itself (navigator.userAgent and, in Chromium, navigator.userAgentData). */
export interface BrowserHints {
  userAgent: string;
  /** navigator.userAgentData.platform, e.g. "Android", "macOS", "Windows". */
  platform?: string;
  /** navigator.userAgentData.brands[].brand, e.g. ["Google Chrome", "Chromium", "Not=A?Brand"]. */
  brands?: readonly string[];
  /** navigator.maxTouchPoints: tells an iPad (which claims to be a Mac) from a Mac. */
  maxTouchPoints?: number;
}

const BRAND_NAMES: ReadonlyArray<[RegExp, string]> = [
  [/edge/i, 'Edge'],
  [/opera/i, 'Opera'],
  [/brave/i, 'Brave'],
  [/samsung/i, 'Samsung Internet'],
  [/vivaldi/i, 'Vivaldi'],
  [/yandex/i, 'Yandex'],
  [/google chrome/i, 'Chrome'],
];

const UA_BROWSERS: ReadonlyArray<[RegExp, string]> = [
  [/\bEdg(e|A|iOS)?\//, 'Edge'],
  [/\bSamsungBrowser\//, 'Samsung Internet'],
  [/\b(OPR|OPT|OPiOS)\/|\bOpera\b/, 'Opera'],
  [/\bVivaldi\//, 'Vivaldi'],
  [/\bYaBrowser\//, 'Yandex'],
  [/\bDuckDuckGo\//, 'DuckDuckGo'],
  [/\bFxiOS\/|\bFirefox\//, 'Firefox'],
  [/\bCriOS\//, 'Chrome'],
  [/\bChromium\//, 'Chromium'],
  [/Chrome\//, 'Chrome'], // also HeadlessChrome/
  [/\bVersion\/[\d.]+.*\bSafari\//, 'Safari'],
];

const PLATFORM_NAMES: Readonly<Record<string, string>> = {
  android: 'Android',
  'chrome os': 'ChromeOS',
  'chromium os': 'ChromeOS',
  ios: 'iPhone',
  linux: 'Linux',
  macos: 'Mac',
  windows: 'Windows',
};

function browserName(h: BrowserHints): string | undefined {
  const ua = h.userAgent;
  // The user agent string names the less common browsers more reliably than brands do.
  for (const [re, name] of UA_BROWSERS) {
    if (re.test(ua)) {
      if (name !== 'Chrome' && name !== 'Chromium') return name;
      break;
    }
  }
  for (const brand of h.brands ?? []) {
    if (/not.?a.?brand/i.test(brand)) continue;
    for (const [re, name] of BRAND_NAMES) if (re.test(brand)) return name;
  }
  for (const [re, name] of UA_BROWSERS) if (re.test(ua)) return name;
  return undefined;
}

function osName(h: BrowserHints): string | undefined {
  const ua = h.userAgent;
  if (/\biPhone\b/.test(ua)) return 'iPhone';
  if (/\biPad\b/.test(ua)) return 'iPad';
  if (/\biPod\b/.test(ua)) return 'iPod';
  // iPadOS asks for desktop sites and says "Macintosh"; only the touch screen gives it away.
  if (/\bMacintosh\b/.test(ua) && (h.maxTouchPoints ?? 0) > 1) return 'iPad';
  if (/\bAndroid\b/.test(ua)) return 'Android';
  if (/\bCrOS\b/.test(ua)) return 'ChromeOS';
  if (/\bWindows\b/.test(ua)) return 'Windows';
  if (/\bMacintosh\b|\bMac OS X\b/.test(ua)) return 'Mac';
  const platform = h.platform?.trim().toLowerCase();
  if (platform && PLATFORM_NAMES[platform]) return PLATFORM_NAMES[platform];
  if (/\bLinux\b|\bX11\b/.test(ua)) return 'Linux';
  return undefined;
}

/** A short, friendly name for a browser on a device, e.g. "Chrome on Android". */
export function deviceNameFrom(h: BrowserHints): string {
  const browser = browserName(h);
  const os = osName(h);
  if (browser && os) return `${browser} on ${os}`;
  if (os) return `Browser on ${os}`;
  return browser ?? 'Web browser';
}

interface NavigatorUAData {
  platform?: string;
  brands?: ReadonlyArray<{ brand: string }>;
}

/** The default name for this browser. */
export function currentDeviceName(): string {
  const nav = navigator as Navigator & { userAgentData?: NavigatorUAData };
  const data = nav.userAgentData;
  return deviceNameFrom({
    userAgent: nav.userAgent,
    platform: data?.platform,
    brands: data?.brands?.map((b) => b.brand),
    maxTouchPoints: nav.maxTouchPoints,
  });
}
