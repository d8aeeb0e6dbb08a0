// The words of past sessions: how one ended, when, and what was left out.
import { describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../../../cli/src/channel/messages.js';
import { historyCutSentence, historyExitSentence, historyHow, historySentence } from '../../src/history-text.js';

const NOW = Date.parse('2026-03-01T10:10:00.000Z');
const entry = (over: Partial<HistoryEntry>): HistoryEntry => ({
  id: 'abcd2345',
  name: 'greeter',
  kind: 'acp',
  command: 'gemini --acp',
  startedAt: null,
  endedAt: '2026-03-01T10:05:00.000Z',
  exit: null,
  bytes: 1,
  ...over,
});

describe('history wording', () => {
  it('says how it ended: a signal, a code, or just ended when the recording does not say', () => {
    expect(historyHow(entry({ exit: { exitCode: null, signal: 'SIGTERM' } }))).toBe('ended by SIGTERM');
    expect(historyHow(entry({ exit: { exitCode: 3, signal: null } }))).toBe('exited (code 3)');
    expect(historyHow(entry({}))).toBe('ended');
    expect(historyExitSentence(entry({ exit: { exitCode: null, signal: 'SIGHUP' } }))).toBe(
      'The agent was ended by SIGHUP.',
    );
    expect(historyExitSentence(entry({ kind: 'pty', exit: { exitCode: 0, signal: null } }))).toBe(
      'The command exited with code 0.',
    );
    expect(historyExitSentence(entry({}))).toBe('');
  });

  it('says when, and that it is history', () => {
    expect(historySentence(entry({}), NOW)).toBe('This conversation ended 5 min ago. It is kept as history.');
    expect(historySentence(entry({ kind: 'pty' }), NOW)).toBe(
      'This terminal session ended 5 min ago. It is kept as history.',
    );
  });

  it('says what was left out, and where to read all of it', () => {
    expect(historyCutSentence(entry({}), false, 0, 0)).toBe('');
    expect(historyCutSentence(entry({}), false, 12, 0)).toBe(
      'The start of this conversation is too long to show here: `paseo logs abcd2345` on the computer prints all of it.',
    );
    expect(historyCutSentence(entry({ kind: 'pty' }), true, 0, 2)).toBe(
      'Only the end of its output is shown: `paseo logs abcd2345` on the computer prints all of it. 2 damaged lines were skipped.',
    );
  });
});
