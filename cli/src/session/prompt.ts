// The `waitingForInput` heuristic: once output has stopped, does the text at the cursor look like a
// question or a prompt? Cheap string checks on one line; false positives only cost a badge in the UI.

const YES_NO = /(\(\s*(y|yes)\s*\/\s*(n|no)\s*\)|\[\s*(y|yes)\s*\/\s*(n|no)\s*\])\s*[:?]?$/i;
const PROMPT_ENDINGS = ['> ', '$ ', '# ', '% ', ': ', '❯ ', '› ', '» ', '>>> '];
const BARE_PROMPT_CHARS = new Set(['❯', '›', '>']);

/** True if `text` (the cursor line left of the cursor) looks like a question or a prompt. */
export function looksLikePrompt(text: string): boolean {
  const trimmed = text.trimEnd();
  if (trimmed === '') return false;
  if (trimmed.endsWith('?')) return true;
  if (YES_NO.test(trimmed)) return true;
  const last = trimmed.slice(-1);
  // A lone prompt character (e.g. "> " in an input box drawn as "│ > ").
  if (BARE_PROMPT_CHARS.has(last) && /(^|[\s│|])[❯›>]$/.test(trimmed)) return true;
  const spaced = text.endsWith(' ') ? text.replace(/ +$/, ' ') : text;
  return PROMPT_ENDINGS.some((ending) => spaced.endsWith(ending));
}
