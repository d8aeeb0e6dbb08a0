// Debian's headless Chromium (/usr/bin/chromium) driven by playwright-core, never a downloaded browser,
// with the flags every test and the benchmark use: no GPU, no background traffic, and a resolver that
// resolves nothing but loopback. Used by browser.ts (the e2e tests) and scripts/bench/page.ts.
import { type Browser, chromium } from 'playwright-core';

/** Where Debian installs Chromium (`apt-get install -y chromium`). */
export const CHROMIUM_PATH = process.env.PASEO_CHROMIUM ?? '/usr/bin/chromium';

/** Launches headless Chromium (each launch has a fresh temporary profile). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // Resolve nothing but loopback: even with --disable-background-networking Chromium otherwise looks
      // up Google hosts through the machine's DNS server. Proxied names (SOCKS5) resolve at the proxy.
      '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost',
    ],
  });
}
