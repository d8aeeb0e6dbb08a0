// A hostile carrier between the phone's browser and the daemon (what a relay or a proxy is): Playwright
// routes the page's WebSocket through the test, which forges a plaintext CLOSE frame of every kind, and
// serves a forged /api/info with another daemon key. The page keeps its pairing through all of it and
// connects again; the changed key only leads to a question, and keeping the pairing is one tap.
import type { WebSocketRoute } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOSE_CODES, closeFrame } from '../../../cli/src/channel/channel.js';
import { toBase64Url } from '../../../cli/src/channel/encoding.js';
import type { CloseKind } from '../../../cli/src/channel/messages.js';
import { generateKeyPair } from '../../../cli/src/channel/noise.js';
import { startDaemon, type TestDaemon } from '../../../cli/test/integration/harness.js';
import { type Phone, phonePerTest, requireChromium, storedDevice } from './browser.js';

/** Every CLOSE kind, each forged with the WebSocket close code the daemon would use. */
const KINDS = Object.keys(CLOSE_CODES) as CloseKind[];

type Attack = { kind: CloseKind; when: 'instead-of-reply' | 'after-welcome' };

/** Relays the page's WebSockets to the daemon; the next connections get the planned forgeries. */
class Carrier {
  /** The forgeries still to serve, one per new connection (then it only relays). */
  readonly plan: Attack[];
  /** Connections the page must open to get past them all and connect once more. */
  readonly needed: number;
  connections = 0;

  constructor(...plan: Attack[]) {
    this.plan = plan;
    this.needed = plan.length + 1;
  }

  relay(ws: WebSocketRoute): void {
    this.connections++;
    const attack = this.plan.shift();
    const server = ws.connectToServer();
    let fromDaemon = 0;
    const forge = (kind: CloseKind) => {
      ws.send(Buffer.from(closeFrame(kind, `Forged by the carrier: ${kind}.`)));
      void ws.close({ code: CLOSE_CODES[kind], reason: kind });
      void server.close();
    };
    ws.onMessage((m) => server.send(m));
    server.onMessage((m) => {
      fromDaemon++;
      if (attack?.when === 'instead-of-reply') return forge(attack.kind);
      ws.send(m);
      if (attack?.when === 'after-welcome' && fromDaemon === 2) setTimeout(() => forge(attack.kind), 200);
    });
  }
}

describe('a phone behind a hostile carrier', () => {
  let daemon: TestDaemon;
  let phone: Phone;

  beforeAll(async () => {
    requireChromium();
    daemon = await startDaemon();
  });
  afterAll(async () => {
    await daemon?.stop();
  });
  phonePerTest((p) => {
    phone = p;
  });

  /** Pairs from a link (not routed) and returns what the page stored. */
  async function pair() {
    const { page } = phone;
    await page.goto(daemon.cliJson<{ url: string }>(['pair', '--json']).url);
    await page.getByTestId('home').waitFor();
    await expect.poll(() => page.getByTestId('conn-state').getAttribute('data-state')).toBe('connected');
    const stored = await storedDevice(phone);
    expect(stored?.keyBytes).toBe(32);
    return stored!;
  }

  /**
   * Until the page connected through the carrier once more after every planned forgery was served (it
   * would wait out its backoff between attempts, so it is nudged as when the network comes back).
   */
  async function untilReconnectedAfterPlan(carrier: Carrier): Promise<void> {
    await expect
      .poll(
        async () => {
          await phone.page.evaluate(() => window.dispatchEvent(new Event('online')));
          return carrier.connections;
        },
        { timeout: 20_000, interval: 300 },
      )
      .toBeGreaterThanOrEqual(carrier.needed);
    await expect
      .poll(() => phone.page.getByTestId('conn-state').getAttribute('data-state'), { timeout: 20_000 })
      .toBe('connected');
  }

  it('keeps its pairing through a forged CLOSE of every kind, and connects again', async () => {
    const { page } = phone;
    const before = await pair();
    const carrier = new Carrier(
      ...KINDS.map((kind): Attack => ({ kind, when: 'instead-of-reply' })),
      { kind: 'revoked', when: 'after-welcome' },
      { kind: 'needs-pairing', when: 'after-welcome' },
    );
    await page.routeWebSocket(/\/ws$/, (ws) => carrier.relay(ws));
    await page.reload();
    await page.getByTestId('home').waitFor();
    await untilReconnectedAfterPlan(carrier);

    // Through all of it: never the re-pair screen, the same keys stored, and connected again.
    expect(await page.getByTestId('repair-screen').count()).toBe(0);
    expect(await storedDevice(phone)).toEqual(before);
    await phone.screenshot('e2e-carrier-still-paired');
  });

  it('a forged /api/info with another key only asks; keeping the pairing keeps the keys', async () => {
    const { page } = phone;
    const before = await pair();
    const info = daemon.cliJson<{ daemonId: string }>(['status', '--json']);
    await page.route('**/api/info', (route) =>
      route.fulfill({
        contentType: 'application/json',
        body: JSON.stringify({
          daemonId: info.daemonId,
          publicKey: toBase64Url(generateKeyPair().publicKey),
          hostname: 'forged',
          version: '0.1.0',
        }),
      }),
    );
    // Three failed attempts in a row (a second or two with the backoff): time for the question to show.
    const carrier = new Carrier(
      ...Array.from({ length: 3 }, (): Attack => ({ kind: 'protocol', when: 'instead-of-reply' })),
    );
    await page.routeWebSocket(/\/ws$/, (ws) => carrier.relay(ws));
    await page.reload();

    // The question, not a silent un-pairing.
    await page.getByTestId('confirm').waitFor();
    expect(await page.getByTestId('confirm').innerText()).toContain('Paseo on your computer has a new key');
    expect(await storedDevice(phone)).toEqual(before);
    await phone.screenshot('e2e-carrier-new-key-question');
    await page.getByTestId('confirm-cancel').click();

    await untilReconnectedAfterPlan(carrier);
    expect(await page.getByTestId('repair-screen').count()).toBe(0);
    expect(await storedDevice(phone)).toEqual(before);
  });
});
