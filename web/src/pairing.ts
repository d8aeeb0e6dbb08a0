// Pairing this browser with the daemon: its public key from /api/info (or the pairing link), a fresh
// device key pair, the IKpsk2 handshake with the one-time code, and the stored result.
import { ConnectionError, PaseoConnection } from '../../cli/src/channel/client.js';
import { type ApiInfo, apiInfo } from '../../cli/src/channel/messages.js';
import { generateKeyPair } from '../../cli/src/channel/noise.js';
import { parseJson } from '../../cli/src/channel/validate.js';
import { socketUrl } from './connection.js';
import { type StoredDevice, saveDevice } from './store.js';

/** Names this client in `hello`. */
export const CLIENT_NAME = 'paseo-web/0.1';

let infoCache: Promise<ApiInfo> | undefined;

/** The daemon's id, public key and hostname from this origin's /api/info (`fresh`: ask again). */
export function fetchDaemonInfo(fresh = false): Promise<ApiInfo> {
  if (fresh) infoCache = undefined;
  infoCache ??= (async () => {
    const res = await fetch('/api/info', { cache: 'no-store', credentials: 'omit' });
    if (!res.ok) throw new Error(`/api/info answered ${res.status}`);
    return parseJson(await res.text(), apiInfo);
  })();
  infoCache.catch(() => (infoCache = undefined));
  return infoCache;
}

export interface PairResult {
  conn: PaseoConnection;
  device: StoredDevice;
}

/** Pairs with a one-time code; the new pairing is stored before this resolves. */
export async function pairDevice(
  code: string,
  daemonPublicKey: Uint8Array,
  deviceName: string,
  hostname: string,
  /** Pairing through the relay that serves this page. */
  relayId?: string,
): Promise<PairResult> {
  const keys = generateKeyPair();
  const conn = await PaseoConnection.open({
    url: socketUrl(location, relayId),
    daemonPublicKey,
    keys,
    pairing: { code, deviceName },
    clientName: CLIENT_NAME,
  });
  const w = conn.welcome;
  const device: StoredDevice = {
    v: 1,
    keys,
    daemonPublicKey,
    daemonId: w.daemonId,
    deviceId: w.deviceId ?? '',
    deviceName: w.deviceName ?? deviceName,
    hostname: w.hostname || hostname,
    pairedAt: new Date().toISOString(),
    ...(relayId ? { relayId } : {}),
  };
  await saveDevice(device);
  return { conn, device };
}

/** The sentence to show when pairing failed. */
export function pairingErrorMessage(err: unknown): string {
  console.debug(
    'paseo: pairing failed',
    err instanceof Error ? `${err.name}: ${(err as Partial<ConnectionError>).kind ?? ''}` : err,
  );
  if (!(err instanceof ConnectionError)) {
    return "Couldn't reach Paseo at this address. Check that `paseo up` is running on your computer, then try again.";
  }
  switch (err.kind) {
    case 'bad-code':
      return "This pairing code didn't work. It may have expired or been used already. Run `paseo pair` on your computer for a new one.";
    case 'rate-limited':
      return 'Too many pairing attempts. Wait a minute, then run `paseo pair` on your computer for a new code.';
    case 'unreachable':
    case 'timeout':
      return "Couldn't reach Paseo at this address. Check that `paseo up` is running on your computer and that this device is online.";
    case 'shutdown':
      return 'Paseo is stopping on your computer. Start it again with `paseo up`, then try again.';
    case 'protocol':
      return "This page and Paseo on your computer don't understand each other. Reload the page and try again.";
    default:
      return err.message || 'Pairing did not work. Try again with a new code from `paseo pair`.';
  }
}
