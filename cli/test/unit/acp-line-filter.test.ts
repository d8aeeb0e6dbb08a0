// The line filter between an ACP agent's stdout and the ACP connection: which lines are protocol, how
// lines split across reads (or reads split across lines) come out, how overlong lines are dropped, and
// what the log gets from everything else.
import { describe, expect, it } from 'vitest';
import { isJsonRpc, LineFilter, MAX_NOISE_CHARS, printable } from '../../src/session/acp/line-filter.js';

const RPC = '{"jsonrpc":"2.0","id":1,"result":{}}';

/** A filter that records what it passes on, in order, as `protocol: …` and `noise: …`. */
function filter(maxLineBytes = 100) {
  const out: string[] = [];
  const f = new LineFilter(
    {
      protocol: (l) => out.push(`protocol: ${Buffer.from(l).toString('utf8')}`),
      noise: (t) => out.push(`noise: ${t}`),
    },
    maxLineBytes,
  );
  const push = (...chunks: string[]) => {
    for (const c of chunks) f.push(Buffer.from(c, 'utf8'));
  };
  return { f, out, push };
}

describe('splitting an agent stdout into lines', () => {
  it('ends the line in progress at a newline that starts a read', () => {
    const { out, push } = filter();
    push('Loading', `\n${RPC}\n`);
    expect(out).toEqual(['noise: Loading', `protocol: ${RPC}\n`]);
  });

  it('joins a line read in many pieces, and passes each line of one read on its own', () => {
    const { out, push } = filter();
    push('{"jsonrpc"', ':"2.0",', '"id":1,"result":{}}', `\n${RPC}\n${RPC}\nbye\n`);
    expect(out).toEqual([`protocol: ${RPC}\n`, `protocol: ${RPC}\n`, `protocol: ${RPC}\n`, 'noise: bye']);
  });

  it('keeps a multi-byte character split between two reads', () => {
    const { out, f } = filter();
    const bytes = Buffer.from('{"jsonrpc":"2.0","method":"é"}\n', 'utf8');
    const cut = bytes.indexOf(0xc3) + 1;
    f.push(bytes.subarray(0, cut));
    f.push(bytes.subarray(cut));
    expect(out).toEqual(['protocol: {"jsonrpc":"2.0","method":"é"}\n']);
  });

  it('accepts lines that end with CRLF and protocol lines with spaces around them', () => {
    const { out, push } = filter();
    push(`${RPC}\r\n`, `  ${RPC}\t\n`);
    expect(out).toEqual([`protocol: ${RPC}\r\n`, `protocol:   ${RPC}\t\n`]);
  });

  it('passes nothing on for blank lines', () => {
    const { out, push, f } = filter();
    push('\n', '   \n', '\t\r\n', '\n\n');
    f.end();
    expect(out).toEqual([]);
  });

  it('handles a last line without a newline when the stream ends, once', () => {
    const { out, push, f } = filter();
    push('goodbye');
    expect(out).toEqual([]);
    f.end();
    f.end();
    expect(out).toEqual(['noise: goodbye']);
  });
});

describe('overlong lines', () => {
  it('keeps a line of exactly the most bytes allowed, and drops one byte more', () => {
    const { out, push } = filter(RPC.length);
    push(`${RPC}\n`, `${RPC} \n`);
    expect(out).toEqual([`protocol: ${RPC}\n`, `noise: (a line over ${RPC.length} bytes was dropped)`]);
  });

  it('drops the whole of an overlong line, whatever pieces it comes in, and keeps the next line whole', () => {
    const { out, push } = filter(20);
    push('x'.repeat(15), 'y'.repeat(15), 'tail', '\nnext line\n');
    expect(out).toEqual(['noise: (a line over 20 bytes was dropped)', 'noise: next line']);
  });

  it('reports an overlong last line when the stream ends', () => {
    const { out, push, f } = filter(10);
    push('z'.repeat(30));
    f.end();
    expect(out).toEqual(['noise: (a line over 10 bytes was dropped)']);
  });
});

describe('telling protocol from noise', () => {
  it('takes only JSON objects that say they are JSON-RPC 2.0', () => {
    expect(isJsonRpc(RPC)).toBe(true);
    expect(isJsonRpc(` \t${RPC}\r`)).toBe(true);
    expect(isJsonRpc('{"jsonrpc":"1.0"}')).toBe(false);
    expect(isJsonRpc('{"jsonrpc":2}')).toBe(false);
    expect(isJsonRpc('{"level":"info"}')).toBe(false);
    expect(isJsonRpc('[{"jsonrpc":"2.0"}]')).toBe(false);
    expect(isJsonRpc('"jsonrpc"')).toBe(false);
    expect(isJsonRpc('null')).toBe(false);
    expect(isJsonRpc('')).toBe(false);
  });

  it('takes a line that starts like JSON but is not for noise', () => {
    expect(isJsonRpc('{"jsonrpc":"2.0",')).toBe(false);
    expect(isJsonRpc('{ progress 50% }')).toBe(false);
    const { out, push } = filter();
    push('{"jsonrpc":"2.0",\n');
    expect(out).toEqual(['noise: {"jsonrpc":"2.0",']);
  });
});

describe('noise for the log', () => {
  it('removes terminal escapes and control characters, and keeps tabs', () => {
    expect(printable('\x1b[1;32mready\x1b[0m\x07 in\t3\x7fs\r')).toBe('ready in\t3s');
  });

  it(`cuts text longer than ${MAX_NOISE_CHARS} characters, marking the cut`, () => {
    expect(printable('a'.repeat(MAX_NOISE_CHARS))).toBe('a'.repeat(MAX_NOISE_CHARS));
    expect(printable(`${'a'.repeat(MAX_NOISE_CHARS)}b`)).toBe(`${'a'.repeat(MAX_NOISE_CHARS)}…`);
    const { out, push } = filter(2000);
    push(`${'c'.repeat(MAX_NOISE_CHARS + 100)}\n`);
    expect(out).toEqual([`noise: ${'c'.repeat(MAX_NOISE_CHARS)}…`]);
  });
});
