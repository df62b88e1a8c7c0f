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

  /**
   * Takes `n` tokens for `key` (a JSON-RPC batch costs one per message) or none at all, throwing
   * RateLimitedError with the wait until `n` are there. A batch of more calls than the whole budget
   * (`batch`: its size, when part of it was counted already) can never pass: that is refused with
   * the budget named, and takes nothing.
   */
  take(key: string, n = 1, batch = n): void {
    if (this.capacity <= 0 || n <= 0) return; // 0 means: no limit
    if (batch > this.capacity) {
      throw new RateLimitedError(`a batch of ${batch} calls exceeds the rate limit of ${this.capacity} requests per minute; send at most ${this.capacity} at once`, 60_000);
    }
    const t = this.now();
    const b = this.buckets.get(key) ?? { tokens: this.capacity, at: t };
    b.tokens = Math.min(this.capacity, b.tokens + (t - b.at) * this.perMs);
    b.at = t;
    if (b.tokens < n) {
      this.buckets.set(key, b);
      const waitMs = (n - b.tokens) / this.perMs;
      throw new RateLimitedError(`rate limit of ${this.capacity} requests per minute exceeded; retry in ${Math.ceil(waitMs / 1000)} s`, waitMs);
    }
    b.tokens -= n;
    this.buckets.set(key, b);
    if (this.buckets.size > 10_000) this.prune(t);
  }

  private prune(t: number): void {
    for (const [k, b] of this.buckets) {
      if (b.tokens + (t - b.at) * this.perMs >= this.capacity) this.buckets.delete(k);
    }
  }
}
