// The `waitingForInput` heuristic (session/prompt.ts) read line by line: which endings count as a question
// to the person, where above an empty input line the question is looked for, and what a session card shows.
import { describe, expect, it } from 'vitest';
import { lastLineOf, lineText, looksLikeQuestion, pendingQuestion } from '../../src/session/prompt.js';

const tail = (cursorLine: string, ...above: string[]) => ({ cursorLine, above });

describe('lineText', () => {
  it('drops the frame a TUI draws and the blanks around the text', () => {
    expect(lineText('│  Continue?  │')).toBe('Continue?');
    expect(lineText('╭─────╮')).toBe('');
    expect(lineText('   ')).toBe('');
    // A frame character inside the text becomes a space, not nothing.
    expect(lineText('left│right')).toBe('left right');
  });
});

describe('looksLikeQuestion', () => {
  it.each([
    // A question mark at the very end, after the frame and blanks are gone.
    ['│ Shall I run the tests? │', true],
    ['?', true],
    ['Is this right? no', false],
    // Choices, with or without spaces inside the brackets, and with a colon or question mark after them.
    ['Continue ( y / n )', true],
    ['Continue (yes/no):', true],
    ['Continue [y/N]?', true],
    ['Continue [Yes / No]  ', true],
    ['Continue (y/n) please', false],
    ['(y/n) is how you answer', false],
    ['Continue [y|n]', false],
    // Secrets asked for at the end of the line.
    ['Password:', true],
    ['PIN:', true],
    ['Passcode :', true],
    ['Password for ana@host:', true],
    ['Password: hunter', false],
    ['Mypassword:', false],
    ['Password for :', false],
  ])('%j → %s', (line, expected) => {
    expect(looksLikeQuestion(line)).toBe(expected);
  });
});

describe('pendingQuestion', () => {
  it('takes the question on the cursor line as the person sees it', () => {
    expect(pendingQuestion(tail('│ Overwrite app.ts? (y/n) │'))).toBe('Overwrite app.ts? (y/n)');
  });

  it('looks above a bare prompt marker for the question, at the nearest line of text only', () => {
    for (const marker of ['', '  ', '>', '❯', '›', '»', '>>>', '│ > │']) {
      expect(pendingQuestion(tail(marker, '', 'Shall I commit?'))).toBe('Shall I commit?');
    }
    expect(pendingQuestion(tail('> ', 'Tests pass.', 'Shall I commit?'))).toBeUndefined();
  });

  it('does not look above a line that holds typed text or a shell prompt', () => {
    expect(pendingQuestion(tail('> fix the', 'Shall I commit?'))).toBeUndefined();
    expect(pendingQuestion(tail('$', 'Shall I commit?'))).toBeUndefined();
    expect(pendingQuestion(tail('>>', 'Shall I commit?'))).toBeUndefined();
  });

  it('looks at most eight lines above the cursor', () => {
    const blanks = (n: number) => Array.from({ length: n }, () => '│      │');
    expect(pendingQuestion(tail('>', ...blanks(7), 'Shall I commit?'))).toBe('Shall I commit?');
    expect(pendingQuestion(tail('>', ...blanks(8), 'Shall I commit?'))).toBeUndefined();
    expect(pendingQuestion(tail('', ...blanks(6), '❯ 1. Yes', 'Edit app.ts?'))).toBe('Edit app.ts?');
    expect(pendingQuestion(tail('', ...blanks(7), '❯ 1. Yes', 'Edit app.ts?'))).toBeUndefined();
  });

  it('finds the question over a numbered menu whose pointer is on the first choice', () => {
    // The pointer right above the cursor.
    expect(pendingQuestion(tail('', '❯ 1. Yes', 'Edit app.ts?'))).toBe('Edit app.ts?');
    expect(pendingQuestion(tail('', '> 1) Yes', '│ Edit app.ts? │'))).toBe('Edit app.ts?');
    // Choices that end in "?" below the pointer are not the question; the first question over it is.
    expect(
      pendingQuestion(
        tail(
          '',
          '3. No, and tell Claude what to do differently',
          '2. Yes, and allow all edits?',
          '» 1. Yes',
          'Edit app.ts?',
          'Done?',
        ),
      ),
    ).toBe('Edit app.ts?');
    // A menu without a question over it, or with the pointer elsewhere, asks nothing the heuristic can name.
    expect(pendingQuestion(tail('', '2. No', '❯ 1. Yes', 'Choose one'))).toBeUndefined();
    expect(pendingQuestion(tail('', '❯ 2. No', '1. Yes', 'Compiling'))).toBeUndefined();
    expect(pendingQuestion(tail('', '❯ 1.Yes', 'Edit app.ts?'))).toBeUndefined();
  });
});

describe('lastLineOf', () => {
  it('shows the pending question, even above an empty input line', () => {
    expect(lastLineOf(tail('│ > │', 'Shall I commit?', 'Tests pass.'))).toBe('Shall I commit?');
  });

  it('shows the cursor line without its frame, else the nearest line of text above', () => {
    expect(lastLineOf(tail('│ building… │', 'Shall I commit?'))).toBe('building…');
    expect(lastLineOf(tail('│   │', '╰───╯', ' 12 passed ', 'older'))).toBe('12 passed');
    expect(lastLineOf(tail('', ...Array.from({ length: 12 }, () => ''), 'far above'))).toBe('far above');
    expect(lastLineOf(tail(''))).toBeUndefined();
  });
});
