import { describe, expect, it } from 'vitest';
import { ago, clockTime, commandLine, exitSentence, exitText, shortenPath } from '../../src/format.js';

describe('ago', () => {
  const now = Date.parse('2025-03-03T12:00:00Z');
  const before = (ms: number): string => new Date(now - ms).toISOString();

  it.each([
    [0, 'just now'],
    [5_000, '5 s ago'],
    [59_000, '59 s ago'],
    [3 * 60_000, '3 min ago'],
    [2 * 3600_000, '2 h ago'],
    [30 * 3600_000, 'yesterday'],
    [4 * 86400_000, '4 days ago'],
  ])('%d ms ago → %s', (ms, text) => {
    expect(ago(before(ms), now)).toBe(text);
  });

  it('never says a time is in the future', () => {
    expect(ago(new Date(now + 10_000).toISOString(), now)).toBe('just now');
  });

  it('copes with a bad date', () => {
    expect(ago('not a date', now)).toBe('at an unknown time');
  });
});

describe('commandLine', () => {
  it('quotes arguments a shell would split', () => {
    expect(commandLine(['claude', '--model', 'opus'])).toBe('claude --model opus');
    expect(commandLine(['sh', '-c', 'echo hi'])).toBe("sh -c 'echo hi'");
    expect(commandLine(['echo', "it's"])).toBe(`echo 'it'\\''s'`);
    expect(commandLine(['x', ''])).toBe("x ''");
  });
});

describe('shortenPath', () => {
  it('keeps short paths and shortens long ones from the left', () => {
    expect(shortenPath('/home/alice/code')).toBe('/home/alice/code');
    const long = '/home/alice/projects/clients/acme/monorepo/packages/web';
    const short = shortenPath(long, 30);
    expect(short.length).toBeLessThanOrEqual(30);
    expect(short.startsWith('…/')).toBe(true);
    expect(long.endsWith(short.slice(1))).toBe(true);
  });
});

describe('exit wording', () => {
  it('says how a session ended', () => {
    expect(exitText(0, null)).toBe('exited (code 0)');
    expect(exitText(null, 'SIGKILL')).toBe('exited (SIGKILL)');
    expect(exitText(null, null)).toBe('exited');
    expect(exitSentence(2, null)).toBe('Exited with code 2.');
    expect(exitSentence(null, 'SIGHUP')).toBe('Ended by SIGHUP.');
    expect(exitSentence(null, 'SIGHUP', 'Pixel 8')).toBe('Ended from Pixel 8.');
  });
});

describe('clockTime', () => {
  it('says the time of day, with the date when it was not today', () => {
    const now = new Date(2025, 2, 3, 18, 0, 0).getTime();
    expect(clockTime(new Date(2025, 2, 3, 9, 5, 7).getTime(), now)).toBe('09:05:07');
    expect(clockTime(new Date(2025, 2, 2, 23, 59, 0).getTime(), now)).toMatch(/^2 Mar, 23:59$|^Mar 2, 23:59$/);
  });
});
