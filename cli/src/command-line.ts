// The command line as citty leaves it to us: options a command does not declare are refused (citty
// ignores them silently), and help is plain text where colour does not belong (piped, NO_COLOR, dumb
// terminals). Pure except for `useColor`, which reads the environment.

/** An option as citty declares it (the part looked at here). */
export interface OptionDef {
  type?: string;
  alias?: string | string[];
}

const camel = (s: string): string => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
const kebab = (s: string): string => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** The first option in `rawArgs` that `args` does not declare (e.g. "--bogus"), if any; `--` ends options. */
export function unknownOption(args: Record<string, OptionDef>, rawArgs: readonly string[]): string | undefined {
  const long = new Map<string, OptionDef>();
  const short = new Map<string, OptionDef>();
  for (const [name, def] of Object.entries(args)) {
    if (def.type === 'positional') continue;
    for (const n of new Set([name, camel(name), kebab(name)])) {
      long.set(n, def);
      if (def.type === 'boolean') long.set(`no-${n}`, def);
    }
    for (const a of [def.alias ?? []].flat()) (a.length === 1 ? short : long).set(a, def);
  }
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i]!;
    if (arg === '--') return undefined;
    if (arg === '-' || !arg.startsWith('-') || /^-\d/.test(arg)) continue;
    const takesValue = (def: OptionDef | undefined): boolean => def?.type === 'string' || def?.type === 'enum';
    if (arg.startsWith('--')) {
      const [name = '', value] = arg.slice(2).split(/=(.*)/s);
      const def = long.get(name);
      if (!def) return `--${name}`;
      if (value === undefined && takesValue(def)) i++;
      continue;
    }
    const letters = arg.slice(1).split('=')[0] ?? '';
    for (const [j, letter] of [...letters].entries()) {
      const def = short.get(letter);
      if (!def) return `-${letter}`;
      if (takesValue(def) && j === letters.length - 1 && !arg.includes('=')) i++;
    }
  }
  return undefined;
}

/** True when output to `stream` may carry colour codes: a terminal, NO_COLOR unset, TERM not dumb. */
export function useColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && !env.NO_COLOR && env.TERM !== 'dumb';
}

/** `text` without colour and style codes (ESC [ … m). */
export function stripColor(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips colour codes (ESC [ … m)
  return text.replace(/\x1b\[[0-9;]*m/g, '');
}
