// What the headless screen parses, and when. Output that is only text — printable characters, tabs,
// CR LF and SGR colour sequences — is held back instead of parsed at once. Once more lines follow a CR
// than the screen and its scrollback can show (twice the rows plus the scrollback: the first rows may
// land on lines that were on the screen already), nothing before that CR can be seen any more in either
// the screen or its scrollback, so it is dropped unparsed; only its SGR sequences are parsed, since they
// set the colours of what follows. Anything else (cursor moves, modes, queries, other controls) is
// parsed at once, after what was held. The screen is the one a full parse gives (a property test checks
// this), as long as the target says, where a held run starts, that dropping is exact there (its parser
// is in the ground state and the scroll region is the whole screen).
//
// A `cat` of a large build log costs a scan of each byte instead of a parse; a coloured log too.

/** The terminal a LazyFeed feeds. */
export interface FeedTarget {
  /** Parses bytes now (synchronously). */
  parse(bytes: Uint8Array): void;
  /** True if text dropped from here on leaves the same screen (ground state, whole-screen scroll region). */
  canDrop(): boolean;
  /** Line feeds that must follow a dropped point: twice the rows plus the scrollback, and a little more. */
  keepLines(): number;
}

/** Held text is checked for a part to drop each time this much more was held. */
export const DROP_CHECK_BYTES = 64 * 1024;
/** Held text beyond this (long lines without CR LF) is parsed rather than held. */
export const MAX_HELD_BYTES = 1024 * 1024;

/** Records of cuts and SGRs are compacted once this many at their start are no longer needed. */
const COMPACT_AFTER = 1 << 16;

const ESC = 0x1b;
const CR = 0x0d;
const LF = 0x0a;
const HT = 0x09;

/** Feeds a terminal lazily; see the module comment. */
export class LazyFeed {
  /** Held bytes (the current run of text), oldest first; `parts[0]` starts at `heldStart`. */
  private parts: Uint8Array[] = [];
  private heldStart = 0;
  private held = 0;
  /** Absolute offset of the end of everything written. */
  private pos = 0;
  /** The CRs of CR LF pairs in the held run (absolute offsets) and the LFs of the run before each. */
  private cutPos: number[] = [];
  private cutLf: number[] = [];
  private cutHead = 0;
  /** LFs in the held run so far. */
  private lfs = 0;
  /** SGR sequences in the held run: absolute start and end offsets. */
  private sgrStart: number[] = [];
  private sgrEnd: number[] = [];
  private sgrHead = 0;
  /** Scanner state across writes: the previous byte, an ESC [ … candidate SGR in progress (1: ESC, 2: params). */
  private prev = 0;
  private esc = 0;
  private escStart = 0;
  private checkedAt = 0;
  private dropped = 0;

  /** `checkBytes`: how much more must be held before looking for a part to drop again (tests make it small). */
  constructor(
    private readonly target: FeedTarget,
    private readonly checkBytes = DROP_CHECK_BYTES,
  ) {}

  /** Bytes held, not parsed yet. */
  get heldBytes(): number {
    return this.held;
  }

  /** Bytes dropped unparsed so far. */
  get droppedBytes(): number {
    return this.dropped;
  }

  /** Takes output bytes (the feed keeps a reference to them: do not reuse the array). */
  write(bytes: Uint8Array): void {
    const n = bytes.length;
    if (n === 0) return;
    const base = this.pos;
    // Index in `bytes` after the last byte that is not text: everything before it is parsed now.
    let runFrom = 0;
    let prev = this.prev;
    let esc = this.esc;
    for (let i = 0; i < n; i++) {
      const b = bytes[i] as number;
      if (esc === 0 && b >= 0x20 && b < 0x7f) {
        // The common case, printable ASCII: a tight loop to the next byte that is anything else.
        let j = i + 1;
        while (j < n) {
          const c = bytes[j] as number;
          if (c < 0x20 || c >= 0x7f) break;
          j++;
        }
        prev = bytes[j - 1] as number;
        i = j - 1;
        continue;
      }
      if (esc !== 0) {
        if (esc === 1) {
          if (b === 0x5b) {
            esc = 2;
            prev = b;
            continue;
          }
        } else if (b >= 0x30 && b <= 0x3b) {
          prev = b;
          continue;
        } else if (b === 0x6d) {
          this.sgrStart.push(this.escStart);
          this.sgrEnd.push(base + i + 1);
          esc = 0;
          prev = b;
          continue;
        }
        // Not an SGR: the sequence is parsed now, with everything before it.
        esc = 0;
        runFrom = i + 1;
        this.clearRun();
        prev = b;
        continue;
      }
      if (b >= 0x20) {
        // A C1 control (U+0080–U+009F) is C2 followed by 80–9F in UTF-8; any other byte is text (or dropped by the decoder).
        if (prev === 0xc2 && b < 0xa0 && b >= 0x80) {
          runFrom = i + 1;
          this.clearRun();
        }
        prev = b;
        continue;
      }
      if (b === LF) {
        if (prev === CR) {
          this.cutPos.push(base + i - 1);
          this.cutLf.push(this.lfs);
        }
        this.lfs++;
      } else if (b === ESC) {
        esc = 1;
        this.escStart = base + i;
      } else if (b !== CR && b !== HT) {
        runFrom = i + 1;
        this.clearRun();
      }
      prev = b;
    }
    this.prev = prev;
    this.esc = esc;
    this.pos = base + n;
    if (runFrom > 0) {
      // Something to parse now: what was held, then this chunk up to its last non-text byte.
      this.flushParts();
      this.target.parse(runFrom === n ? bytes : bytes.subarray(0, runFrom));
      if (runFrom === n) return;
      this.startRun(base + runFrom, bytes.subarray(runFrom));
      return;
    }
    if (this.held === 0) {
      this.startRun(base, bytes);
      return;
    }
    this.parts.push(bytes);
    this.held += n;
    this.afterHold();
  }

