// Pairing and devices against a real daemon process: pair → connect → revoke → refused; expired,
// reused and wrong codes refused, and rate-limited.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionError, PaseoConnection } from '../../src/channel/client.js';
import { generateKeyPair } from '../../src/channel/noise.js';
import { connectDevice, NodeWebSocket, pairDevice, startDaemon, type TestDaemon } from './harness.js';

interface DeviceJson {
  id: string;
  name: string;
  online: boolean;
  pairedAt: string;
  lastSeenAt: string | null;
}

function tryPair(d: TestDaemon, code: string) {
  return PaseoConnection.open({
    url: d.wsUrl,
    daemonPublicKey: d.daemonPublicKey,
    keys: generateKeyPair(),
    pairing: { code, deviceName: 'Intruder' },
    clientName: 'paseo-test/1',
    WebSocketImpl: NodeWebSocket,
  });
}

async function expectRefused(p: Promise<unknown>, kind: string, pattern: RegExp): Promise<ConnectionError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConnectionError);
  expect((err as ConnectionError).kind).toBe(kind);
  expect((err as ConnectionError).message).toMatch(pattern);
  return err as ConnectionError;
}

describe('pairing and devices', () => {
  let d: TestDaemon;
  beforeAll(async () => {
    d = await startDaemon({ env: { PASEO_CODE_TTL_MS: '1500' } });
  });
  afterAll(async () => {
    await d?.stop();
  });

  it('prints a pairing code with the right shape', () => {
    const p = d.cliJson<{ url: string; code: string; expiresAt: string }>(['pair', '--json']);
    expect(p.code).toMatch(/^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$/);
    expect(p.url).toContain(`#pair=${p.code}&key=`);
    expect(Date.parse(p.expiresAt)).toBeGreaterThan(Date.now());
    const text = d.cli(['pair']);
    expect(text.stdout).toMatch(/Code: [2-9A-Z]{4}-[2-9A-Z]{4}/);
    // On 127.0.0.1 without a tailnet a phone could not open it: no QR code (cli/test/golden/pair-no-tailnet.txt).
    expect(text.stdout).not.toContain('█');
  });

  it('pairs, lists, reconnects, revokes, and then refuses the old keys', async () => {
    const { keys, conn } = await pairDevice(d, 'Pixel 8');
    expect(conn.welcome.deviceName).toBe('Pixel 8');
    const listed = d.cliJson<DeviceJson[]>(['devices', '--json']);
    const me = listed.find((x) => x.id === conn.welcome.deviceId);
    expect(me).toMatchObject({ name: 'Pixel 8', online: true });
    expect(d.cli(['devices']).stdout).toMatch(/Pixel 8.*online now/);

    // A second connection with the same keys works without a code.
    const again = await connectDevice(d, keys);
    expect(again.welcome.deviceId).toBe(conn.welcome.deviceId);
    const devices = await again.request({ t: 'devices.list' });
    expect(devices.find((x) => x.current)?.id).toBe(conn.welcome.deviceId);

    // Revoke: both connections close within a second with the reason.
    const closed = Promise.all([conn, again].map((c) => new Promise<ConnectionError>((res) => c.onClose(res))));
    const t0 = Date.now();
    const r = d.cli(['revoke', conn.welcome.deviceId!]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Removed Pixel 8/);
    const reasons = await closed;
    expect(Date.now() - t0).toBeLessThan(1000 + 2000); // CLI start-up included; the close itself is immediate
    for (const reason of reasons) expect(reason.kind).toBe('revoked');

    // The old keys are refused, with a reason the browser can show.
    const err = await expectRefused(connectDevice(d, keys), 'needs-pairing', /needs to be paired again/);
    expect(err.needsPairing).toBe(true);
    expect(d.cliJson<DeviceJson[]>(['devices', '--json']).find((x) => x.id === conn.welcome.deviceId)).toBeUndefined();
  });

  it('revokes by key: pairing a key again ends the old connections, revoking ends every one', async () => {
    const keys = generateKeyPair();
    const first = (await pairDevice(d, 'Tablet', keys)).conn;
    const firstAgain = await connectDevice(d, keys);
    const endOf = (c: PaseoConnection) => new Promise<ConnectionError>((res) => c.onClose(res));
    const oldEnds = Promise.all([endOf(first), endOf(firstAgain)]);

    // The same key pairs again (a second code) while the first record's connections are open.
    const second = (await pairDevice(d, 'Tablet again', keys)).conn;
    expect(second.welcome.deviceId).not.toBe(first.welcome.deviceId);
    for (const reason of await oldEnds) expect(reason.needsPairing).toBe(false); // the key is still paired
    const listed = d.cliJson<DeviceJson[]>(['devices', '--json']);
    expect(listed.map((x) => x.id)).toContain(second.welcome.deviceId);
    expect(listed.map((x) => x.id)).not.toContain(first.welcome.deviceId);

    // A reconnect with the key gets the new record; revoking it closes every connection of the key.
    const third = await connectDevice(d, keys);
    expect(third.welcome.deviceId).toBe(second.welcome.deviceId);
    const revoked = Promise.all([endOf(second), endOf(third)]);
    expect(d.cli(['revoke', second.welcome.deviceId!]).status).toBe(0);
    for (const reason of await revoked) expect(reason.kind).toBe('revoked');
    await expectRefused(connectDevice(d, keys), 'needs-pairing', /needs to be paired again/);
  });

  it('refuses a reused code', async () => {
    const { code } = d.cliJson<{ code: string }>(['pair', '--json']);
    const first = await PaseoConnection.open({
      url: d.wsUrl,
      daemonPublicKey: d.daemonPublicKey,
      keys: generateKeyPair(),
      pairing: { code, deviceName: 'First' },
      clientName: 'paseo-test/1',
      WebSocketImpl: NodeWebSocket,
    });
    first.close();
    await expectRefused(tryPair(d, code), 'bad-code', /already used/);
  });

  it('refuses an expired code', async () => {
    const { code } = d.cliJson<{ code: string }>(['pair', '--json']);
    await new Promise((r) => setTimeout(r, 1700));
    await expectRefused(tryPair(d, code), 'bad-code', /expired/);
  });
});

