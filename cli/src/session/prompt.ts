// The `waitingForInput` heuristic: once output has stopped, does the screen end in a likely question to
// the person — a line ending in `?`, a `[y/n]` / `(Y/n)` choice, a password prompt, a numbered menu with
// a pointer? An idle shell prompt is not one (the badge would then be on every shell and mean nothing).
// Cheap string checks on a few lines; a false positive only costs a badge in the UI.

const YES_NO = /(\(\s*(y|yes)\s*\/\s*(n|no)\s*\)|\[\s*(y|yes)\s*\/\s*(n|no)\s*\])\s*[:?]?$/i;
const SECRET = /\b(password|passphrase|passcode|pin)( for [^:]+)?\s*:$/i;
/** A pointer on the first choice of a numbered menu, e.g. "❯ 1. Yes". */
const MENU_POINTER = /^[❯›>»]\s*1[.)]\s/;
/** Box-drawing characters (the frames TUIs draw around input boxes and dialogs). */
const BOX = /[\u2500-\u257f]/g;
/** What is left of an input line that holds nothing typed yet: a prompt marker, or nothing. */
const BARE_INPUT = new Set(['', '>', '❯', '›', '»', '>>>']);
/** Lines above the cursor looked at for a question, at most. */
const LINES_ABOVE = 8;

/** A line without its frame and surrounding blanks. */
export function lineText(line: string): string {
  return line.replace(BOX, ' ').trim();
}

/** True if one line reads as a question to the person. */
export function looksLikeQuestion(line: string): boolean {
  const text = lineText(line);
  return text.endsWith('?') || YES_NO.test(text) || SECRET.test(text);
}

/** The bottom of a screen: the cursor line left of the cursor, and the lines above it, nearest first. */
export interface ScreenTail {
  cursorLine: string;
  above: readonly string[];
}

/**
 * The question the screen ends with, if any: on the cursor line; or, when the cursor waits in an empty
 * input line (a bare `>`, an input box), on the nearest line of text above it or in a menu just above.
 */
export function pendingQuestion(tail: ScreenTail): string | undefined {
  const cursor = lineText(tail.cursorLine);
  if (looksLikeQuestion(cursor)) return cursor;
  if (!BARE_INPUT.has(cursor)) return undefined;
  const lines = tail.above
    .slice(0, LINES_ABOVE)
    .map(lineText)
    .filter((l) => l !== '');
  const nearest = lines[0];
  if (nearest !== undefined && looksLikeQuestion(nearest)) return nearest;
  // A dialog with numbered choices ("❯ 1. Yes") under its question.
  const menu = lines.findIndex((l) => MENU_POINTER.test(l));
  if (menu >= 0) return lines.slice(menu + 1).find(looksLikeQuestion);
  return undefined;
}

/** The line a session card shows: the pending question, else the last line of text on the screen. */
export function lastLineOf(tail: ScreenTail): string | undefined {
  const question = pendingQuestion(tail);
  if (question) return question;
  const cursor = lineText(tail.cursorLine);
  if (cursor !== '') return cursor;
  return tail.above.map(lineText).find((l) => l !== '');
}
