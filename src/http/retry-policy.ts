/**
 * When to try again and how long to wait. Written by hand rather than with undici's retry
 * interceptor because the rules here are not its rules: GitHub's `x-ratelimit-reset` epoch and
 * Jira's ISO reset time, a 403 that is really a rate limit, 500 retried only once, failing at once
 * (with `retryAfterMs`) when the service asks for a wait longer than the cap or the deadline, and a
 * retry budget shared with the one OAuth refresh. The interceptor would sleep through any
 * Retry-After (capped) and knows none of the rest.
 */

export interface RetrySettings {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** First backoff step; doubles each attempt, with jitter. */
  baseDelayMs: number;
  /** Longest backoff between attempts when the service gave no hint. */
  maxDelayMs: number;
  /** Longest wait the client accepts from Retry-After or a rate-limit reset before failing instead. */
  maxWaitMs: number;
}

export const DEFAULT_RETRY: RetrySettings = { maxRetries: 3, baseDelayMs: 250, maxDelayMs: 4_000, maxWaitMs: 30_000 };

export type Headers = Record<string, string>;

/** Retry-After: delta-seconds or an HTTP date. Returns ms from `now`, or undefined when absent/garbled. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** x-ratelimit-reset: epoch seconds (GitHub, ClickUp), epoch ms, or an ISO date-time (Jira). */
function parseReset(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) {
    const n = Number(v);
    const atMs = n > 1e12 ? n : n * 1000;
    // A small number is a delta in seconds (some services), not an epoch.
    return n < 1e9 ? n * 1000 : Math.max(0, atMs - now);
  }
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The remaining count of the quota the reset header describes, when the service sends one. */
function quotaRemaining(h: Headers): string | undefined {
  return h['x-ratelimit-remaining'] ?? h['x-rate-limit-remaining'];
}

/** The quota is spent: GitHub and others say so with remaining = 0. */
function quotaExhausted(h: Headers): boolean {
  return quotaRemaining(h)?.trim() === '0';
}

/**
 * 429, or a 403 that is really a rate limit: GitHub's primary limit (remaining = 0), and its
 * secondary limits, which come with Retry-After or only with a message saying so.
 */
export function isRateLimited(status: number, h: Headers, serviceMessage?: string): boolean {
  if (status === 429) return true;
  return status === 403 && (quotaExhausted(h) || h['retry-after'] !== undefined || /rate limit|abuse detection/i.test(serviceMessage ?? ''));
}

/**
 * GitHub's rule for a secondary rate limit that names no wait: "wait for at least one minute
 * before retrying" (docs.github.com, REST rate limits).
 */
export const SECONDARY_LIMIT_WAIT_MS = 60_000;

/**
 * How long a rate-limited answer (`isRateLimited`) asks us to wait, in ms; undefined when it gives
 * no hint. Retry-After wins. The reset header describes the primary quota, so it is the wait only
 * when that quota is spent (remaining = 0) or when the service sends no remaining count beside it
 * (Jira's 429). A limit hit while the quota still has room is a secondary limit: GitHub sends its
 * hourly `x-ratelimit-reset` on every answer, and waiting for it would mean up to an hour instead
 * of the minute GitHub asks for. A 403 rate limit without any header is a secondary limit too.
 */
export function rateLimitWaitMs(status: number, h: Headers, now: number): number | undefined {
  const retryAfter = parseRetryAfter(h['retry-after'], now);
  if (retryAfter !== undefined) return retryAfter;
  const remaining = quotaRemaining(h);
  if (remaining === undefined || quotaExhausted(h)) {
    const reset = parseReset(h['x-ratelimit-reset'] ?? h['x-rate-limit-reset'], now);
    if (reset !== undefined) return reset;
  }
  if (status === 403 || (remaining !== undefined && !quotaExhausted(h))) return SECONDARY_LIMIT_WAIT_MS;
  return undefined;
}

/**
 * How long a 5xx answer asks us to wait: Retry-After only. GitHub sends `x-ratelimit-reset` on
 * every response, and on a 503 it says when the hourly quota renews, not when to retry.
 */
export function serverWaitMs(h: Headers, now: number): number | undefined {
  return parseRetryAfter(h['retry-after'], now);
}

/** Exponential backoff with "equal jitter": half fixed, half random, so retries never bunch at zero. */
export function backoffMs(attempt: number, s: RetrySettings, random: () => number = Math.random): number {
  const step = Math.min(s.maxDelayMs, s.baseDelayMs * 2 ** attempt);
  return Math.round(step / 2 + random() * (step / 2));
}

export const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);
