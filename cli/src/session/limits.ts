// Sizes and timings of the session core, in one place. Every one can be overridden per SessionManager
// (tests use small buffers and short timers); the defaults are what the daemon runs with.

/** Small PTY reads arriving within this window are sent as one `session.output`. */
export const COALESCE_WINDOW_MS = 4;
/** Largest body of one `session.output` message: 60 KiB, so that a message fits one DATA frame (64 KiB). */
export const OUTPUT_CHUNK_BYTES = 60 * 1024;
/** Output kept per session for exact resume (older bytes are only in the screen snapshot). */
export const OUTPUT_BUFFER_BYTES = 2 * 1024 * 1024;
/** A viewer with more unacknowledged bytes than this is "behind": nothing more is sent to it. */
export const HIGH_WATERMARK_BYTES = 256 * 1024;
/** A behind viewer whose unacknowledged bytes drop below this is sent what it missed. */
export const LOW_WATERMARK_BYTES = 64 * 1024;
/** The PTY is paused while the headless terminal has more than this many bytes still to parse. */
export const SCREEN_BACKLOG_BYTES = 1024 * 1024;
/** A behind viewer that has not acknowledged anything for this long no longer holds the PTY paused. */
export const STALLED_VIEWER_MS = 10_000;
/** Lines of scrollback kept by the headless terminal (and sent in snapshots). */
export const SCROLLBACK_LINES = 1000;
/** No output for this long, with a prompt-like cursor line, means the agent waits for input. */
export const PROMPT_IDLE_MS = 1500;
/** After SIGHUP, a session still running after this long gets SIGKILL. */
export const KILL_GRACE_MS = 3000;
/** Largest asciicast file before it is rotated to `.cast.1`. */
export const RECORDING_MAX_BYTES = 50 * 1024 * 1024;
/** Rotated recordings kept per session (`.cast.1` … `.cast.N`). */
export const RECORDING_KEEP_FILES = 3;
/** Recording data waiting for the disk beyond this is dropped (and the drop logged), never blocking output. */
export const RECORDING_QUEUE_BYTES = 8 * 1024 * 1024;
/** Conversation events (as JSON) kept per ACP session for exact resume (older ones are only in snapshots). */
export const EVENT_BUFFER_BYTES = 2 * 1024 * 1024;
/** Largest conversation snapshot sent to a viewer (older items are left out; `paseo logs` has them). */
export const CONVERSATION_SNAPSHOT_BYTES = 4 * 1024 * 1024;
/** Most conversation events in one `session.events` message. */
export const EVENTS_CHUNK = 256;
/** A viewer with this many conversation events unacknowledged is "behind"… */
export const EVENTS_HIGH_WATERMARK = 2048;
/** …until fewer than this are. */
export const EVENTS_LOW_WATERMARK = 512;
/** An unanswered permission request gets the safe answer (reject) after this long. */
export const PERMISSION_TIMEOUT_MS = 10 * 60_000;
/** An ACP agent must answer `initialize` and `session/new` within this long. */
export const ACP_START_TIMEOUT_MS = 60_000;
/** Longest line an ACP agent may write (one JSON-RPC message), in bytes. */
export const ACP_MAX_LINE_BYTES = 32 * 1024 * 1024;
/** `onChange` listeners are called at most once per this interval. */
export const CHANGE_THROTTLE_MS = 250;
/** Output alone (no start, exit or viewer change) triggers `onChange` at most once per this interval. */
export const OUTPUT_CHANGE_INTERVAL_MS = 1000;

/** The tunable sizes and timings of a SessionManager. */
export interface SessionLimits {
  coalesceWindowMs: number;
  outputChunkBytes: number;
  outputBufferBytes: number;
  highWatermarkBytes: number;
  lowWatermarkBytes: number;
  screenBacklogBytes: number;
  stalledViewerMs: number;
  scrollbackLines: number;
  promptIdleMs: number;
  killGraceMs: number;
  recordingMaxBytes: number;
  recordingKeepFiles: number;
  recordingQueueBytes: number;
  changeThrottleMs: number;
  outputChangeIntervalMs: number;
  eventBufferBytes: number;
  conversationSnapshotBytes: number;
  eventsChunk: number;
  eventsHighWatermark: number;
  eventsLowWatermark: number;
  permissionTimeoutMs: number;
  acpStartTimeoutMs: number;
  acpMaxLineBytes: number;
}

/** The defaults above as a SessionLimits. */
export const DEFAULT_LIMITS: Readonly<SessionLimits> = Object.freeze({
  coalesceWindowMs: COALESCE_WINDOW_MS,
  outputChunkBytes: OUTPUT_CHUNK_BYTES,
  outputBufferBytes: OUTPUT_BUFFER_BYTES,
  highWatermarkBytes: HIGH_WATERMARK_BYTES,
  lowWatermarkBytes: LOW_WATERMARK_BYTES,
  screenBacklogBytes: SCREEN_BACKLOG_BYTES,
  stalledViewerMs: STALLED_VIEWER_MS,
  scrollbackLines: SCROLLBACK_LINES,
  promptIdleMs: PROMPT_IDLE_MS,
  killGraceMs: KILL_GRACE_MS,
  recordingMaxBytes: RECORDING_MAX_BYTES,
  recordingKeepFiles: RECORDING_KEEP_FILES,
  recordingQueueBytes: RECORDING_QUEUE_BYTES,
  changeThrottleMs: CHANGE_THROTTLE_MS,
  outputChangeIntervalMs: OUTPUT_CHANGE_INTERVAL_MS,
  eventBufferBytes: EVENT_BUFFER_BYTES,
  conversationSnapshotBytes: CONVERSATION_SNAPSHOT_BYTES,
  eventsChunk: EVENTS_CHUNK,
  eventsHighWatermark: EVENTS_HIGH_WATERMARK,
  eventsLowWatermark: EVENTS_LOW_WATERMARK,
  permissionTimeoutMs: PERMISSION_TIMEOUT_MS,
  acpStartTimeoutMs: ACP_START_TIMEOUT_MS,
  acpMaxLineBytes: ACP_MAX_LINE_BYTES,
});
