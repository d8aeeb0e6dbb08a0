// The first pairing code waits for the tailnet (`paseo up`, `paseo up --daemon`, `paseo pair`): until other
// devices can reach the node, the only address is 127.0.0.1, which a phone cannot open. The wait is bounded,
// shows progress, and pauses its clock while a person must act (log in, approve the computer).
import type { TailnetInfo } from '../channel/messages.js';
import { isLoopbackUrl } from '../transport/loopback.js';
import { type LiveLine, qrCode } from '../ui/output.js';
import { tailnetLine } from '../ui/screens.js';

/** How long the first pairing code waits for the tailnet to come up by itself, in milliseconds. */
export const TAILNET_WAIT_MS = 60_000;
/** How long it waits while the control server cannot be reached (not likely to change soon), in milliseconds. */
export const UNREACHABLE_WAIT_MS = 10_000;
/** How long `paseo up --daemon` waits for a person to log in or approve, in milliseconds. */
export const PERSON_WAIT_MS = 5 * 60_000;
/** How often the state is looked at while waiting, in milliseconds. */
const POLL_MS = 200;

/** TAILNET_WAIT_MS, or PASEO_TAILNET_WAIT_MS (tests of the timeout; at most the default). */
export function tailnetWaitMs(): number {
  const v = Number(process.env.PASEO_TAILNET_WAIT_MS);
  return Number.isSafeInteger(v) && v > 0 && v < TAILNET_WAIT_MS ? v : TAILNET_WAIT_MS;
}

/** States that resolve by themselves (the node is starting or retrying): these are waited for. */
const JOINING = new Set<TailnetInfo['state']>(['starting', 'restarting', 'control-unreachable']);
/** States in which a person must act. */
const PERSON = new Set<TailnetInfo['state']>(['needs-login', 'needs-approval']);

/** True while the tailnet may still become reachable without anyone doing anything. */
export function isJoining(t: TailnetInfo): boolean {
  return JOINING.has(t.state);
}

export interface WaitResult {
  tailnet: TailnetInfo;
  /** running: reachable; timeout: waited TAILNET_WAIT_MS; person: a person must act; over: off or failed. */
  outcome: 'running' | 'timeout' | 'person' | 'over';
  /** Time spent waiting for the node by itself (not for a person), in milliseconds. */
  waitedMs: number;
}

/** Prints tailnet state changes as `Tailnet: …` lines, and a new login link with its QR code. */
export class TailnetReporter {
  private lastLine: string | undefined;
  private lastLogin: string | undefined;

  constructor(private readonly out: (s: string) => void) {}

  report(t: TailnetInfo): void {
    if (t.state === 'running') {
      this.lastLine = undefined;
      return;
    }
    if (t.state === 'needs-login' && t.loginUrl) {
      if (t.loginUrl === this.lastLogin) return;
      this.lastLogin = t.loginUrl;
      this.lastLine = undefined;
      const where = t.loginServer ? `your control server (${t.loginServer})` : 'Tailscale';
      // A QR code only for a link a phone can open (a control server on this computer's loopback has none).
      const qr = isLoopbackUrl(t.loginUrl) ? '' : `${qrCode(t.loginUrl)}\n\n`;
      this.out(
        `\nTo put paseo on your tailnet, log in to ${where}:\n\n${qr}  ${t.loginUrl}\n\nWaiting for the login… (the web UI on this computer works meanwhile)\n`,
      );
      return;
    }
    if (t.state === 'starting' && !t.detail) return; // "joining…" was said when paseo started
    const line = `Tailnet: ${tailnetLine(t)}`;
    if (line === this.lastLine) return;
    this.lastLine = line;
    this.out(`${line}\n`);
  }
}

/**
 * Waits until the tailnet is reachable (or off, or failed). Gives up after waitMs of the node trying by
 * itself (UNREACHABLE_WAIT_MS when the control server cannot be reached all along), or when a person must
 * act for longer than personWaitMs (0: at once). Calls onChange with every
 * state, and shows the time waited on a terminal.
 */
export async function waitForTailnet(
  get: () => Promise<TailnetInfo>,
  opts: { waitMs: number; personWaitMs: number; onChange: (t: TailnetInfo) => void; live?: LiveLine },
): Promise<WaitResult> {
  let waitedMs = 0;
  let personMs = 0;
  let unreachableMs = 0; // in a row
  const unreachableWaitMs = Math.min(UNREACHABLE_WAIT_MS, opts.waitMs);
  let last = Date.now();
  const started = last;
  try {
    for (;;) {
      const t = await get();
      const now = Date.now();
      if (PERSON.has(t.state)) personMs += now - last;
      else waitedMs += now - last;
      unreachableMs = t.state === 'control-unreachable' ? unreachableMs + now - last : 0;
      last = now;
      opts.onChange(t); // whoever prints clears the live line first
      if (t.state === 'running') return { tailnet: t, outcome: 'running', waitedMs };
      if (!JOINING.has(t.state) && !PERSON.has(t.state)) return { tailnet: t, outcome: 'over', waitedMs };
      if (PERSON.has(t.state) && personMs >= opts.personWaitMs) return { tailnet: t, outcome: 'person', waitedMs };
      if (waitedMs >= opts.waitMs || unreachableMs >= unreachableWaitMs)
        return { tailnet: t, outcome: 'timeout', waitedMs };
      opts.live?.show(`Waiting for the tailnet… ${Math.round((now - started) / 1000)} s`);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  } finally {
    opts.live?.clear();
  }
}
