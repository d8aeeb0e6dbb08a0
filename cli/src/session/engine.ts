// The seam between the session core (session.ts: listing, viewers, resume, waiting-for-input, exit,
// kill) and what a session runs (an engine): a command in a PTY (pty-engine.ts) or an agent speaking
// ACP (acp/acp-engine.ts). An engine turns its process into numbered events — bytes numbered by byte
// offset, or conversation events numbered one by one — that viewers read through a Feed.
import type { DaemonMessage, SessionInfo, SessionKind } from '../channel/messages.js';
import type { Viewer } from './viewer.js';

/** The process an engine runs (already validated by the manager). */
export interface RunSpec {
  id: string;
  name: string;
  /** The command line as shown to people. */
  command: string[];
  /** The executable to run (resolved), and its arguments. */
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /** Where its recording goes. */
  recordingPath: string;
}

/** How a session's process ended: an exit code, or the name of the signal that ended it. */
export interface SessionExit {
  /** Who ended it (`session.kill`: a device's name, or "the computer"), if someone did. */
  by?: string;
  exitCode: number | null;
  signal: string | null;
}

/** A message for a viewer, with its binary body if the type has one. */
export interface Outgoing {
  msg: DaemonMessage;
  body?: Uint8Array;
}

/** Messages that bring a viewer up to `seq`. */
export interface Delivery {
  seq: number;
  messages: Outgoing[];
}

/** What viewers read: a session's events, addressed by sequence number, and a snapshot to start from. */
export interface Feed {
  /** Sequence number of the end of everything so far (0 before the first event). */
  readonly endSeq: number;
  /** True if every event after `seq` is still kept (a viewer at `seq` can resume exactly). */
  has(seq: number): boolean;
  /**
   * The next events after `from` (at most about `maxUnits` of them, in the engine's units), or
   * undefined if they are no longer (or not yet) kept: then the viewer needs a snapshot.
   */
  read(from: number, maxUnits: number): Delivery | undefined;
  /** Everything so far as one state that replaces what a viewer shows, or undefined if not ready yet. */
  snapshot(): Delivery | undefined;
  /** Runs `fn` once a snapshot may be ready (after `snapshot()` returned undefined). */
  whenSnapshotReady(fn: () => void): void;
}

/** Flow control towards each viewer, in the feed's sequence units (bytes or events). */
export interface FlowLimits {
  /** Most units sent in one delivery. */
  chunkUnits: number;
  /** A viewer with this many units unacknowledged is "behind" and gets nothing more… */
  highWatermark: number;
  /** …until its unacknowledged units drop below this. */
  lowWatermark: number;
  /** A behind viewer that acknowledged nothing for this long no longer holds the engine back. */
  stalledViewerMs: number;
}

/** What an engine reports to the session core. */
export interface EngineHooks {
  /** New events were appended to the feed (viewers are sent them). */
  appended(): void;
  /** Something shown in lists changed (size, activity, pending permissions, …). */
  changed(): void;
  /** Whether the session waits for someone (a prompt-like screen, a permission request, an idle agent). */
  setWaiting(waiting: boolean): void;
  /** The process ended; called once, after its last events were appended. */
  exited(exit: SessionExit): void;
  /** Number of viewers attached right now. */
  viewerCount(): number;
  /** Sends every viewer its own message (e.g. `session.resized`, which tells each whether the size is its). */
  sendEach(message: (viewer: Viewer) => DaemonMessage): void;
  /** True if every viewer that still holds the engine back is behind; and when that may change by itself. */
  viewersHold(nowMs: number): { hold: boolean; recheckInMs: number | undefined };
}

/** Memory held by a session right now (for status and tests); pty fields are 0/false for acp. */
export interface SessionStats {
  bufferedBytes: number;
  screenBacklogBytes: number;
  coalescingBytes: number;
  recordingQueueBytes: number;
  ptyPaused: boolean;
}

/** The kind-specific part of a session. */
export interface Engine {
  readonly kind: SessionKind;
  readonly feed: Feed;
  readonly flow: FlowLimits;
  /** The current recording file. */
  readonly recordingPath: string;
  /** The kind's fields of SessionInfo (pty: size; acp: activity, permission requests, agent). */
  infoFields(): Partial<SessionInfo>;
  /** A viewer attached (with its terminal size, if it has one) or detached. */
  attached(viewer: Viewer, cols: number | undefined, rows: number | undefined): void;
  detached(viewer: Viewer): void;
  /** Keystrokes (pty only; throws SessionError otherwise). */
  input(viewer: Viewer, bytes: Uint8Array): void;
  /** A viewer's terminal size changed (pty only; ignored otherwise). */
  resize(viewer: Viewer, cols: number, rows: number, take: boolean): void;
  /** Text from someone: typed and Enter (pty), or a prompt (acp). `by` names them for the conversation. */
  send(text: string, by: string): void;
  /** Answers a permission request (acp only). */
  permit(requestId: string, optionId: string, by: string): void;
  /** Cancels the current turn (acp only). */
  cancel(by: string): void;
  /** A viewer fell behind or caught up: the engine may pause or resume its producer. */
  flowChanged(): void;
  /** Asks the process to end (`soft`), or forces it (`hard`). */
  terminate(how: 'soft' | 'hard'): void;
  /** Frees everything of an ended session; resolves once the recording is on disk. */
  dispose(): Promise<void>;
  stats(): SessionStats;
}
