// The screen serializer (session/serialize.ts), byte for byte: a snapshot starts with a reset (RIS), writes
// each line's cells with one SGR per change of attributes, keeps wraps, the alternate screen, the cursor and
// the input modes, and never lets a title break out of its OSC.

import xtermHeadless from '@xterm/headless';
import { describe, expect, it } from 'vitest';
import { Screen } from '../../src/session/screen.js';
import { serializeTerminal, type TrackedModes } from '../../src/session/serialize.js';
import { write } from '../fixtures/terminal-cells.js';

const { Terminal: HeadlessTerminal } = xtermHeadless;

/** The snapshot of a 10×3 screen (scrollback 5) after `output`, as text. */
function snapshotOf(output: string, cols = 10, rows = 3): string {
  const screen = new Screen(cols, rows, 5, () => {});
  screen.write(Buffer.from(output));
  const text = Buffer.from(screen.snapshot().body).toString();
  screen.dispose();
  return text;
}

/** The snapshot of an empty 10×3 screen with the cursor home and `modes` in between. */
const emptyWith = (modes: string) => `\x1bc\r\n\r\n\x1b[0m${modes}\x1b[1;1H`;

describe('cells and attributes', () => {
  it('writes every attribute of a cell in one SGR sequence that starts from a reset', () => {
    expect(snapshotOf('\x1b[1;2;3;4;5;7;8;9;53mA')).toBe(
      '\x1bc\x1b[0;1;2;3;4;5;7;8;9;53mA\x1b[0m\r\n\r\n\x1b[0m\x1b[1;2H',
    );
  });

  it('writes the 8 colours, the 8 bright ones, the 256-colour palette and RGB for the text and the background', () => {
    const output =
      '\x1b[30;47mA\x1b[37;40mB\x1b[90;107mC\x1b[97;100mD\x1b[38;5;16;48;5;255mE\x1b[38;2;1;2;3;48;2;250;128;0mF';
    expect(snapshotOf(output)).toBe(
      '\x1bc\x1b[0;30;47mA\x1b[0;37;40mB\x1b[0;90;107mC\x1b[0;97;100mD\x1b[0;38;5;16;48;5;255mE' +
        '\x1b[0;38;2;1;2;3;48;2;250;128;0mF\x1b[0m\r\n\r\n\x1b[0m\x1b[1;7H',
    );
  });

  it('writes a new SGR only where the attributes change', () => {
    expect(snapshotOf('\x1b[31mab\x1b[1mcd\x1b[0mef')).toBe(
      '\x1bc\x1b[0;31mab\x1b[0;1;31mcd\x1b[0mef\r\n\r\n\x1b[0m\x1b[1;7H',
    );
  });

  it('leaves out trailing blanks that look like empty cells, even bold ones', () => {
    expect(snapshotOf('a\x1b[1m   ')).toBe('\x1bc\x1b[0ma\r\n\r\n\x1b[0m\x1b[1;5H');
  });

  it.each([
    ['a background colour', '42', '\x1b[0;42m'],
    ['inverse', '7', '\x1b[0;7m'],
    ['underline', '4', '\x1b[0;4m'],
    ['strikethrough', '9', '\x1b[0;9m'],
    ['overline', '53', '\x1b[0;53m'],
  ])('keeps a trailing blank that shows %s', (_name, sgr, written) => {
    expect(snapshotOf(`a\x1b[${sgr}m \x1b[0m`)).toBe(`\x1bc\x1b[0ma${written} \x1b[0m\r\n\r\n\x1b[0m\x1b[1;3H`);
  });

  it('keeps a line erased with a background colour, and the cursor at its start', () => {
    expect(snapshotOf('x\x1b[3;1H\x1b[42m\x1b[K')).toBe('\x1bc\x1b[0mx\r\n\r\n\x1b[0;42m          \x1b[0m\x1b[3;1H');
  });

  it('resets the colours before each line break, so a new line does not pick up a background', () => {
    expect(snapshotOf('\x1b[41mA\r\nB')).toBe('\x1bc\x1b[0;41mA\x1b[0m\r\n\x1b[0;41mB\x1b[0m\r\n\x1b[0m\x1b[2;2H');
    expect(snapshotOf('\x1b[41mA\x1b[0m\r\nB')).toBe('\x1bc\x1b[0;41mA\x1b[0m\r\nB\r\n\x1b[0m\x1b[2;2H');
  });

  it('writes empty lines as bare line breaks and no break after the last line', () => {
    expect(snapshotOf('a\r\n\r\nb')).toBe('\x1bc\x1b[0ma\r\n\r\nb\x1b[0m\x1b[3;2H');
    expect(snapshotOf('\x1b[2;3Hx')).toBe('\x1bc\r\n\x1b[0m  x\r\n\x1b[0m\x1b[2;4H');
  });

  it('writes a wide character once and a wrapped line without a break', () => {
    expect(snapshotOf('漢字')).toBe('\x1bc\x1b[0m漢字\r\n\r\n\x1b[0m\x1b[1;5H');
    expect(snapshotOf('abcdefghijk')).toBe('\x1bc\x1b[0mabcdefghijk\r\n\x1b[0m\x1b[2;2H');
    // The wide character did not fit in the last column: the line is filled to the edge, then it wraps.
    expect(snapshotOf('123456789漢')).toBe('\x1bc\x1b[0m123456789 漢\r\n\x1b[0m\x1b[2;3H');
  });

  it('keeps a wrapped line that holds only a blank, so the wrap is not lost', () => {
    expect(snapshotOf('abcdefghij \r\nx')).toBe('\x1bc\x1b[0mabcdefghij \r\nx\x1b[0m\x1b[3;2H');
  });

  it('keeps the scrollback above the screen', () => {
    expect(snapshotOf('1\r\n2\r\n3\r\n4\r\n5')).toBe('\x1bc\x1b[0m1\r\n2\r\n3\r\n4\r\n5\x1b[0m\x1b[3;2H');
  });
});

