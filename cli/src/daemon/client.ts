// A client of the daemon: a paired device over the encrypted channel, or the owner's CLI over the
// local control socket. Both receive the same messages; only the owner may send owner-only requests.
import type { CloseKind } from '../channel/channel.js';
import type { Viewer } from '../session/viewer.js';

/** One connected client. */
export interface Client extends Viewer {
  /** True for the local control socket (the machine's user). */
  readonly owner: boolean;
  /** The paired device behind a network client. */
  readonly deviceId?: string;
  /** Ends the connection, telling the client why in a sentence. */
  close(kind: CloseKind, message: string): void;
}
