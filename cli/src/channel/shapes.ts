// The shapes carried inside messages (devices, presets, sessions, pairing, tailnet, relay and status
// information) and the field validators and limits the messages share. The messages themselves are
// declared in messages.ts, which re-exports everything here.
import { arr, bool, type Infer, int, nullable, obj, oneOf, opt, str } from './validate.js';

/** Largest terminal size accepted, in character cells. */
export const MAX_TERMINAL_COLS = 1000;
export const MAX_TERMINAL_ROWS = 500;
/** Largest session id, device id or name accepted, in characters. */
export const MAX_ID_CHARS = 64;
export const MAX_NAME_CHARS = 80;
/** Largest command line: arguments and characters per argument. */
export const MAX_ARGS = 256;
export const MAX_ARG_CHARS = 4096;
/** Longest `lastLine` of a session in lists, in characters. */
export const MAX_LAST_LINE_CHARS = 200;

/** A request id, chosen by the client. */
export const rid = int(1, 2 ** 31);
/** A session, device or daemon id. */
export const id = str(MAX_ID_CHARS, 1);
/** A name people gave (a session, a device). */
export const name = str(MAX_NAME_CHARS, 1);
/** A terminal's width and height, in cells. */
export const cols = int(1, MAX_TERMINAL_COLS);
export const rows = int(1, MAX_TERMINAL_ROWS);
/** A position in a session's output (byte offset or event number). */
export const seq = int(0, Number.MAX_SAFE_INTEGER);
/** An ISO 8601 time. */
const isoTime = str(40, 10);

// ---- Shapes carried inside messages -------------------------------------------------------------

/** A paired device as shown in lists. */
export const deviceInfo = obj({
  id,
  name,
  pairedAt: isoTime,
  lastSeenAt: nullable(isoTime),
  online: bool,
  /** The tailnet identity it last connected from, e.g. "Pixel 8 · alice@" (when known). */
  tailnetIdentity: opt(str(200)),
  /** True for the device receiving this list. */
  current: opt(bool),
});
export type DeviceInfo = Infer<typeof deviceInfo>;

/** A preset: a named command that starts a coding agent, in a terminal (pty) or as an ACP conversation. */
export const presetInfo = obj({
  name: str(MAX_NAME_CHARS, 1),
  kind: oneOf('pty', 'acp'),
  command: str(MAX_ARG_CHARS, 1),
  args: arr(str(MAX_ARG_CHARS), MAX_ARGS),
  description: str(200),
  /** False when the command is not found on this machine's PATH. */
  available: bool,
});
export type PresetInfo = Infer<typeof presetInfo>;

/** What a session runs: a command in a terminal (`pty`), or an agent speaking ACP on stdio (`acp`). */
export const sessionKind = oneOf('pty', 'acp');
export type SessionKind = Infer<typeof sessionKind>;

/** A permission request of an ACP agent waiting for an answer. */
export const permissionRequestInfo = obj({
  /** The daemon's id of the request (for `session.permit`). */
  id,
  /** What the agent wants to do (the tool call's title). */
  title: str(500),
  /** The agent's own answers, in its order. */
  options: arr(
    obj({ id: str(200, 1), name: str(500), kind: oneOf('allow_once', 'allow_always', 'reject_once', 'reject_always') }),
    16,
  ),
  /** When it is answered with the safe answer (reject) if nobody answers. */
  expiresAt: isoTime,
});
export type PermissionRequestInfo = Infer<typeof permissionRequestInfo>;

/** An agent session as shown in lists. */
export const sessionInfo = obj({
  id,
  name,
  kind: sessionKind,
  command: arr(str(MAX_ARG_CHARS), MAX_ARGS),
  cwd: str(MAX_ARG_CHARS),
  state: oneOf('running', 'exited'),
  exitCode: nullable(int(-1, 255)),
  signal: nullable(str(32)),
  startedAt: isoTime,
  /** When the session last printed (pty) or the conversation last changed (acp). */
  lastOutputAt: nullable(isoTime),
  /** Number of devices and terminals attached right now. */
  viewers: int(0, 10_000),
  /** pty: the screen ends in a likely question (`?`, `[y/n]`, a password prompt); acp: a permission request waits, or the agent waits for a prompt. */
  waitingForInput: bool,
  /** pty: the last line of text on its screen (the question, when it waits for one), for the card in lists. */
  lastLine: opt(str(MAX_LAST_LINE_CHARS)),
  /** pty: the terminal size in cells. */
  cols: opt(cols),
  rows: opt(rows),
  /** pty: byte offset of the end of the output so far; acp: number of conversation events so far. */
  seq,
  /** acp: starting (not ready for a prompt yet), ready (waits for a prompt) or working (answering one). */
  activity: opt(oneOf('starting', 'ready', 'working')),
  /** acp: permission requests waiting for an answer, the oldest few (the conversation has them all). */
  permissions: opt(arr(permissionRequestInfo, 64)),
  /** acp: the agent's name and version as it reported them. */
  agent: opt(str(200)),
});
export type SessionInfo = Infer<typeof sessionInfo>;

