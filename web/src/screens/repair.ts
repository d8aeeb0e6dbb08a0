// "This device needs to be paired again": shown when the daemon revoked this device or no longer knows
// its key. The old keys are already deleted; a new code pairs it afresh.
import type { PaseoConnection } from '../../../cli/src/channel/client.js';
import type { Screen } from '../model.js';
import type { StoredDevice } from '../store.js';
import { pairScreen } from './pair.js';

export interface RepairOptions {
  /** One line on why, for people. */
  reason: string;
  /** The relay id and key the device had, when it paired through a relay: a typed code goes there. */
  relay?: { relayId: string; daemonPublicKey: Uint8Array };
  onPaired(conn: PaseoConnection, device: StoredDevice): void;
}

export function repairScreen(opts: RepairOptions): Screen {
  return pairScreen({
    testid: 'repair-screen',
    title: 'This device needs to be paired again',
    reason: opts.reason,
    intro: 'Run `paseo pair` on your computer and enter the new code here.',
    hint: 'A code looks like K3X9-M2B7.',
    ...(opts.relay ? { relayId: opts.relay.relayId, daemonPublicKey: opts.relay.daemonPublicKey } : {}),
    onPaired: opts.onPaired,
  });
}
