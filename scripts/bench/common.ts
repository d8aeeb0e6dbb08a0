// Shared pieces of the benchmark: the terminal-path interface every contender implements, statistics,
// the test file, child process bookkeeping (everything started is stopped), and small timing helpers.
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A terminal as a client sees it: output bytes arriving, input bytes going out. */
export interface Term {
  /** Calls `cb` with every output chunk the client receives (decrypted, for paseo); returns "stop". */
  onData(cb: (bytes: Uint8Array) => void): () => void;
  /** Sends keystrokes. */
  write(bytes: Uint8Array | string): void;
  /** Resolves when the command ended (as far as the client can tell). */
  readonly exited: Promise<void>;
  /** Ends the command if still running and frees everything. */
  close(): Promise<void>;
  /** Process ids whose CPU time counts as "server" for this path (for the CPU columns). */
  serverPids(): number[];
  /** What the server says about this terminal, for error messages when something stalls. */
  describe?(): Promise<string>;
}

/** One way to run a command in a terminal and watch it from a client. */
export interface TermPath {
  readonly name: string;
  /** Starts `argv` at 80x24. Output produced from the start is delivered. */
  spawn(argv: string[]): Promise<Term>;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
export const now = (): number => performance.now();

/** Resolves when a WebSocket client has opened (10 s at most). */
export function wsOpened(
  ws: { once(ev: 'open', cb: () => void): unknown; once(ev: 'error', cb: (err: Error) => void): unknown },
  what: string,
): Promise<void> {
  return withTimeout(
    new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    }),
    10_000,
    what,
  );
}

/** Rejects after `ms` with `what` in the message. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

export function median(xs: number[]): number {
  return quantile(xs, 0.5);
}

/** Quantile with linear interpolation (q in 0..1); NaN for no samples. */
export function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (s[lo] as number) + ((s[hi] as number) - (s[lo] as number)) * (pos - lo);
}

export const MiB = 1024 * 1024;

/** node-pty, loaded from the repo's node_modules (its prebuilt addon matches the pinned Node 24). */
export function nodePty(): typeof import('@homebridge/node-pty-prebuilt-multiarch') {
  return createRequire(import.meta.url)('@homebridge/node-pty-prebuilt-multiarch');
}

/** Info about the generated file: size and what a PTY turns it into (each LF becomes CR LF). */
export interface BenchFile {
  path: string;
  bytes: number;
  newlines: number;
  /** Bytes a terminal client receives for `cat path` (onlcr). */
  ptyBytes: number;
}

const WORDS =
  'error warning note compiling linking src lib test build ok FAILED passed cargo npm tsc vite esbuild module function const let return await import export default interface type class'.split(
    ' ',
  );

/** Writes a file of `mib` MiB that looks like a build log: printable ASCII lines of varied length. */
export async function makeLogFile(path: string, mib: number): Promise<BenchFile> {
  const target = Math.round(mib * MiB);
  const out = createWriteStream(path);
  let seed = 0x2545f491;
  const rnd = (n: number): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % n;
  };
  let written = 0;
  let newlines = 0;
  let line = 0;
  while (written < target) {
    const parts: string[] = [];
    for (let i = 0; i < 64 && written < target; i++) {
      line++;
      let s = `[${String(line).padStart(7, '0')}] ${WORDS[rnd(WORDS.length)]}:`;
      const n = 2 + rnd(14);
      for (let w = 0; w < n; w++)
        s += ` ${WORDS[rnd(WORDS.length)]}${rnd(10) === 0 ? `/${rnd(100000)}.ts:${rnd(999)}` : ''}`;
      s = `${s.slice(0, Math.max(1, Math.min(s.length, target - written - 1)))}\n`;
      parts.push(s);
      written += s.length;
      newlines++;
    }
    if (!out.write(parts.join(''))) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  const bytes = readFileSync(path).length;
  return { path, bytes, newlines, ptyBytes: bytes + newlines };
}

// ---- Child processes: every one started is stopped -------------------------------------------------

const children = new Set<ChildProcess>();

/** Spawns a child that is killed (SIGKILL) if the benchmark exits without stopping it. */
export function spawnTracked(cmd: string, args: string[], opts: SpawnOptions): ChildProcess {
  const child = spawn(cmd, args, opts);
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the child is gone. */
export async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await gone;
  clearTimeout(timer);
}

