import { RateLimitedError } from '../domain/errors.js';

/**
 * A token bucket per principal: `perMinute` requests of burst, refilled continuously. Buckets that
 * are full again carry no information, so they are dropped to keep memory bounded.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly capacity: number;
  private readonly perMs: number;

  constructor(
    perMinute: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.capacity = perMinute;
    this.perMs = perMinute / 60_000;
  }

  /** Takes one token for `key` or throws RateLimitedError with the wait until the next one. */
  take(key: string): void {
    if (this.capacity <= 0) return; // 0 means: no limit
    const t = this.now();
    const b = this.buckets.get(key) ?? { tokens: this.capacity, at: t };
    b.tokens = Math.min(this.capacity, b.tokens + (t - b.at) * this.perMs);
    b.at = t;
    if (b.tokens < 1) {
      this.buckets.set(key, b);
      const waitMs = (1 - b.tokens) / this.perMs;
      throw new RateLimitedError(`rate limit of ${this.capacity} requests per minute exceeded; retry in ${Math.ceil(waitMs / 1000)} s`, waitMs);
    }
    b.tokens -= 1;
    this.buckets.set(key, b);
    if (this.buckets.size > 10_000) this.prune(t);
  }

  private prune(t: number): void {
    for (const [k, b] of this.buckets) {
      if (b.tokens + (t - b.at) * this.perMs >= this.capacity) this.buckets.delete(k);
    }
  }
}
