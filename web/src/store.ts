// This device's pairing, kept in IndexedDB (one record per origin): its key pair, the daemon's key and
// the ids the daemon gave it. A tiny promise wrapper, no library. When the browser refuses storage
// (some private modes), the pairing lives in memory until the tab closes.
import type { DeviceKeys } from '../../cli/src/channel/client.js';
import { isRelayId } from '../../cli/src/channel/relay-protocol.js';

/** What this browser remembers about its pairing. */
export interface StoredDevice {
  v: 1;
  keys: DeviceKeys;
  daemonPublicKey: Uint8Array;
  daemonId: string;
  deviceId: string;
  deviceName: string;
  /** The daemon's hostname when last connected (shown before the connection is up). */
  hostname: string;
  pairedAt: string;
  /** Set when it paired through a relay: every later visit connects through that relay (this origin). */
  relayId?: string;
}

const DB_NAME = 'paseo';
const DB_VERSION = 1;
const STORE = 'kv';
const DEVICE_KEY = 'device';

let memory: StoredDevice | undefined;
let persistent = true;
let dbPromise: Promise<IDBDatabase> | undefined;

/** False when the browser would not let us store the pairing (it lasts until the tab closes). */
export function storageIsPersistent(): boolean {
  return persistent;
}

function promised<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

function openDb(): Promise<IDBDatabase> {
  dbPromise ??= new Promise<IDBDatabase>((resolve, reject) => {
    if (typeof indexedDB === 'undefined') {
      reject(new Error('IndexedDB is not available'));
      return;
    }
    const req = indexedDB.open(DB_NAME, DB_VERSION);
    req.onupgradeneeded = () => {
      if (!req.result.objectStoreNames.contains(STORE)) req.result.createObjectStore(STORE);
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB open failed'));
    req.onblocked = () => reject(new Error('IndexedDB open blocked'));
  });
  return dbPromise;
}

async function withStore<T>(mode: IDBTransactionMode, fn: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await openDb();
  const tx = db.transaction(STORE, mode);
  const result = promised(fn(tx.objectStore(STORE)));
  await new Promise<void>((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
  return result;
}

function isBytes(v: unknown, length: number): v is Uint8Array {
  return v instanceof Uint8Array && v.length === length;
}

function isStoredDevice(v: unknown): v is StoredDevice {
  if (typeof v !== 'object' || v === null) return false;
  const d = v as Partial<StoredDevice>;
  return (
    d.v === 1 &&
    typeof d.keys === 'object' &&
    d.keys !== null &&
    isBytes(d.keys.publicKey, 32) &&
    isBytes(d.keys.privateKey, 32) &&
    isBytes(d.daemonPublicKey, 32) &&
    typeof d.daemonId === 'string' &&
    typeof d.deviceId === 'string' &&
    typeof d.deviceName === 'string' &&
    typeof d.hostname === 'string' &&
    typeof d.pairedAt === 'string' &&
    (d.relayId === undefined || (typeof d.relayId === 'string' && isRelayId(d.relayId)))
  );
}

/** The stored pairing, or undefined when this browser is not paired (or the record is unusable). */
export async function loadDevice(): Promise<StoredDevice | undefined> {
  try {
    const v = await withStore<unknown>('readonly', (s) => s.get(DEVICE_KEY));
    if (v === undefined) return memory;
    if (isStoredDevice(v)) return v;
    console.debug('paseo: ignoring a stored pairing with an unexpected shape');
    return undefined;
  } catch (err) {
    console.debug('paseo: IndexedDB unavailable, keeping the pairing in memory', err);
    persistent = false;
    return memory;
  }
}

/** Stores the pairing (replacing any earlier one). */
export async function saveDevice(device: StoredDevice): Promise<void> {
  memory = device;
  try {
    await withStore('readwrite', (s) => s.put(device, DEVICE_KEY));
    persistent = true;
    // Ask the browser not to evict it under storage pressure; a refusal changes nothing.
    void navigator.storage?.persist?.().catch(() => false);
  } catch (err) {
    console.debug('paseo: could not store the pairing; it lasts until this tab closes', err);
    persistent = false;
  }
}

/** Updates fields of the stored pairing (e.g. a new name or hostname). */
export async function updateDevice(changes: Partial<Pick<StoredDevice, 'deviceName' | 'hostname'>>): Promise<void> {
  const current = await loadDevice();
  if (current) await saveDevice({ ...current, ...changes });
}

/** Deletes the stored pairing: its keys no longer work. */
export async function forgetDevice(): Promise<void> {
  memory = undefined;
  try {
    await withStore('readwrite', (s) => s.delete(DEVICE_KEY));
  } catch (err) {
    console.debug('paseo: could not delete the stored pairing', err);
  }
}
