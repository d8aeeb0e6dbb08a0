// Joins the small reads of a PTY into fewer, larger output chunks: whatever arrives within a short
// window (or until a size limit) becomes one chunk. Chunks end on UTF-8 character boundaries, so a
// snapshot taken between two chunks never holds half a character. Reads that lie side by side in memory
// (pty/spawn.ts reads into slabs) are joined as one view, without copying.
import { concat } from '../channel/encoding.js';

/** Collects bytes and emits them in chunks of at most `maxBytes`, at most `windowMs` after they arrived. */
export class Coalescer {
  private parts: Uint8Array[] = [];
  private size = 0;
  private timer: NodeJS.Timeout | undefined;
  private pushedSinceHold = true;
  private lastEmitMs = 0;

  /** `emit` receives each chunk (a Uint8Array nothing writes to afterwards: pushed bytes must not change either). */
  constructor(
    private readonly windowMs: number,
    private readonly maxBytes: number,
    private readonly emit: (chunk: Uint8Array) => void,
  ) {}

  /** Bytes waiting to be emitted. */
  get pendingBytes(): number {
    return this.size;
  }

  /** Adds bytes read from the PTY. */
  push(data: Uint8Array): void {
    if (data.length === 0) return;
    const last = this.parts[this.parts.length - 1];
    if (last && last.buffer === data.buffer && last.byteOffset + last.length === data.byteOffset) {
      this.parts[this.parts.length - 1] = new Uint8Array(last.buffer, last.byteOffset, last.length + data.length);
    } else {
      this.parts.push(data);
    }
    this.size += data.length;
    this.pushedSinceHold = true;
    // A read after a quiet spell (a keystroke's echo) goes out at once; reads that follow it within
    // the window are joined.
    if (this.size >= this.maxBytes || (!this.timer && Date.now() - this.lastEmitMs >= this.windowMs)) this.flush(false);
    else this.timer ??= setTimeout(() => this.flush(false), this.windowMs);
  }

  /**
   * Emits what is pending now. Unless `all`, an incomplete UTF-8 character at the end is held back
   * for the next chunk (for at most one more window).
   */
  flush(all: boolean): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.size === 0) return;
    // Side-by-side reads are one part already (no copy); others are copied into one array. Chunks are views.
    const data = this.parts.length === 1 ? (this.parts[0] as Uint8Array) : concat(...this.parts);
    const cut = all || !this.pushedSinceHold ? data.length : utf8BoundaryBefore(data, data.length);
    for (let start = 0; start < cut; ) {
      let end = Math.min(start + this.maxBytes, cut);
      if (end < cut) end = Math.max(utf8BoundaryBefore(data, end), start + 1);
      this.emit(data.subarray(start, end));
      this.lastEmitMs = Date.now();
      start = end;
    }
    const rest = data.subarray(cut);
    this.parts = rest.length > 0 ? [rest] : [];
    this.size = rest.length;
    if (rest.length > 0) {
      this.pushedSinceHold = false;
      this.timer = setTimeout(() => this.flush(false), this.windowMs);
    }
  }

  /** Stops the timer; pending bytes are dropped. */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.parts = [];
    this.size = 0;
  }
}

/**
 * The largest index ≤ `end` that does not split a UTF-8 character of `data` (looking back at most
 * 3 bytes; bytes that are not valid UTF-8 count as boundaries).
 */
export function utf8BoundaryBefore(data: Uint8Array, end: number): number {
  for (let i = end - 1; i >= 0 && i >= end - 4; i--) {
    const byte = data[i] as number;
    if ((byte & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead byte
    const length = byte >= 0xf0 && byte <= 0xf7 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return byte < 0xf8 && end - i < length ? i : end;
  }
  return end;
}
