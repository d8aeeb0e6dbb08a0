import { describe, expect, it } from 'vitest';
import { stripColor, unknownOption, useColor } from '../../src/command-line.js';

const RUN = {
  preset: { type: 'positional' },
  cwd: { type: 'string' },
  env: { type: 'string' },
  detach: { type: 'boolean', alias: 'd' },
  list: { type: 'boolean' },
  'login-server': { type: 'string' },
  tailnet: { type: 'boolean' },
};

describe('unknownOption', () => {
  it.each([
    [['--bogus'], '--bogus'],
    [['claude', '--bogus=1'], '--bogus'],
    [['-x'], '-x'],
    [['-dx'], '-x'],
    [['--no-bogus'], '--no-bogus'],
  ])('%j → %s', (args, unknown) => {
    expect(unknownOption(RUN, args)).toBe(unknown);
  });

  it('accepts what the command declares, in every spelling citty accepts', () => {
    for (const args of [
      ['claude', '--cwd', '/tmp', '-d'],
      ['--cwd=/tmp', '--env', 'A=1', '--env=B=2', '--list'],
      ['--detach', '--no-tailnet', '--login-server', 'https://h', '--loginServer=https://h'],
      ['--cwd', '--looks-like-an-option-but-is-the-value'],
      ['-', '-5'],
    ]) {
      expect(unknownOption(RUN, args), args.join(' ')).toBeUndefined();
    }
  });

  it('stops at -- (the rest is the command to run)', () => {
    expect(unknownOption(RUN, ['--', 'npm', 'test', '--watch'])).toBeUndefined();
    expect(unknownOption({}, ['--', '--anything'])).toBeUndefined();
  });
});

describe('help colours', () => {
  it('only on a terminal, never with NO_COLOR or TERM=dumb', () => {
    expect(useColor({ isTTY: true }, {})).toBe(true);
    expect(useColor({ isTTY: false }, {})).toBe(false);
    expect(useColor({}, {})).toBe(false);
    expect(useColor({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(useColor({ isTTY: true }, { NO_COLOR: 'yes' })).toBe(false);
    expect(useColor({ isTTY: true }, { TERM: 'dumb' })).toBe(false);
    expect(stripColor('\x1b[4m\x1b[1mUSAGE\x1b[22m\x1b[24m \x1b[36mpaseo\x1b[39m')).toBe('USAGE paseo');
  });
});
