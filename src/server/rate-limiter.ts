/**
 * Per-client token buckets for the exchange route: `requests_per_second` refill, `burst` capacity.
 * Memory is bounded: idle buckets are full buckets, so they are dropped when the table grows.
 */
export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly maxClients = 50_000,
  ) {}

  /** Takes one token for `client`; returns 0 when allowed, else the seconds to wait. */
  take(client: string, nowMs: number): number {
    let bucket = this.#buckets.get(client);
    if (!bucket) {
      if (this.#buckets.size >= this.maxClients) this.#sweep(nowMs);
      bucket = { tokens: this.burst, at: nowMs };
      this.#buckets.set(client, bucket);
    } else {
      bucket.tokens = Math.min(this.burst, bucket.tokens + ((nowMs - bucket.at) / 1000) * this.perSecond);
      bucket.at = nowMs;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.perSecond));
  }

  #sweep(nowMs: number): void {
    const fullAfterMs = (this.burst / this.perSecond) * 1000;
    for (const [client, bucket] of this.#buckets) {
      if (nowMs - bucket.at >= fullAfterMs) this.#buckets.delete(client);
    }
    // Everyone active: forget the oldest half rather than grow without bound.
    if (this.#buckets.size >= this.maxClients) {
      let drop = this.#buckets.size / 2;
      for (const client of this.#buckets.keys()) {
        if (drop-- <= 0) break;
        this.#buckets.delete(client);
      }
    }
  }
}