/** A one-time pairing code and the URLs that carry it. */
export const pairInfo = obj({
  code: str(9, 9),
  /** The pairing URL to scan (the code travels in the fragment). */
  url: str(2000, 1),
  /** Every URL the device can use (tailnet, relay, local). */
  urls: arr(str(2000, 1), 16),
  /** The pairing URL on the relay's origin (also in `urls`), when `paseo up --relay` is connected. */
  relayUrl: opt(str(2000, 1)),
  /** The daemon key's fingerprint, shown on the phone too (channel/fingerprint.ts). */
  fingerprint: str(32, 1),
  expiresAt: isoTime,
});
export type PairInfo = Infer<typeof pairInfo>;

/** The states of the tailnet node (`off`: started with --no-tailnet). */
export const TAILNET_STATES = [
  'off',
  'starting',
  'needs-login',
  'needs-approval',
  'running',
  'control-unreachable',
  'restarting',
  'failed',
] as const;

/**
 * Tailnet state as reported by the sidecar. `running` means other devices can reach the node (the sidecar
 * said `ready`); until then a node that is on the tailnet is still `starting`.
 */
export const tailnetInfo = obj({
  state: oneOf(...TAILNET_STATES),
  loginUrl: opt(str(2000)),
  url: opt(str(2000)),
  fqdn: opt(str(300)),
  ips: arr(str(64), 16),
  https: bool,
  /** False when the tailnet has MagicDNS off (devices cannot resolve `fqdn`; `url` is then an IP). */
  magicDNS: opt(bool),
  /** The control server given with --login-server (headscale…); absent for Tailscale's own. */
  loginServer: opt(str(2000)),
  detail: opt(str(1000)),
  restarts: int(0, 1_000_000),
});
export type TailnetInfo = Infer<typeof tailnetInfo>;

/** The daemon's link to a relay (`paseo up --relay URL`). */
export const relayInfo = obj({
  state: oneOf('off', 'connecting', 'connected', 'error'),
  /** The relay's address as given to --relay (ws:// or wss://). */
  url: opt(str(2000)),
  /** The web address phones open through the relay (http(s)://, the relay's origin). */
  webUrl: opt(str(2000)),
  /** The id the relay routes phones by (`/ws/<relayId>`). */
  relayId: opt(str(64)),
  /** Why it is not connected, as a sentence. */
  reason: opt(str(1000)),
  /** Phones connected through the relay now. */
  channels: int(0, 1_000_000),
});
export type RelayInfo = Infer<typeof relayInfo>;

/** What `paseo status` shows. */
export const statusInfo = obj({
  version: str(64),
  pid: int(1, 2 ** 31),
  daemonId: id,
  startedAt: isoTime,
  home: str(MAX_ARG_CHARS),
  listen: arr(str(300), 16),
  urls: arr(str(2000), 16),
  devices: int(0, 100_000),
  devicesOnline: int(0, 100_000),
  sessions: int(0, 100_000),
  sessionsRunning: int(0, 100_000),
  tailnet: tailnetInfo,
  relay: relayInfo,
  /** Problems worth telling the user, as sentences (e.g. a corrupt device file). */
  warnings: arr(str(2000), 100),
});
export type StatusInfo = Infer<typeof statusInfo>;

// ---- History: past sessions, read from their recordings ------------------------------------------

/** Most past sessions one `history.list` answer carries (the rest are counted in `omitted`). */
export const MAX_HISTORY_ENTRIES = 100;
/** Longest command line and folder of a past session in lists, in characters (longer ones are cut). */
export const MAX_HISTORY_TEXT_CHARS = 300;

/** How a past session ended, as its recording says: an exit code or a signal. */
export const historyExit = obj({ exitCode: nullable(int(-1, 255)), signal: nullable(str(32)) });

/** A past session: one that is no longer in the session list, known from its recording on disk. */
export const historyEntry = obj({
  id,
  name,
  kind: sessionKind,
  /** The command line, as one string (cut to MAX_HISTORY_TEXT_CHARS). */
  command: str(MAX_HISTORY_TEXT_CHARS),
  /** acp: the folder it ran in (pty recordings do not say). */
  cwd: opt(str(MAX_HISTORY_TEXT_CHARS)),
  startedAt: nullable(isoTime),
  /** When it ended: the recorded exit, or else when its recording last changed. */
  endedAt: isoTime,
  /** acp: how the agent ended, when the recording says (null: it does not, e.g. the daemon was killed). */
  exit: nullable(historyExit),
  /** Size of its recording files on disk, in bytes. */
  bytes: int(0, Number.MAX_SAFE_INTEGER),
});
export type HistoryEntry = Infer<typeof historyEntry>;

/** The answer to `history.list`: past sessions, newest first. */
export const historyList = obj({
  entries: arr(historyEntry, MAX_HISTORY_ENTRIES),
  /** Older past sessions left out of this answer. */
  omitted: int(0, Number.MAX_SAFE_INTEGER),
});
export type HistoryList = Infer<typeof historyList>;

/** The answer to `history.read` (its body: the conversation as a JSON snapshot, or the terminal output). */
export const historyRecording = obj({
  entry: historyEntry,
  /** True when the start of the recording is left out (too large to send: `paseo logs` prints it all). */
  cut: bool,
  /** Damaged lines of the recording that were skipped (a line cut by a crash, say). */
  skipped: int(0, Number.MAX_SAFE_INTEGER),
});
export type HistoryRecording = Infer<typeof historyRecording>;
