// Splits an agent's stdout into lines and tells protocol from noise: a line is protocol when it is a
// JSON object with `"jsonrpc": "2.0"`. Everything else (banners, progress, JSON logs) is noise for the
// log: it never reaches the ACP connection (which would answer it with errors) or the conversation.

/** What happens to each line. */
export interface LineSinks {
  /** A JSON-RPC message, as its bytes with the newline. */
  protocol(line: Uint8Array): void;
  /** Anything else, as text without the newline (cut to a sensible length). */
  noise(text: string): void;
}

/** Longest noise line passed on, in characters. */
export const MAX_NOISE_CHARS = 500;

const NEWLINE = 0x0a;

/** A line splitter for one stream; lines longer than `maxLineBytes` are dropped (reported as noise). */
export class LineFilter {
  private parts: Buffer[] = [];
  private size = 0;
  private oversized = false;

  constructor(
    private readonly sinks: LineSinks,
    private readonly maxLineBytes: number,
  ) {}

  /** Feeds bytes read from the stream. */
  push(chunk: Buffer): void {
    let start = 0;
    for (let i = chunk.indexOf(NEWLINE); i >= 0; i = chunk.indexOf(NEWLINE, start)) {
      this.add(chunk.subarray(start, i));
      this.line();
      start = i + 1;
    }
    this.add(chunk.subarray(start));
  }

  /** The stream ended: a last line without a newline is handled too. */
  end(): void {
    this.line(); // nothing for an empty line
  }

  private add(part: Buffer): void {
    if (this.oversized) return;
    if (this.size + part.length > this.maxLineBytes) {
      this.oversized = true;
      this.parts = [];
      this.size = 0;
      return;
    }
    if (part.length > 0) {
      // (Empty pieces are not kept: a line read whole stays one piece, passed on without a copy.)
      this.parts.push(Buffer.from(part));
      this.size += part.length;
    }
  }

  private line(): void {
    if (this.oversized) {
      this.oversized = false;
      this.sinks.noise(`(a line over ${this.maxLineBytes} bytes was dropped)`);
      return;
    }
    const bytes = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts, this.size);
    this.parts = [];
    this.size = 0;
    const text = bytes.toString('utf8');
    if (isJsonRpc(text)) this.sinks.protocol(Buffer.concat([bytes, Buffer.from('\n')]));
    else if (text.trim() !== '') this.sinks.noise(printable(text));
  }
}

/** True for a JSON object that says it is JSON-RPC 2.0. */
export function isJsonRpc(text: string): boolean {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) return false; // (spares parsing most noise)
  try {
    // Text that starts with `{` parses to an object or not at all.
    return (JSON.parse(trimmed) as { jsonrpc?: unknown }).jsonrpc === '2.0';
  } catch {
    return false;
  }
}

/** Text safe to put in a log line: no control characters, cut to MAX_NOISE_CHARS. */
export function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  const clean = text.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '').replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '');
  return clean.length > MAX_NOISE_CHARS ? `${clean.slice(0, MAX_NOISE_CHARS)}…` : clean;
}
