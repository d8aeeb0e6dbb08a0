// The recent output of a session, addressed by byte offset (seq), bounded in size: the oldest chunks
// are dropped first. A viewer that resumes after `afterSeq` is served from here while it still fits.

interface Chunk {
  /** Offset of the first byte. */
  start: number;
  bytes: Uint8Array;
}

/** A bounded buffer of the latest output bytes, addressed by absolute byte offset. */
export class OutputBuffer {
  private readonly chunks: Chunk[] = [];
  private head = 0; // index of the oldest kept chunk in `chunks`
  private bytesKept = 0;
  private end = 0;

  /** Keeps at least the last `capacityBytes` bytes (whole chunks are dropped, so up to one chunk more). */
  constructor(private readonly capacityBytes: number) {}

  /** Offset of the end of all output appended so far. */
  get endSeq(): number {
    return this.end;
  }

  /** Offset of the oldest byte still kept. */
  get startSeq(): number {
    const first = this.chunks[this.head];
    return first ? first.start : this.end;
  }

  /** Bytes held right now. */
  get size(): number {
    return this.bytesKept;
  }

  /** Appends output (the buffer keeps a reference: do not mutate `bytes` afterwards); returns the new end. */
  append(bytes: Uint8Array): number {
    if (bytes.length === 0) return this.end;
    this.chunks.push({ start: this.end, bytes });
    this.end += bytes.length;
    this.bytesKept += bytes.length;
    while (this.bytesKept - this.oldestLength() >= this.capacityBytes && this.head < this.chunks.length - 1) {
      this.bytesKept -= this.oldestLength();
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.chunks.length) {
      this.chunks.splice(0, this.head);
      this.head = 0;
    }
    return this.end;
  }

  /** True if every byte after `seq` is still here. */
  has(seq: number): boolean {
    return seq >= this.startSeq && seq <= this.end;
  }

  /**
   * Up to `maxBytes` bytes starting at offset `from` (empty at the end), or undefined if `from` is no
   * longer (or not yet) in the buffer.
   */
  read(from: number, maxBytes: number): Uint8Array | undefined {
    if (!this.has(from)) return undefined;
    if (from === this.end || maxBytes <= 0) return new Uint8Array(0);
    const i = this.indexOf(from);
    const first = this.chunks[i] as Chunk;
    const offset = from - first.start;
    if (first.bytes.length - offset >= maxBytes || i === this.chunks.length - 1) {
      return first.bytes.subarray(offset, offset + maxBytes);
    }
    const length = Math.min(maxBytes, this.end - from);
    const out = new Uint8Array(length);
    let written = 0;
    for (let j = i; written < length; j++) {
      const chunk = this.chunks[j] as Chunk;
      const part = chunk.bytes.subarray(j === i ? offset : 0);
      const take = Math.min(part.length, length - written);
      out.set(part.subarray(0, take), written);
      written += take;
    }
    return out;
  }

  /** Length of the oldest kept chunk (there is one: the latest chunk is always kept). */
  private oldestLength(): number {
    return (this.chunks[this.head] as Chunk).bytes.length;
  }

  /** Index of the chunk holding offset `seq` (binary search; `seq` is known to be inside). */
  private indexOf(seq: number): number {
    let lo = this.head;
    let hi = this.chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.chunks[mid] as Chunk).start <= seq) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}
