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

/** The quota is spent: GitHub and others say so with remaining = 0. */
function quotaExhausted(h: Headers): boolean {
  return h['x-ratelimit-remaining'] === '0' || h['x-rate-limit-remaining'] === '0';
}

/**
 * 429, or a 403 that is really a rate limit: GitHub's primary limit (remaining = 0), and its
 * secondary limits, which come with Retry-After or only with a message saying so.
 */
export function isRateLimited(status: number, h: Headers, serviceMessage?: string): boolean {
  if (status === 429) return true;
  return status === 403 && (quotaExhausted(h) || h['retry-after'] !== undefined || /rate limit/i.test(serviceMessage ?? ''));
}

/** GitHub asks for at least a minute when a secondary limit names no wait. */
export const SECONDARY_LIMIT_WAIT_MS = 60_000;

/**
 * How long the service asks us to wait, in ms; undefined when it gave no hint. Rate-limit reset
 * headers count only on a rate-limited answer: GitHub sends `x-ratelimit-reset` on every response,
 * and on a 503 it says when the hourly quota renews, not when to retry.
 */
export function serviceWaitMs(h: Headers, now: number, rateLimited = true): number | undefined {
  const retryAfter = parseRetryAfter(h['retry-after'], now);
  if (retryAfter !== undefined) return retryAfter;
  if (rateLimited || quotaExhausted(h)) return parseReset(h['x-ratelimit-reset'] ?? h['x-rate-limit-reset'], now);
  return undefined;
}

/** Exponential backoff with "equal jitter": half fixed, half random, so retries never bunch at zero. */
export function backoffMs(attempt: number, s: RetrySettings, random: () => number = Math.random): number {
  const step = Math.min(s.maxDelayMs, s.baseDelayMs * 2 ** attempt);
  return Math.round(step / 2 + random() * (step / 2));
}

export const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);
