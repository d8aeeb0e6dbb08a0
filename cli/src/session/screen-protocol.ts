// The messages between the daemon's main thread and the screen worker (screen-service.ts), which keeps
// every terminal session's headless screen and writes its recording. Sessions are numbered by the host.
import type { ScreenTail } from './prompt.js';
import type { CastHeader, CastLimits } from './recorder.js';
import type { RecordingStart } from './recording-writer.js';

/** What a new session's screen and recording start with. */
export interface ScreenOpen {
  cols: number;
  rows: number;
  scrollbackLines: number;
  /** The recording to write (null: none, e.g. a screen started again after the session ended). */
  recording: {
    path: string;
    header: CastHeader;
    limits: CastLimits;
    /** The file the main thread created (null: it could not be). */
    created: RecordingStart | null;
  } | null;
}

/** Main thread → worker. */
export type ToScreen =
  /** A session's screen and recording start. */
  | { op: 'open'; id: number; open: ScreenOpen }
  /**
   * Output chunks: chunk i ends at byte offset `ends[i]` of the output and was read at `times[i]` (ms).
   * `parts` holds either one array per chunk (views of shared memory: the PTY's read slabs, not copied),
   * or one array with all of them back to back (transferred). `record`: false when only the screen needs them.
   */
  | { op: 'data'; id: number; parts: Uint8Array[]; ends: number[]; times: number[]; record: boolean }
  /** The terminal was resized after the output sent so far. */
  | { op: 'resize'; id: number; cols: number; rows: number; atMs: number }
  /** Asks for the screen after the output sent so far (answered with `snapshot`). */
  | { op: 'snapshot'; id: number; req: number }
  /** Asks for the bottom of the screen, the cursor line and the lines above it (answered with `tail`). */
  | { op: 'tail'; id: number; req: number }
  /** The session ended: write out the recording; the screen stays for snapshots (answered with `finished`). */
  | { op: 'finish'; id: number; req: number }
  /** The session is removed: free the screen (and write out the recording if need be; answered with `closed`). */
  | { op: 'close'; id: number; req: number };

/** Worker → main thread. */
export type FromScreen =
  /** The worker has taken in the output up to `seq`; `recordingQueueBytes` wait for the disk. */
  | { op: 'progress'; id: number; seq: number; recordingQueueBytes: number; heldBytes: number }
  /** The screen after output byte `seq`, as escape sequences for a terminal of `cols`×`rows`. */
  | { op: 'snapshot'; id: number; req: number; seq: number; cols: number; rows: number; body: Uint8Array }
  | { op: 'tail'; id: number; req: number; tail: ScreenTail }
  /** The terminal's answer to a query in the output (cursor position, device attributes). */
  | { op: 'reply'; id: number; data: string }
  | { op: 'finished'; id: number; req: number }
  | { op: 'closed'; id: number; req: number }
  /** A request (snapshot, prompt, close) failed in the worker: a bug, with its message. */
  | { op: 'failed'; id: number; req: number; message: string }
  /** Something for the daemon's log (a recording that cannot be written). */
  | { op: 'warn'; id: number; message: string };
