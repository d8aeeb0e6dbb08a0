// Paired devices, one file each in PASEO_HOME/devices/<id>.json (atomic writes, mode 0600). A corrupt
// file is reported by name and skipped; every other record still loads.
import { mkdirSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { cleanDeviceName, cleanLabel } from '../channel/channel.js';
import { equalBytes, fromBase64Url, toBase64Url } from '../channel/encoding.js';
import { isPlainObject } from '../channel/validate.js';
import { checkPrivateFolder } from '../state/home.js';
import { randomId } from '../state/ids.js';
import { readJsonFile, StateFileError, writeJsonAtomic } from '../state/state-file.js';

/** Longest tailnet identity ("node · login") kept, in characters. */
export const MAX_TAILNET_IDENTITY_CHARS = 200;

/** A tailnet identity as stored and shown: cleaned like a device name; undefined when nothing is left. */
function cleanIdentity(identity: string | undefined): string | undefined {
  return identity === undefined ? undefined : cleanLabel(identity, MAX_TAILNET_IDENTITY_CHARS) || undefined;
}

/** How often `lastSeenAt` is written to disk for a connected device, in milliseconds. */
export const LAST_SEEN_PERSIST_INTERVAL_MS = 60_000;

/** A paired device as stored. */
export interface DeviceRecord {
  id: string;
  name: string;
  publicKey: Uint8Array;
  pairedAt: string;
  lastSeenAt: string | null;
  tailnetIdentity?: string;
}

/** What pairing stores about a new device. */
export interface NewDevice {
  id?: string;
  name: string;
  publicKey: Uint8Array;
  tailnetIdentity?: string;
}

/** The paired devices, loaded from and written through to their files. */
export class DeviceStore {
  private readonly devices = new Map<string, DeviceRecord>();
  private readonly persistedSeenAt = new Map<string, number>();
  /** Files that could not be loaded, as sentences naming them. */
  readonly problems: string[] = [];

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    checkPrivateFolder(dir);
    for (const entry of readdirSync(dir)) {
      if (!entry.endsWith('.json') || entry.startsWith('.')) continue;
      const file = join(dir, entry);
      try {
        const record = parseRecord(file, readJsonFile(file));
        this.devices.set(record.id, record);
      } catch (err) {
        this.problems.push(err instanceof StateFileError ? err.message : `Could not read ${file}: ${String(err)}`);
      }
    }
  }

  /** All devices, oldest pairing first. */
  list(): DeviceRecord[] {
    return [...this.devices.values()].sort((a, b) => a.pairedAt.localeCompare(b.pairedAt));
  }

  /** The device with this id. */
  get(id: string): DeviceRecord | undefined {
    return this.devices.get(id);
  }

  /** The device holding this static public key. */
  byKey(publicKey: Uint8Array): DeviceRecord | undefined {
    for (const d of this.devices.values()) if (equalBytes(d.publicKey, publicKey)) return d;
    return undefined;
  }

  /** Stores a newly paired device (a key paired again replaces its old record). */
  add(input: NewDevice): DeviceRecord {
    const old = this.byKey(input.publicKey);
    if (old) this.remove(old.id);
    const now = new Date().toISOString();
    const tailnetIdentity = cleanIdentity(input.tailnetIdentity);
    const record: DeviceRecord = {
      id: input.id ?? randomId(10),
      name: cleanDeviceName(input.name),
      publicKey: input.publicKey,
      pairedAt: now,
      lastSeenAt: now,
      ...(tailnetIdentity ? { tailnetIdentity } : {}),
    };
    this.write(record);
    this.devices.set(record.id, record);
    return record;
  }

  /** Renames a device; undefined when there is no such device. */
  rename(id: string, name: string): DeviceRecord | undefined {
    const d = this.devices.get(id);
    if (!d) return undefined;
    d.name = cleanDeviceName(name);
    this.write(d);
    return d;
  }

  /** Removes a device and its file; false when there is no such device. */
  remove(id: string): boolean {
    const d = this.devices.get(id);
    if (!d) return false;
    this.devices.delete(id);
    this.persistedSeenAt.delete(id);
    try {
      unlinkSync(this.file(id));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    return true;
  }

  /** Notes that a device was seen now (and where from); written to disk at most once a minute. */
  touch(id: string, identity?: string): void {
    const d = this.devices.get(id);
    if (!d) return;
    const tailnetIdentity = cleanIdentity(identity);
    const now = Date.now();
    d.lastSeenAt = new Date(now).toISOString();
    const identityChanged = tailnetIdentity !== undefined && tailnetIdentity !== d.tailnetIdentity;
    if (identityChanged) d.tailnetIdentity = tailnetIdentity;
    if (identityChanged || now - (this.persistedSeenAt.get(id) ?? 0) >= LAST_SEEN_PERSIST_INTERVAL_MS) {
      this.write(d);
    }
  }

  private write(d: DeviceRecord): void {
    writeJsonAtomic(this.file(d.id), {
      version: 1,
      id: d.id,
      name: d.name,
      publicKey: toBase64Url(d.publicKey),
      pairedAt: d.pairedAt,
      lastSeenAt: d.lastSeenAt,
      ...(d.tailnetIdentity ? { tailnetIdentity: d.tailnetIdentity } : {}),
    });
    this.persistedSeenAt.set(d.id, Date.now());
  }

  private file(id: string): string {
    return join(this.dir, `${id}.json`);
  }
}

function parseRecord(file: string, raw: unknown): DeviceRecord {
  if (!isPlainObject(raw) || raw.version !== 1) throw new StateFileError(file, 'not a paseo device record');
  const { id, name, publicKey, pairedAt, lastSeenAt, tailnetIdentity } = raw;
  if (typeof id !== 'string' || !/^[a-z0-9]{4,64}$/.test(id))
    throw new StateFileError(file, 'missing a valid device id');
  if (!file.endsWith(`${id}.json`)) throw new StateFileError(file, 'named differently from the device id inside it');
  if (typeof name !== 'string' || typeof pairedAt !== 'string')
    throw new StateFileError(file, 'missing the device name or pairing date');
  let key: Uint8Array;
  try {
    key = typeof publicKey === 'string' ? fromBase64Url(publicKey) : new Uint8Array(0);
  } catch {
    key = new Uint8Array(0);
  }
  if (key.length !== 32) throw new StateFileError(file, 'holding an invalid device key');
  const identity = typeof tailnetIdentity === 'string' ? cleanIdentity(tailnetIdentity) : undefined;
  return {
    id,
    name: cleanDeviceName(name),
    publicKey: key,
    pairedAt,
    lastSeenAt: typeof lastSeenAt === 'string' ? lastSeenAt : null,
    ...(identity ? { tailnetIdentity: identity } : {}),
  };
}
