// Wording for times, commands, folders and exits as people read them. Pure: no DOM.

/** "just now", "5 s ago", "3 min ago", "2 h ago", "yesterday", "4 days ago". */
export function ago(iso: string, now: number = Date.now()): string {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return 'at an unknown time';
  const s = Math.max(0, Math.floor((now - then) / 1000));
  if (s < 3) return 'just now';
  if (s < 60) return `${s} s ago`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min ago`;
  const h = Math.floor(min / 60);
  if (h < 24) return `${h} h ago`;
  const days = Math.floor(h / 24);
  if (days === 1) return 'yesterday';
  if (days < 60) return `${days} days ago`;
  return `on ${new Date(then).toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric' })}`;
}

/** A time of day like "14:02:11" (24 h); with the date ("3 Mar, 14:02") when it was not today. */
export function clockTime(ms: number, now: number = Date.now()): string {
  const d = new Date(ms);
  const two = (n: number): string => String(n).padStart(2, '0');
  const time = `${two(d.getHours())}:${two(d.getMinutes())}`;
  if (new Date(now).toDateString() !== d.toDateString()) {
    return `${d.toLocaleDateString(undefined, { day: 'numeric', month: 'short' })}, ${time}`;
  }
  return `${time}:${two(d.getSeconds())}`;
}

/** A date like "3 Mar 2025" (in the browser's locale). */
export function shortDate(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return 'an unknown date';
  return new Date(t).toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
}

/** A command line as a shell would show it: arguments with spaces or quotes are quoted. */
export function commandLine(args: readonly string[]): string {
  return args.map((a) => (a === '' ? "''" : /[^\w@%+=:,./-]/.test(a) ? `'${a.replace(/'/g, `'\\''`)}'` : a)).join(' ');
}

/** A folder shortened from the left to at most `max` characters: "…/projects/paseo/web". */
export function shortenPath(path: string, max = 40): string {
  if (path.length <= max) return path;
  const tail = path.slice(path.length - (max - 1));
  const slash = tail.indexOf('/');
  return `…${slash > 0 && slash < tail.length - 8 ? tail.slice(slash) : tail}`;
}

/** "exited (code 0)", "exited (SIGKILL)" or "exited". */
export function exitText(exitCode: number | null, signal: string | null): string {
  if (signal) return `exited (${signal})`;
  if (exitCode !== null) return `exited (code ${exitCode})`;
  return 'exited';
}

/**
 * A sentence for the end of a session: "Ended from Pixel 8." when someone ended it, else what the
 * process did: "Exited with code 0.", "Ended by SIGHUP."
 */
export function exitSentence(exitCode: number | null, signal: string | null, by?: string): string {
  if (by) return `Ended from ${by}.`;
  if (signal) return `Ended by ${signal}.`;
  if (exitCode !== null) return `Exited with code ${exitCode}.`;
  return 'The session ended.';
}
