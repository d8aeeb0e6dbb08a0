// A viewer: one connection (paired device or local terminal) watching sessions.
import type { DaemonMessage } from '../channel/messages.js';

/** Someone watching sessions: the network layer implements one per connection. */
export interface Viewer {
  /** Unique per connection. */
  readonly id: string;
  /** How people know it: a paired device's name, or "the computer" for the local CLI. */
  readonly name?: string;
  /** Sends a message (with its binary body, if the type has one); never throws. */
  send(msg: DaemonMessage, body?: Uint8Array): void;
}
