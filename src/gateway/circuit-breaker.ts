/**
 * Skips a failing configuration for a cool-down instead of making every caller wait for its
 * timeout. Closed → (threshold consecutive failures) → open → (cool-down elapsed) → half-open: one
 * trial call; success closes, failure reopens with a doubled cool-down (capped).
 */
export interface CircuitBreakerOptions {
  failureThreshold: number;
  coolDownMs: number;
  maxCoolDownMs: number;
  now?: () => number;
}

export const DEFAULT_BREAKER: CircuitBreakerOptions = { failureThreshold: 5, coolDownMs: 15_000, maxCoolDownMs: 300_000 };

export type BreakerDecision = { allowed: true } | { allowed: false; retryInMs: number; failures: number; lastFailure: string };

export class CircuitBreaker {
  private failures = 0;
  private openedAt: number | undefined;
  private coolDown: number;
  private trialInFlight = false;
  private lastFailure = '';
  private readonly now: () => number;

  constructor(private readonly opts: CircuitBreakerOptions = DEFAULT_BREAKER) {
    this.coolDown = opts.coolDownMs;
    this.now = opts.now ?? Date.now;
  }

  get state(): 'closed' | 'open' | 'half-open' {
    if (this.openedAt === undefined) return 'closed';
    return this.now() - this.openedAt >= this.coolDown ? 'half-open' : 'open';
  }

  /** Ask before calling. In half-open state only one trial call goes through at a time. */
  admit(): BreakerDecision {
    const state = this.state;
    if (state === 'closed') return { allowed: true };
    if (state === 'half-open' && !this.trialInFlight) {
      this.trialInFlight = true;
      return { allowed: true };
    }
    const retryInMs = Math.max(0, (this.openedAt ?? 0) + this.coolDown - this.now());
    return { allowed: false, retryInMs, failures: this.failures, lastFailure: this.lastFailure };
  }

  success(): void {
    this.failures = 0;
    this.openedAt = undefined;
    this.trialInFlight = false;
    this.coolDown = this.opts.coolDownMs;
  }

  failure(reason: string): void {
    this.lastFailure = reason;
    this.failures++;
    if (this.trialInFlight) {
      // The trial failed: stay away longer.
      this.trialInFlight = false;
      this.coolDown = Math.min(this.coolDown * 2, this.opts.maxCoolDownMs);
      this.openedAt = this.now();
      return;
    }
    if (this.openedAt === undefined && this.failures >= this.opts.failureThreshold) this.openedAt = this.now();
  }

  /** A call that ended without saying anything about the service (cancelled by the client). */
  release(): void {
    this.trialInFlight = false;
  }
}