describe('a stranger guessing codes', () => {
  let d: TestDaemon;
  beforeAll(async () => {
    d = await startDaemon();
  });
  afterAll(async () => {
    await d?.stop();
  });

  const wrongCodeFor = (code: string) => (code === 'AAAA-AAAA' ? 'BBBB-BBBB' : 'AAAA-AAAA');
  const guess = (code: string) =>
    tryPair(d, code).then(
      (conn) => {
        conn.close();
        return 'accepted';
      },
      (e: unknown) => (e as ConnectionError).kind,
    );

  it('cannot burn the code: it pairs after wrong guesses from other connections', async () => {
    const { code } = d.cliJson<{ code: string }>(['pair', '--json']);
    const kinds: string[] = [];
    for (let i = 0; i < 7; i++) kinds.push(await guess(wrongCodeFor(code)));
    expect(kinds).toEqual(Array(7).fill('bad-code'));
    const { conn } = await pairDevice(d, 'Owner phone', undefined, code);
    expect(conn.welcome.deviceName).toBe('Owner phone');
    conn.close();
    // The code never appears in the daemon's log.
    expect(d.output()).not.toContain(code);
    expect(d.output()).not.toContain(code.replace('-', ''));
  });

  it('cannot starve the owner: the code pairs while a loop sends 2 wrong guesses per second', async () => {
    const { code } = d.cliJson<{ code: string }>(['pair', '--json']);
    const kinds: string[] = [];
    let running = true;
    const loop = (async () => {
      while (running) {
        const started = Date.now();
        kinds.push(await guess(wrongCodeFor(code)));
        await new Promise((r) => setTimeout(r, Math.max(0, 500 - (Date.now() - started))));
      }
    })();
    try {
      await expect.poll(() => kinds.length, { timeout: 15_000 }).toBeGreaterThanOrEqual(10);
      const { conn } = await pairDevice(d, 'Owner phone', undefined, code);
      expect(conn.welcome.deviceName).toBe('Owner phone');
      conn.close();
    } finally {
      running = false;
      await loop;
    }
    expect(new Set(kinds)).toEqual(new Set(['bad-code']));
    expect(d.process.exitCode).toBeNull();
  });
});
