// Helpers the commands share: reaching the daemon and turning failures into sentences.

import { RequestError } from '../channel/requests.js';
import { HomeError, paseoHome } from '../state/home.js';
import { fail } from '../ui/output.js';
import { ControlClient, DaemonNotRunningError } from './control-client.js';

/** Connects to the running daemon, runs `fn`, closes; failures become a sentence and exit 1. */
export async function withDaemon<T>(fn: (client: ControlClient) => Promise<T>): Promise<T> {
  let client: ControlClient;
  try {
    client = await ControlClient.connect(paseoHome());
  } catch (err) {
    fail(
      err instanceof DaemonNotRunningError || err instanceof HomeError
        ? err.message
        : `Could not reach the paseo daemon: ${String(err)}`,
    );
  }
  try {
    return await fn(client);
  } catch (err) {
    if (err instanceof RequestError) fail(err.message);
    throw err;
  } finally {
    client.close();
  }
}

/** Parses HOST:PORT (IPv6 in brackets); undefined when malformed. */
export function parseListen(text: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text.trim());
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  return { host: (m[1] ?? m[2])!, port };
}
