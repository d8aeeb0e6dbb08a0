// Connections per client address: a token bucket each (a burst, then a steady rate). Full buckets are
// forgotten, and at most MAX_TRACKED_ADDRESSES are kept (the oldest go first), so a flood of addresses
// costs bounded memory.

/** Addresses tracked at once. */
export const MAX_TRACKED_ADDRESSES = 100_000;

/** Token buckets by address. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly burst: number,
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one token for `address`; false when it has none left. */
  take(address: string): boolean {
    const now = this.now();
    const b = this.buckets.get(address);
    const tokens = b ? Math.min(this.burst, b.tokens + ((now - b.at) / 60_000) * this.perMinute) : this.burst;
    if (tokens < 1) {
      this.buckets.set(address, { tokens, at: now });
      return false;
    }
    this.buckets.delete(address); // re-inserted last: the map stays oldest first
    this.buckets.set(address, { tokens: tokens - 1, at: now });
    if (this.buckets.size > MAX_TRACKED_ADDRESSES) {
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
    return true;
  }

  /** Forgets buckets that have filled up again (call now and then). */
  sweep(): void {
    const now = this.now();
    for (const [address, b] of this.buckets) {
      if (b.tokens + ((now - b.at) / 60_000) * this.perMinute >= this.burst) this.buckets.delete(address);
    }
  }

  /** Addresses tracked (tests). */
  get size(): number {
    return this.buckets.size;
  }
}