const tempDirs = new Set<string>();

/** A temporary folder removed by removeTempDirs() (also on Ctrl-C). */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

/** Removes every folder made by tempDir(). */
export function removeTempDirs(): void {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

/** Last resort on exit: kill whatever is still running. */
export function killAllChildren(): void {
  for (const c of children) {
    try {
      c.kill('SIGKILL');
    } catch {
      /* gone */
    }
  }
}

/** CPU seconds (user + system) used so far by a process, from /proc; 0 if it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of the line)
    return ticks / 100;
  } catch {
    return 0;
  }
}

/**
 * CPU seconds used so far by each kind of thread of a process (user and system apart), from
 * /proc/<pid>/task: threads of one name are added up (e.g. V8's GC helpers, "V8Worker").
 */
export function threadCpu(pid: number): Map<string, { user: number; system: number }> {
  const out = new Map<string, { user: number; system: number }>();
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const t = out.get(name) ?? { user: 0, system: 0 };
      t.user += Number(fields[11]) / 100;
      t.system += Number(fields[12]) / 100;
      out.set(name, t);
    } catch {
      // the thread ended
    }
  }
  return out;
}

/** What each kind of thread used between two threadCpu() readings, as "name user+sys ms per MiB" text. */
export function threadCpuText(
  before: Map<string, { user: number; system: number }>,
  after: Map<string, { user: number; system: number }>,
  mib: number,
): string {
  const parts: string[] = [];
  for (const [name, t] of after) {
    const b = before.get(name) ?? { user: 0, system: 0 };
    const user = ((t.user - b.user) * 1000) / mib;
    const system = ((t.system - b.system) * 1000) / mib;
    if (user + system >= 0.05) parts.push(`${name} ${user.toFixed(1)}+${system.toFixed(1)}`);
  }
  return parts.length > 0 ? `${parts.join(', ')} ms/MiB (user+sys)` : '';
}

/** Whole-machine CPU time so far, in seconds: busy (all but idle and iowait) and total. */
export function machineCpu(): { busy: number; total: number } {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const total = f.reduce((a, b) => a + b, 0);
    const idle = (f[3] ?? 0) + (f[4] ?? 0);
    return { busy: (total - idle) / 100, total: total / 100 };
  } catch {
    return { busy: NaN, total: NaN };
  }
}

/** CPU seconds of this process so far. */
export function selfCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Collects output and answers "has `marker` arrived?" without keeping everything. */
export class Tail {
  private text = '';
  constructor(private readonly keep = 256) {}
  push(bytes: Uint8Array): void {
    this.text = (this.text + Buffer.from(bytes).toString('latin1')).slice(-this.keep);
  }
  has(marker: string): boolean {
    return this.text.includes(marker);
  }
}

/** Resolves once `marker` was seen in `term`'s output (from now on). */
export function waitForOutput(term: Term, marker: string, ms: number): Promise<void> {
  const tail = new Tail();
  let off = (): void => {};
  return withTimeout(
    new Promise<void>((resolve) => {
      off = term.onData((b) => {
        tail.push(b);
        if (tail.has(marker)) resolve();
      });
    }),
    ms,
    `waiting for ${JSON.stringify(marker)}`,
  ).finally(() => off());
}

/** The output listeners of a Term; output arriving before the first listener is kept for it. */
export class Listeners {
  private readonly set = new Set<(bytes: Uint8Array) => void>();
  private early: Uint8Array[] | undefined = [];
  add(cb: (bytes: Uint8Array) => void): () => void {
    this.set.add(cb);
    const early = this.early;
    this.early = undefined;
    for (const b of early ?? []) cb(b);
    return () => this.set.delete(cb);
  }
  emit(bytes: Uint8Array): void {
    if (this.early) this.early.push(bytes);
    for (const cb of this.set) cb(bytes);
  }
}

/** The shell wrapper of the latency tests: raw mode, no echo, then `cat` echoes each byte back itself. */
export const ECHO_ARGV = ['sh', '-c', 'stty raw -echo; printf "ECHO-READY\\n"; exec cat'];
export const ECHO_READY = 'ECHO-READY';