describe('cursor and alternate screen', () => {
  it('rewrites the last character when a wrap is pending, so the next one wraps as it would have', () => {
    expect(snapshotOf('abcdefghij')).toBe('\x1bc\x1b[0mabcdefghij\r\n\r\n\x1b[0m\x1b[1;10H\x1b[0mj\x1b[0m');
    expect(snapshotOf('abcdefghi\x1b[1;32mj')).toBe(
      '\x1bc\x1b[0mabcdefghi\x1b[0;1;32mj\x1b[0m\r\n\r\n\x1b[0m\x1b[1;10H\x1b[0;1;32mj\x1b[0m',
    );
    // A wide character in the last two columns is rewritten whole.
    expect(snapshotOf('12345678漢')).toBe('\x1bc\x1b[0m12345678漢\r\n\r\n\x1b[0m\x1b[1;9H\x1b[0m漢\x1b[0m');
  });

  it('rewrites a blank as a space when a wrap is pending over it', () => {
    expect(snapshotOf('abcdefghij\x1b[1K')).toBe('\x1bc\r\n\r\n\x1b[0m\x1b[1;10H\x1b[0m \x1b[0m');
  });

  it('rewrites the last character of the cursor line when a wrap is pending below the scrollback', () => {
    expect(snapshotOf('a\r\nb\r\nc\r\nd\r\nabcdefghi\x1b[4mj')).toBe(
      '\x1bc\x1b[0ma\r\nb\r\nc\r\nd\r\nabcdefghi\x1b[0;4mj\x1b[0m\x1b[3;10H\x1b[0;4mj\x1b[0m',
    );
  });

  it('writes the normal screen with its cursor, then switches to the alternate screen and writes it', () => {
    expect(snapshotOf('ab\x1b[?1049h\x1b[Hcd\x1b[2;2H')).toBe(
      '\x1bc\x1b[0mab\r\n\r\n\x1b[0m\x1b[1;3H\x1b[?1049h\x1b[H\x1b[0mcd\r\n\r\n\x1b[0m\x1b[2;2H',
    );
  });
});

describe('a narrowed alternate screen', () => {
  it('writes only the columns that are left of lines the narrowing did not cut', () => {
    // The alternate screen is not reflowed: its lines keep their old length.
    const screen = new Screen(10, 3, 5, () => {});
    screen.write(Buffer.from('ab\x1b[?1049h\x1b[Habcdefgh\r\nxy'));
    screen.resize(5, 3);
    expect(Buffer.from(screen.snapshot().body).toString()).toBe(
      '\x1bc\x1b[0mab\r\n\r\n\x1b[0m\x1b[1;3H\x1b[?1049h\x1b[H\x1b[0mabcde\r\nxy\r\n\x1b[0m\x1b[2;3H',
    );
    screen.dispose();
  });
});

