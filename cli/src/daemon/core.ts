// What the parts of the daemon (device connections, the control socket, the message handlers) need of
// it. `daemon.ts` implements it and owns them; they see only this, so nothing imports its owner.
import type { DeviceInfo, PairInfo, StatusInfo } from '../channel/messages.js';
import type { History } from '../history/history.js';
import type { Logger } from '../log.js';
import type { SessionManager } from '../session/manager.js';
import type { Admitted, ConnectionTable } from './admission.js';
import type { Client } from './client.js';
import type { DeviceRecord, DeviceStore, NewDevice } from './devices.js';
import type { Identity } from './identity.js';
import type { PairingCodes } from './pairing.js';

/** The daemon as its parts see it. */
export interface DaemonCore {
  readonly identity: Identity;
  readonly devices: DeviceStore;
  readonly pairing: PairingCodes;
  readonly sessions: SessionManager;
  /** Past sessions, from their recordings. */
  readonly history: History;
  /** Every device connection, from its first frame to its close (caps, revocation by key). */
  readonly connections: ConnectionTable<Admitted>;
  readonly log: Logger;
  /** The machine name shown in the web UI. */
  readonly hostname: string;
  /** The path of the control socket. */
  readonly socketPath: string;
  /** How long a device connection may take to finish its handshake and hello, in milliseconds. */
  readonly handshakeTimeoutMs: number;
  /** Registers a connected client (after its handshake). */
  addClient(client: Client): void;
  /** Forgets a client whose connection ended. */
  removeClient(client: Client): void;
  /** Stores a device that just paired (`by` is its connection, which stays open). */
  pairDevice(by: Admitted, input: NewDevice): DeviceRecord;
  /** Removes a device and closes every connection of its key; false when there is none. */
  revokeDevice(deviceId: string): boolean;
  /** Pushes the device list to every client. */
  broadcastDevices(): void;
  /** Paired devices as shown in lists. */
  deviceInfos(currentDeviceId?: string): DeviceInfo[];
  /** What `paseo status` shows. */
  status(): StatusInfo;
  /** A one-time pairing code and the URLs that carry it. */
  createPairing(): PairInfo;
  /** Stops everything. */
  stop(): Promise<void>;
}
