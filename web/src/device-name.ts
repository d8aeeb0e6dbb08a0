// A default name for this device, from what the browser says about itself: a phone or tablet by what it
// is ("iPhone", "Pixel 8", "iPad"), a computer by its browser and system ("Firefox on Linux"). Pure
// except for `currentDeviceName` and `guessDeviceName`, which read navigator.

/** What the browser tells about itself (navigator.userAgent and, in Chromium, navigator.userAgentData). */
export interface BrowserHints {
  userAgent: string;
  /** navigator.userAgentData.platform, e.g. "Android", "macOS", "Windows". */
  platform?: string;
  /** navigator.userAgentData.brands[].brand, e.g. ["Google Chrome", "Chromium", "Not=A?Brand"]. */
  brands?: readonly string[];
  /** navigator.maxTouchPoints: tells an iPad (which claims to be a Mac) from a Mac. */
  maxTouchPoints?: number;
  /** The device model (navigator.userAgentData high-entropy `model`, e.g. "Pixel 8"), when asked for. */
  model?: string;
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

/** Words that stand where a model would, and are not one (reduced user agents say "K"). */
const NOT_A_MODEL = new Set(['', 'k', 'wv', 'mobile', 'tablet', 'linux', 'u']);

/** A model as people say it: "SAMSUNG SM-S918B" → "Samsung SM-S918B"; undefined if it is not one. */
function cleanModel(model: string | undefined): string | undefined {
  const m = model
    ?.trim()
    .replace(/^SAMSUNG\b/i, 'Samsung')
    .slice(0, 60);
  return m && !NOT_A_MODEL.has(m.toLowerCase()) ? m : undefined;
}

/** The model an Android user agent names: "(Linux; Android 14; Pixel 8 Build/…)" → "Pixel 8". */
function modelInUserAgent(ua: string): string | undefined {
  return /\bAndroid [\d.]+;(?: [a-z]{2}(?:[-_][a-z]{2})?;)? ([^;)]+?)(?: Build\/[^;)]*)?[;)]/i.exec(ua)?.[1];
}

/** A phone or tablet by what it is: "iPhone", "iPad", "Pixel 8", "Android phone"; undefined for computers. */
function handheldName(h: BrowserHints): string | undefined {
  const ua = h.userAgent;
  if (/\biPhone\b/.test(ua)) return 'iPhone';
  if (/\biPad\b/.test(ua) || (/\bMacintosh\b/.test(ua) && (h.maxTouchPoints ?? 0) > 1)) return 'iPad';
  if (/\biPod\b/.test(ua)) return 'iPod';
  if (!/\bAndroid\b/.test(ua) && h.platform?.toLowerCase() !== 'android') return undefined;
  const model = cleanModel(h.model) ?? cleanModel(modelInUserAgent(ua));
  if (model) return model;
  return /\bMobile\b/.test(ua) ? 'Android phone' : 'Android tablet';
}

/**
 * A short, friendly name for this device: a phone or tablet by what it is ("iPhone", "Pixel 8"), a
 * computer by its browser and system ("Chrome on Mac").
 */
export function deviceNameFrom(h: BrowserHints): string {
  const handheld = handheldName(h);
  if (handheld) return handheld;
  const browser = browserName(h);
  const os = osName(h);
  if (browser && os) return `${browser} on ${os}`;
  if (os) return `Browser on ${os}`;
  return browser ?? 'Web browser';
}

interface NavigatorUAData {
  platform?: string;
  brands?: ReadonlyArray<{ brand: string }>;
  getHighEntropyValues?(hints: string[]): Promise<{ model?: string }>;
}

function navigatorHints(model?: string): BrowserHints {
  const nav = navigator as Navigator & { userAgentData?: NavigatorUAData };
  const data = nav.userAgentData;
  return {
    userAgent: nav.userAgent,
    platform: data?.platform,
    brands: data?.brands?.map((b) => b.brand),
    maxTouchPoints: nav.maxTouchPoints,
    ...(model ? { model } : {}),
  };
}

/** The default name for this browser, from what it tells at once. */
export function currentDeviceName(): string {
  return deviceNameFrom(navigatorHints());
}

/** The default name, asking Chromium for the device model first ("Pixel 8" where the user agent says "K"). */
export async function guessDeviceName(): Promise<string> {
  const data = (navigator as Navigator & { userAgentData?: NavigatorUAData }).userAgentData;
  try {
    const { model } = (await data?.getHighEntropyValues?.(['model'])) ?? {};
    return deviceNameFrom(navigatorHints(model));
  } catch {
    return currentDeviceName();
  }
}