describe('modes', () => {
  it('writes no mode for a terminal in its default state', () => {
    expect(snapshotOf('')).toBe(emptyWith(''));
  });

  it.each([
    ['application cursor keys', '\x1b[?1h', '\x1b[?1h'],
    ['application keypad', '\x1b=', '\x1b='],
    ['bracketed paste', '\x1b[?2004h', '\x1b[?2004h'],
    ['insert mode', '\x1b[4h', '\x1b[4h'],
    ['origin mode', '\x1b[?6h', '\x1b[?6h'],
    ['reverse wraparound', '\x1b[?45h', '\x1b[?45h'],
    ['focus reports', '\x1b[?1004h', '\x1b[?1004h'],
    ['no autowrap', '\x1b[?7l', '\x1b[?7l'],
    ['X10 mouse reports', '\x1b[?9h', '\x1b[?9h'],
    ['mouse button reports', '\x1b[?1000h', '\x1b[?1000h'],
    ['mouse drag reports', '\x1b[?1002h', '\x1b[?1002h'],
    ['all mouse motion reports', '\x1b[?1003h', '\x1b[?1003h'],
    ['UTF-8 mouse encoding', '\x1b[?1005h', '\x1b[?1005h'],
    ['SGR mouse encoding', '\x1b[?1006h', '\x1b[?1006h'],
    ['urxvt mouse encoding', '\x1b[?1015h', '\x1b[?1015h'],
    ['a hidden cursor', '\x1b[?25l', '\x1b[?25l'],
    ['several modes set in one sequence', '\x1b[?1;9;1006h', '\x1b[?1h\x1b[?9h\x1b[?1006h'],
    ['several modes reset in one sequence', '\x1b[?1006h\x1b[?7;25l', '\x1b[?7l\x1b[?1006h\x1b[?25l'],
  ])('restores %s', (_name, output, restored) => {
    expect(snapshotOf(output)).toBe(emptyWith(restored));
  });

  it.each([
    ['the cursor shown again', '\x1b[?25l\x1b[?25h', ''],
    ['a mouse encoding switched off', '\x1b[?1006h\x1b[?1006l', ''],
    ['the last mouse encoding set', '\x1b[?1005h\x1b[?1015h', '\x1b[?1015h'],
    ['an encoding kept when another one is switched off', '\x1b[?1006h\x1b[?1005l', '\x1b[?1006h'],
  ])('follows the modes: %s', (_name, output, restored) => {
    expect(snapshotOf(output)).toBe(emptyWith(restored));
  });

  it('forgets the screen and every mode at a full reset (RIS)', () => {
    expect(snapshotOf('abc\x1b[4h\x1b[?25l\x1b[?1015h\x1bc')).toBe(emptyWith(''));
  });

  it('keeps the screen but resets the modes at a soft reset (DECSTR)', () => {
    expect(snapshotOf('ab\x1b[4h\x1b[?25l\x1b[?1006h\x1b[!p')).toBe('\x1bc\x1b[0mab\r\n\r\n\x1b[0m\x1b[1;3H');
  });

  it('restores the title without control characters, which would end its OSC early', async () => {
    const term = new HeadlessTerminal({ cols: 10, rows: 3, allowProposedApi: true });
    await write(term, 'x');
    const modes: TrackedModes = {
      cursorHidden: false,
      mouseEncoding: 'default',
      title: 'a\x00b\x07c\x1b[2J\x1fd e~\x7f!',
    };
    expect(serializeTerminal(term, modes)).toBe('\x1bc\x1b[0mx\r\n\r\n\x1b[0m\x1b]2;abc[2Jd e~!\x07\x1b[1;2H');
    term.dispose();
  });

  it('takes the title from the output', () => {
    expect(snapshotOf('\x1b]2;build: ok\x07')).toBe(emptyWith('\x1b]2;build: ok\x07'));
  });
});
