// The log cannot be used to fill the disk or a terminal: network text is escaped and cut, warnings a
// stranger can trigger are limited per kind, and the detached daemon's log rotates.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanLabel } from '../../src/channel/channel.js';
import { LOG_KEEP_FILES, logText, REPEAT_WINDOW_MS, REPEATS_PER_WINDOW, RepeatLimitedLog } from '../../src/log.js';
import { peerOf } from '../../src/transport/peer.js';

const scratch = mkdtempSync(join(tmpdir(), 'paseo-log-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('logText', () => {
  it('escapes control, C1 and bidirectional characters and keeps one line', () => {
    expect(logText('a\u001b[31mb\nc\u009b2J\u202ed')).toBe('a\\x1b[31mb\\x0ac\\x9b2J\\u202ed');
    expect(logText(undefined)).toBe('undefined');
  });

  it('cuts long text and says how much was left out', () => {
    expect(logText('x'.repeat(2000), 10)).toBe(`${'x'.repeat(10)}…(+1990 chars)`);
  });
});

describe('cleanLabel (device names, tailnet identities)', () => {
  it('leaves no escape sequence or override, one line, bounded', () => {
    expect(cleanLabel('\u001b]0;pwned\u0007Pixel\u202e 8\r\n', 80)).toBe(']0;pwned Pixel 8');
    expect(cleanLabel('a'.repeat(500), 100)).toHaveLength(100);
  });

  it('cleans the tailnet identity the sidecar reports before anything stores it', () => {
    const req = {
      socket: { remoteAddress: '127.0.0.1' },
      headers: {
        'x-paseo-sidecar-token': 'tok',
        'x-paseo-tailnet-user': encodeURIComponent('alice@\u001b[2Jexample.com'),
        'x-paseo-tailnet-node': encodeURIComponent('Pixel\u009b8\u202e'),
        'x-paseo-tailnet-addr': '100.64.0.2',
      },
    } as unknown as Parameters<typeof peerOf>[0];
    expect(peerOf(req, 'tok')).toEqual({
      remote: 'tailnet 100.64.0.2',
      tailnetIdentity: 'Pixel 8 · alice@ [2Jexample.com',
    });
    expect(peerOf(req, 'other')).toEqual({ remote: '127.0.0.1' });
    const spoofedAddr = { ...req, headers: { ...req.headers, 'x-paseo-tailnet-addr': '1.2.3.4\u001b[0m' } };
    expect(peerOf(spoofedAddr as typeof req, 'tok').remote).toBe('127.0.0.1');
  });

  it('ignores the identity headers unless they come with the running sidecar’s token', () => {
    const headers = {
      'x-paseo-tailnet-user': 'mallory@',
      'x-paseo-tailnet-node': 'Evil laptop',
      'x-paseo-tailnet-addr': '100.64.0.66',
    };
    const from = (extra: Record<string, string>) =>
      ({ socket: { remoteAddress: '127.0.0.1' }, headers: { ...headers, ...extra } }) as unknown as Parameters<
        typeof peerOf
      >[0];
    const secret = 'a1b2c3d4e5f6';
    const stranger = { remote: '127.0.0.1' };
    expect(peerOf(from({ 'x-paseo-sidecar-token': secret }), secret)).toEqual({
      remote: 'tailnet 100.64.0.66',
      tailnetIdentity: 'Evil laptop · mallory@',
    });
    // A wrong token of the same length, a shorter and a longer one, an empty one, none at all.
    expect(peerOf(from({ 'x-paseo-sidecar-token': 'a1b2c3d4e5f7' }), secret)).toEqual(stranger);
    expect(peerOf(from({ 'x-paseo-sidecar-token': 'a1b2c3' }), secret)).toEqual(stranger);
    expect(peerOf(from({ 'x-paseo-sidecar-token': `${secret}0` }), secret)).toEqual(stranger);
    expect(peerOf(from({ 'x-paseo-sidecar-token': '' }), secret)).toEqual(stranger);
    expect(peerOf(from({}), secret)).toEqual(stranger);
    // Without a tailnet (no sidecar, no token) nothing vouches for anyone, whatever the request says.
    expect(peerOf(from({ 'x-paseo-sidecar-token': 'undefined' }), undefined)).toEqual(stranger);
    expect(peerOf(from({ 'x-paseo-sidecar-token': '' }), '')).toEqual(stranger);
    // A token that is not valid percent-encoding is no token.
    expect(peerOf(from({ 'x-paseo-sidecar-token': '%E0%A4%A' }), '%E0%A4%A')).toEqual(stranger);
  });
});

describe('RepeatLimitedLog', () => {
  it('logs a few lines of each kind per window, then says how many it left out', () => {
    let now = 0;
    const lines: string[] = [];
    const sink = {
      info: (m: unknown) => lines.push(`info ${m}`),
      warn: (m: unknown) => lines.push(`warn ${m}`),
      error() {},
      debug() {},
    };
    const log = new RepeatLimitedLog(sink, () => now);
    for (let i = 0; i < 1000; i++) log.warn('refused request', `refused ${i}`);
    log.info('unknown key', 'another kind still gets through');
    expect(lines).toHaveLength(REPEATS_PER_WINDOW + 1);
    now += REPEAT_WINDOW_MS;
    log.warn('refused request', 'after a quiet spell');
    expect(lines.slice(-2)).toEqual([
      `warn ${1000 - REPEATS_PER_WINDOW} more "refused request" lines were not logged (at most ${REPEATS_PER_WINDOW} a minute)`,
      'warn after a quiet spell',
    ]);
  });
});

describe('daemon.log rotation', () => {
  it('keeps the file under its cap and a few old ones, when stderr is that file', () => {
    const log = join(scratch, 'daemon.log');
    const logModule = resolve(import.meta.dirname, '../../src/log.ts');
    const script = `
      import { createLogger } from ${JSON.stringify(logModule)};
      const log = createLogger('test', 'info', { rotateFile: ${JSON.stringify(log)} });
      for (let i = 0; i < 2000; i++) log.info('line ' + i + ' ' + 'x'.repeat(100));
    `;
    const run = spawnSync(
      'sh',
      ['-c', `exec "$0" --input-type=module -e "$1" 2>>"$2"`, process.execPath, script, log],
      { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PASEO_LOG_MAX_BYTES: '16384' }, encoding: 'utf8' },
    );
    expect(run.status, run.stderr).toBe(0);
    const files = readdirSync(scratch)
      .filter((f) => f.startsWith('daemon.log'))
      .sort();
    expect(files).toEqual(['daemon.log', ...Array.from({ length: LOG_KEEP_FILES }, (_, i) => `daemon.log.${i + 1}`)]);
    for (const f of files) expect(statSync(join(scratch, f)).size).toBeLessThanOrEqual(16384);
    // The newest lines are in daemon.log, the ones just before in daemon.log.1.
    expect(readFileSync(log, 'utf8')).toContain('line 1999 ');
    const last = readFileSync(`${log}.1`, 'utf8').trimEnd().split('\n').at(-1) ?? '';
    const first = readFileSync(log, 'utf8').split('\n')[0] ?? '';
    expect(Number(/line (\d+)/.exec(first)?.[1])).toBe(Number(/line (\d+)/.exec(last)?.[1]) + 1);
  });
});
