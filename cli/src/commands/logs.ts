// `paseo logs <id>`: print a session's recorded output (from its asciicast recording).

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineCommand } from 'citty';
import { homePaths, paseoHome } from '../state/home.js';
import { fail } from '../ui/output.js';
import { findSession } from './listing.js';
import { withDaemon } from './shared.js';

/** Recording files of a session, oldest first (rotated parts `.cast.N` before the current one). */
export function recordingFiles(home: string, sessionId: string): string[] {
  if (!/^[a-z0-9]{1,64}$/.test(sessionId)) return [];
  const base = join(homePaths(home).recordings, `${sessionId}.cast`);
  const rotated: string[] = [];
  for (let i = 1; i < 100 && existsSync(`${base}.${i}`); i++) rotated.push(`${base}.${i}`);
  return [...rotated.reverse(), ...(existsSync(base) ? [base] : [])];
}

/** The output events of an asciicast v2 file, concatenated. Malformed lines are skipped. */
export function castOutput(text: string): string {
  let out = '';
  for (const line of text.split('\n').slice(1)) {
    if (!line.startsWith('[')) continue;
    try {
      const ev = JSON.parse(line) as unknown;
      if (Array.isArray(ev) && ev[1] === 'o' && typeof ev[2] === 'string') out += ev[2];
    } catch {
      /* a line cut off by a crash: skip it */
    }
  }
  return out;
}

export default defineCommand({
  meta: { name: 'logs', description: "Print a session's recorded output." },
  args: {
    session: { type: 'positional', required: true, description: 'The session id or name, from `paseo ls`' },
    cast: {
      type: 'boolean',
      description: 'Print the paths of the asciicast recordings instead (play them with asciinema)',
    },
  },
  async run({ args }) {
    const wanted = String(args.session);
    // A killed session is no longer listed, but its recording stays: find it by id first.
    let files = recordingFiles(paseoHome(), wanted);
    let label = wanted;
    if (files.length === 0) {
      const s = await withDaemon((client) => findSession(client, wanted));
      files = recordingFiles(paseoHome(), s.id);
      label = `${s.name} (${s.id})`;
    }
    if (files.length === 0) fail(`No recording of ${label} was found.`);
    if (args.cast) {
      process.stdout.write(`${files.join('\n')}\n`);
      return;
    }
    for (const f of files) process.stdout.write(castOutput(readFileSync(f, 'utf8')));
  },
});
