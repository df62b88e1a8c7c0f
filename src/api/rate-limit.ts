import { RateLimitedError, StorageUnavailableError } from '../domain/errors.js';
import type { Logger } from '../domain/logger.js';
import type { SharedRateBuckets } from '../store/types.js';

/** Where a limiter keeps its buckets when every replica must share them. */
export interface SharedLimits {
  buckets: SharedRateBuckets;
  /** Separates this limiter's buckets from another's with the same principals (REST vs /mcp). */
  scope: string;
  log?: Logger;
}

/**
 * A token bucket per principal: `perMinute` requests of burst, refilled continuously. Buckets that
 * are full again carry no information, so they are dropped to keep memory bounded.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly capacity: number;
  private readonly perMs: number;

  #warnedAt = -Infinity;

  constructor(
    perMinute: number,
    private readonly now: () => number = () => performance.now(),
    private readonly shared?: SharedLimits,
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

  /**
   * `take`, against the shared buckets when there are some (one budget for every replica). While the
   * database is unreachable the replica counts on its own: a limit is a guard, and refusing every
   * call because the budget cannot be read would turn a database outage into a gateway outage.
   */
  async acquire(key: string, n = 1, batch = n): Promise<void> {
    if (!this.shared || this.capacity <= 0 || n <= 0) return this.take(key, n, batch);
    if (batch > this.capacity) return this.take(key, n, batch); // refused the same way, without a query
    let waitMs: number;
    try {
      waitMs = await this.shared.buckets.take(`${this.shared.scope}:${key}`, n, this.capacity, this.perMs);
    } catch (e) {
      if (!(e instanceof StorageUnavailableError)) throw e;
      const t = this.now();
      if (t - this.#warnedAt > 60_000) {
        this.#warnedAt = t;
        this.shared.log?.warn({ scope: this.shared.scope }, 'rate limits counted per replica while the database is unavailable');
      }
      return this.take(key, n, batch);
    }
    if (waitMs > 0) throw new RateLimitedError(`rate limit of ${this.capacity} requests per minute exceeded; retry in ${Math.ceil(waitMs / 1000)} s`, waitMs);
  }

  private prune(t: number): void {
    for (const [k, b] of this.buckets) {
      if (b.tokens + (t - b.at) * this.perMs >= this.capacity) this.buckets.delete(k);
    }
  }
}
