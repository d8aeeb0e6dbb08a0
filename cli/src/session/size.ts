// Who decides a session's terminal size. One rule for phones and computers alike: the viewer that typed
// last sets the size, and so does one that takes it on purpose ("Use my screen size") or that watches
// alone. The session then follows that viewer's size as it changes (rotation, on-screen keyboard).
// Every other viewer shows the terminal at that size, shrunk to fit its own screen (the web UI does),
// so nobody ever pans sideways. Pure bookkeeping: the session applies the changes this returns.

/** A terminal size in character cells. */
export interface CellSize {
  cols: number;
  rows: number;
}

/** What changed: the size (then the terminal must be resized) or only who set it. */
export interface SizeChange extends CellSize {
  resized: boolean;
}

/** What the rule needs to know about a viewer. */
export interface SizedViewer {
  readonly id: string;
  /** How people know it ("Pixel 8", "the computer"). */
  readonly name?: string;
}

/** Shown when a viewer has no name (tests, or a viewer that never said). */
const UNNAMED = 'another viewer';

/** The size of one session and the viewer it follows. */
export class SessionSize {
  private readonly reported = new Map<string, { name: string; size: CellSize | undefined }>();
  private ownerId: string | undefined;
  private ownerName: string | undefined;
  private current: CellSize;

  constructor(initial: CellSize) {
    this.current = { ...initial };
  }

  /** The size now. */
  get size(): CellSize {
    return { ...this.current };
  }

  /** Who set the size now (kept after it left), if anyone did since the session started. */
  get setBy(): string | undefined {
    return this.ownerName;
  }

  /** True if the session follows `viewerId`'s size. */
  isOwner(viewerId: string): boolean {
    return this.ownerId === viewerId;
  }

  /** A viewer attached (again) with its size, if it has one; alone, it sets the size. Says what changed. */
  attached(viewer: SizedViewer, size: CellSize | undefined): SizeChange | undefined {
    this.reported.set(viewer.id, { name: viewer.name ?? UNNAMED, size: size && { ...size } });
    return this.reported.size === 1 || this.ownerId === viewer.id ? this.take(viewer.id) : undefined;
  }

  /** A viewer left; when it had the size and one viewer remains, that one takes it. */
  detached(viewerId: string): SizeChange | undefined {
    if (!this.reported.delete(viewerId) || this.ownerId !== viewerId) return undefined;
    this.ownerId = undefined;
    const [only] = this.reported.size === 1 ? this.reported.keys() : [];
    return only === undefined ? undefined : this.take(only);
  }

  /** A viewer typed: it takes the size. */
  typed(viewerId: string): SizeChange | undefined {
    return this.take(viewerId);
  }

  /**
   * A viewer's size changed (or it asks to `take` the size): the session follows when that viewer has
   * the size, watches alone, or takes it.
   */
  resized(viewerId: string, size: CellSize, take = false): SizeChange | undefined {
    const entry = this.reported.get(viewerId);
    if (!entry) return undefined;
    entry.size = { ...size };
    if (take || this.ownerId === viewerId || this.reported.size === 1) return this.take(viewerId);
    return undefined;
  }

  /** `viewerId` now has the size; says what changed (nothing: undefined). */
  private take(viewerId: string): SizeChange | undefined {
    const entry = this.reported.get(viewerId);
    if (!entry?.size) return undefined;
    const { cols, rows } = entry.size;
    const resized = cols !== this.current.cols || rows !== this.current.rows;
    const newOwner = this.ownerId !== viewerId || this.ownerName !== entry.name;
    this.ownerId = viewerId;
    this.ownerName = entry.name;
    this.current = { cols, rows };
    return resized || newOwner ? { cols, rows, resized } : undefined;
  }
}
