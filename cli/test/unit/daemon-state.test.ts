// The daemon's state files: its identity (created once, never silently replaced) and the paired devices
// (one file each; a damaged file is named and skipped, every other record still loads; names and tailnet
// identities are cleaned; lastSeenAt is written at most once a minute unless the identity changed).
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { toBase64Url } from '../../src/channel/encoding.js';
import { generateKeyPair } from '../../src/channel/noise.js';
import { DeviceStore, MAX_TAILNET_IDENTITY_CHARS } from '../../src/daemon/devices.js';
import { loadOrCreateIdentity } from '../../src/daemon/identity.js';
import { StateFileError } from '../../src/state/state-file.js';

const scratch = mkdtempSync(join(tmpdir(), 'paseo-daemon-state-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let n = 0;
function folder(): string {
  const dir = join(scratch, `f${n++}`);
  mkdirSync(dir, { mode: 0o700 });
  return dir;
}

const json = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;

describe('the daemon identity', () => {
  it('is created once (mode 0600) and loaded the same afterwards', () => {
    const file = join(folder(), 'identity.json');
    const created = loadOrCreateIdentity(file);
    expect(created.daemonId).toMatch(/^[a-z0-9]{12}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(json(file)).toMatchObject({
      daemonId: created.daemonId,
      publicKey: toBase64Url(created.keys.publicKey),
      privateKey: toBase64Url(created.keys.privateKey),
      relayId: created.relayId,
      createdAt: created.createdAt,
    });
    const loaded = loadOrCreateIdentity(file);
    const essentials = (i: typeof created) => ({
      daemonId: i.daemonId,
      keys: i.keys,
      relayId: i.relayId,
      signing: i.signing.publicKey,
      createdAt: i.createdAt,
    });
    expect(essentials(loaded)).toEqual(essentials(created));
    // A file from before the signing key keeps its id and keys (devices pinned them) and gains one.
    const old = join(folder(), 'identity.json');
    const { signingKey: _s, relayId: _r, ...v1 } = json(file);
    writeFileSync(old, JSON.stringify({ ...v1, version: 1 }));
    const upgraded = loadOrCreateIdentity(old);
    expect(upgraded.daemonId).toBe(created.daemonId);
    expect(upgraded.keys).toEqual(created.keys);
    expect(json(old)).toMatchObject({ daemonId: created.daemonId, relayId: upgraded.relayId });
    expect(essentials(loadOrCreateIdentity(old))).toEqual(essentials(upgraded));
  });

  it('refuses a damaged file with a sentence naming it, and never replaces it', () => {
    const good = json(
      (() => {
        const f = join(folder(), 'identity.json');
        loadOrCreateIdentity(f);
        return f;
      })(),
    );
    const other = toBase64Url(generateKeyPair().publicKey);
    const cases: [Record<string, unknown> | string, string][] = [
      ['[1]', 'not a paseo identity file'],
      [{ ...good, version: 3 }, 'not a paseo identity file'],
      [{ ...good, signingKey: undefined }, 'missing its signing key'],
      [{ ...good, signingKey: 'AAAA' }, 'holding an invalid signing key'],
      [{ ...good, relayId: 'someone-else' }, 'holding a relay id that does not match its signing key'],
      [{ ...good, daemonId: 'no' }, 'missing a valid daemonId'],
      [{ ...good, daemonId: 7 }, 'missing a valid daemonId'],
      [{ ...good, daemonId: 'UPPER-case' }, 'missing a valid daemonId'],
      [{ ...good, privateKey: undefined }, 'missing its keys'],
      [{ ...good, publicKey: 5 }, 'missing its keys'],
      [{ ...good, privateKey: 'AAAA' }, 'holding an invalid private key'],
      [{ ...good, publicKey: '***' }, 'holding an invalid public key'],
      [{ ...good, publicKey: other }, 'holding a public key that does not match its private key'],
    ];
    for (const [content, problem] of cases) {
      const file = join(folder(), 'identity.json');
      const text = typeof content === 'string' ? content : JSON.stringify(content);
      writeFileSync(file, text);
      expect(() => loadOrCreateIdentity(file), problem).toThrow(new StateFileError(file, problem));
      expect(readFileSync(file, 'utf8')).toBe(text);
    }
    const noDate = join(folder(), 'identity.json');
    writeFileSync(noDate, JSON.stringify({ ...good, createdAt: undefined }));
    expect(loadOrCreateIdentity(noDate).createdAt).toBe(new Date(0).toISOString());
  });
});

describe('DeviceStore', () => {
  it('writes one private file per device and loads them back, oldest pairing first', async () => {
    const dir = join(folder(), 'devices');
    const store = new DeviceStore(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const a = store.add({ name: 'Phone\u001b[31m\n', publicKey: generateKeyPair().publicKey });
    await new Promise((r) => setTimeout(r, 5));
    const b = store.add({
      id: 'tablet0001',
      name: 'Tablet',
      publicKey: generateKeyPair().publicKey,
      tailnetIdentity: 'Pixel · bob@',
    });
    expect(a.name).toBe('Phone [31m');
    expect(a.id).toMatch(/^[a-z0-9]{10}$/);
    expect(b.id).toBe('tablet0001');
    expect(readdirSync(dir).sort()).toEqual([`${a.id}.json`, 'tablet0001.json'].sort());
    for (const f of readdirSync(dir)) expect(statSync(join(dir, f)).mode & 0o777).toBe(0o600);
    expect(json(join(dir, 'tablet0001.json'))).toEqual({
      version: 1,
      id: 'tablet0001',
      name: 'Tablet',
      publicKey: toBase64Url(b.publicKey),
      pairedAt: b.pairedAt,
      lastSeenAt: b.lastSeenAt,
      tailnetIdentity: 'Pixel · bob@',
    });
    expect(json(join(dir, `${a.id}.json`))).not.toHaveProperty('tailnetIdentity');
    const again = new DeviceStore(dir);
    expect(again.problems).toEqual([]);
    expect(again.list()).toEqual([a, b]);
    expect(again.byKey(b.publicKey)?.id).toBe('tablet0001');
    expect(again.byKey(generateKeyPair().publicKey)).toBeUndefined();
    expect(again.get('nope')).toBeUndefined();
  });

  it('renames and removes devices, file and all', () => {
    const dir = join(folder(), 'devices');
    const store = new DeviceStore(dir);
    const d = store.add({ name: 'Old', publicKey: generateKeyPair().publicKey });
    expect(store.rename(d.id, '  New name  ')?.name).toBe('New name');
    expect(json(join(dir, `${d.id}.json`)).name).toBe('New name');
    expect(store.rename('missing', 'x')).toBeUndefined();
    expect(store.remove(d.id)).toBe(true);
    expect(store.remove(d.id)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
    expect(store.list()).toEqual([]);
    // A record whose file is already gone is still removed.
    const e = store.add({ name: 'E', publicKey: generateKeyPair().publicKey });
    rmSync(join(dir, `${e.id}.json`));
    expect(store.remove(e.id)).toBe(true);
  });

  it('names each damaged file and loads every other record', () => {
    const dir = join(folder(), 'devices');
    const store = new DeviceStore(dir);
    const good = store.add({ name: 'Good', publicKey: generateKeyPair().publicKey });
    const record = json(join(dir, `${good.id}.json`));
    const write = (name: string, content: unknown) =>
      writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
    write('trunc0001.json', '{"version":1,"id":"tru');
    write('notrec001.json', { version: 2 });
    write('badid0001.json', { ...record, id: 'BAD ID' });
    write('other0001.json', { ...record, id: 'another01' });
    write('noname001.json', { ...record, id: 'noname001', name: 3 });
    write('nodate001.json', { ...record, id: 'nodate001', pairedAt: undefined });
    write('badkey001.json', { ...record, id: 'badkey001', publicKey: 'AAAA' });
    write('nokey0001.json', { ...record, id: 'nokey0001', publicKey: 1 });
    write('junkkey01.json', { ...record, id: 'junkkey01', publicKey: '!!!' });
    write('.hidden.json', 'not even json');
    write('README.txt', 'not a record');
    const loaded = new DeviceStore(dir);
    expect(loaded.list().map((x) => x.id)).toEqual([good.id]);
    const problem = (file: string, what: string) => new StateFileError(join(dir, file), what).message;
    expect(loaded.problems.sort()).toEqual(
      [
        problem('trunc0001.json', 'corrupt or truncated (not valid JSON)'),
        problem('notrec001.json', 'not a paseo device record'),
        problem('badid0001.json', 'missing a valid device id'),
        problem('other0001.json', 'named differently from the device id inside it'),
        problem('noname001.json', 'missing the device name or pairing date'),
        problem('nodate001.json', 'missing the device name or pairing date'),
        problem('badkey001.json', 'holding an invalid device key'),
        problem('nokey0001.json', 'holding an invalid device key'),
        problem('junkkey01.json', 'holding an invalid device key'),
      ].sort(),
    );
  });

  it('cleans what it loads: names, tailnet identities, a missing lastSeenAt', () => {
    const dir = join(folder(), 'devices');
    mkdirSync(dir, { mode: 0o700 });
    const key = toBase64Url(generateKeyPair().publicKey);
    const base = { version: 1, publicKey: key, pairedAt: new Date().toISOString() };
    writeFileSync(
      join(dir, 'planted01.json'),
      JSON.stringify({ ...base, id: 'planted01', name: 'A\u001b]0;x\u0007', lastSeenAt: 5, tailnetIdentity: '\u202e' }),
    );
    const [d] = new DeviceStore(dir).list();
    expect(d).toEqual({
      id: 'planted01',
      name: 'A ]0;x',
      publicKey: expect.any(Uint8Array),
      pairedAt: base.pairedAt,
      lastSeenAt: null,
    });
  });

  it('notes when a device was seen: in memory at once, on disk at most once a minute or when its identity changes', () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.parse('2026-01-01T00:00:00Z') });
    try {
      const dir = join(folder(), 'devices');
      const store = new DeviceStore(dir);
      const d = store.add({ name: 'Phone', publicKey: generateKeyPair().publicKey });
      const file = join(dir, `${d.id}.json`);
      const onDisk = () => json(file).lastSeenAt;
      expect(onDisk()).toBe('2026-01-01T00:00:00.000Z');
      vi.setSystemTime(Date.parse('2026-01-01T00:00:30Z'));
      store.touch(d.id);
      expect(store.get(d.id)!.lastSeenAt).toBe('2026-01-01T00:00:30.000Z');
      expect(onDisk()).toBe('2026-01-01T00:00:00.000Z'); // within the minute: not written
      vi.setSystemTime(Date.parse('2026-01-01T00:00:59.999Z'));
      store.touch(d.id);
      expect(onDisk()).toBe('2026-01-01T00:00:00.000Z');
      vi.setSystemTime(Date.parse('2026-01-01T00:01:00Z'));
      store.touch(d.id);
      expect(onDisk()).toBe('2026-01-01T00:01:00.000Z'); // a minute after the last write
      vi.setSystemTime(Date.parse('2026-01-01T00:01:10Z'));
      store.touch(d.id, 'Pixel 8 · alice@');
      expect(json(file)).toMatchObject({ tailnetIdentity: 'Pixel 8 · alice@', lastSeenAt: '2026-01-01T00:01:10.000Z' });
      vi.setSystemTime(Date.parse('2026-01-01T00:01:20Z'));
      store.touch(d.id, 'Pixel 8 · alice@'); // the same identity: nothing new to write
      expect(onDisk()).toBe('2026-01-01T00:01:10.000Z');
      store.touch(d.id, 'x'.repeat(MAX_TAILNET_IDENTITY_CHARS + 50));
      expect(store.get(d.id)!.tailnetIdentity).toBe('x'.repeat(MAX_TAILNET_IDENTITY_CHARS));
      store.touch(d.id, '\u0007'); // nothing left once cleaned: the identity stays
      expect(store.get(d.id)!.tailnetIdentity).toBe('x'.repeat(MAX_TAILNET_IDENTITY_CHARS));
      store.touch('missing'); // an unknown id: nothing happens
      expect(readdirSync(dir)).toEqual([`${d.id}.json`]);
    } finally {
      vi.useRealTimers();
    }
  });
});