  /** Parses everything held (before a snapshot, a resize, or when output went quiet). */
  flush(): void {
    this.flushParts();
    this.clearRun();
  }

  private startRun(start: number, bytes: Uint8Array): void {
    if (!this.target.canDrop()) {
      // Dropping would not be exact from here (e.g. inside an escape sequence): parse it now.
      this.clearRun();
      this.target.parse(bytes);
      return;
    }
    this.parts = [bytes];
    this.heldStart = start;
    this.held = bytes.length;
    this.checkedAt = 0;
    this.afterHold();
  }

  private afterHold(): void {
    if (this.held - this.checkedAt >= this.checkBytes) {
      this.dropOld();
      this.checkedAt = this.held;
    }
    if (this.held > MAX_HELD_BYTES) this.flush();
  }

  /**
   * Drops the held text before the last CR that has enough lines after it. Held text always belongs to a
   * run that startRun began where the target said dropping is exact.
   */
  private dropOld(): void {
    const need = this.target.keepLines();
    const maxLf = this.lfs - need;
    let k = -1;
    for (let lo = this.cutHead, hi = this.cutPos.length - 1; lo <= hi; ) {
      const mid = (lo + hi) >> 1;
      if ((this.cutLf[mid] as number) <= maxLf) {
        k = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (k < 0) return;
    const cut = this.cutPos[k] as number;
    // A cut at or before the start of the run is none: the LF right after a flush makes one (its CR was parsed).
    if (cut <= this.heldStart) return;
    this.applySgrsBefore(cut);
    let skip = cut - this.heldStart;
    this.dropped += skip;
    this.held -= skip;
    this.heldStart = cut;
    let i = 0;
    while (skip > 0) {
      const part = this.parts[i] as Uint8Array;
      if (part.length <= skip) {
        skip -= part.length;
        i++;
      } else {
        this.parts[i] = part.subarray(skip);
        skip = 0;
      }
    }
    this.parts.splice(0, i);
    this.cutHead = k + 1;
    this.compact();
  }

  /** Parses the SGR sequences that end before `cut` (from the last one that resets all attributes). */
  private applySgrsBefore(cut: number): void {
    let end = this.sgrHead;
    while (end < this.sgrEnd.length && (this.sgrEnd[end] as number) <= cut) end++;
    if (end === this.sgrHead) return;
    let from = this.sgrHead;
    for (let j = end - 1; j > this.sgrHead; j--) {
      if (this.isReset(this.sgrStart[j] as number)) {
        from = j;
        break;
      }
    }
    const seqs: Uint8Array[] = [];
    for (let j = from; j < end; j++) seqs.push(this.slice(this.sgrStart[j] as number, this.sgrEnd[j] as number));
    this.sgrHead = end;
    const total = seqs.reduce((s, q) => s + q.length, 0);
    const joined = new Uint8Array(total);
    let at = 0;
    for (const q of seqs) {
      joined.set(q, at);
      at += q.length;
    }
    this.target.parse(joined);
  }

  /** True if the SGR at `start` resets every attribute first (ESC [ m, ESC [ 0 m, ESC [ 0 ; … m). */
  private isReset(start: number): boolean {
    // The SGR ends at or before a held CR, so its first 4 bytes are held.
    const seq = this.slice(start, start + 4);
    let i = 2;
    while (i < seq.length && seq[i] === 0x30) i++;
    return i < seq.length ? seq[i] === 0x6d || seq[i] === 0x3b : false;
  }

  /** Held bytes from absolute offset `from` to `to` (a copy when they span parts). */
  private slice(from: number, to: number): Uint8Array {
    let at = this.heldStart;
    const out = new Uint8Array(to - from);
    let written = 0;
    for (const part of this.parts) {
      const end = at + part.length;
      // Parts from `to` on are never reached: the loop ends at the part that holds `to`.
      if (end > from) {
        const s = Math.max(from, at) - at;
        const e = Math.min(to, end) - at;
        out.set(part.subarray(s, e), written);
        written += e - s;
      }
      if (end >= to) break;
      at = end;
    }
    return out;
  }

  private flushParts(): void {
    for (const part of this.parts) this.target.parse(part);
    this.parts = [];
    this.held = 0;
  }

  /** Forgets the cut and SGR records (the run they belong to was parsed or ended). */
  private clearRun(): void {
    this.cutPos.length = 0;
    this.cutLf.length = 0;
    this.cutHead = 0;
    this.sgrStart.length = 0;
    this.sgrEnd.length = 0;
    this.sgrHead = 0;
    this.lfs = 0;
  }

  private compact(): void {
    if (this.cutHead > COMPACT_AFTER && this.cutHead * 2 > this.cutPos.length) {
      this.cutPos.splice(0, this.cutHead);
      this.cutLf.splice(0, this.cutHead);
      this.cutHead = 0;
    }
    if (this.sgrHead > COMPACT_AFTER && this.sgrHead * 2 > this.sgrStart.length) {
      this.sgrStart.splice(0, this.sgrHead);
      this.sgrEnd.splice(0, this.sgrHead);
      this.sgrHead = 0;
    }
  }
}
