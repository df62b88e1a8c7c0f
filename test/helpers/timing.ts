/**
 * The suite's one place for time. Tests run on a shared two-core machine where a full run can
 * execute beside another one, so nothing here measures speed: a deadline only ends a wait that
 * would otherwise never end (a lost event, a leak), and it is sized so that a correct program on a
 * loaded machine never reaches it. A test waits for the event or condition it needs, never for a
 * fixed time, and a product clock that a test must move is injected, never waited out.
 *
 * `TEST_PATIENCE` (a factor, default 1) stretches every deadline below at once, for slower hosts.
 */
import { once, type EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DeadlineTimer } from '../../src/gateway/types.js';

const rawFactor = process.env.TEST_PATIENCE;
const factor = rawFactor === undefined || rawFactor === '' ? 1 : Number(rawFactor);
if (!Number.isFinite(factor) || factor < 1) throw new Error(`TEST_PATIENCE must be a number of at least 1 (a factor on every test deadline), not ${JSON.stringify(rawFactor)}`);

/** Per test and per hook (vitest.config.ts): a test that takes this long is stuck, not slow. */
export const TEST_TIMEOUT_MS = 120_000 * factor;
/** The longest a single wait inside a test may take (a server to start, an event to arrive, a count to settle). */
export const PATIENCE_MS = 60_000 * factor;
/** How often a condition is looked at again: short, since each look is cheap. */
export const POLL_INTERVAL_MS = 25;

/**
 * Resolves with the condition's first truthy value; throws, naming `what` and the last value seen,
 * when none comes within `timeoutMs` (a correctness bound: the condition never holding is the bug).
 */
export async function waitFor<T>(condition: () => T | Promise<T>, what: string, timeoutMs = PATIENCE_MS): Promise<NonNullable<T>> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await condition();
      if (v) return v as NonNullable<T>;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() >= until) throw new Error(`waited ${timeoutMs} ms for ${what}; last seen: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await sleep(POLL_INTERVAL_MS);
  }
}

/** The next `event` of `emitter` (its arguments), or an error naming `what` after `timeoutMs`. */
export async function waitForEvent(emitter: EventEmitter, event: string, what: string, timeoutMs = PATIENCE_MS): Promise<unknown[]> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    return await once(emitter, event, { signal });
  } catch (e) {
    if (signal.aborted) throw new Error(`waited ${timeoutMs} ms for ${what} (event "${event}")`);
    throw e;
  }
}

/** A clock a test moves by hand, for product code that takes `now: () => number`. */
export interface ManualClock {
  now: () => number;
  advance(ms: number): void;
}

export function manualClock(start = 1_700_000_000_000): ManualClock {
  let t = start;
  return {
    now: () => t,
    advance(ms: number) {
      t += ms;
    },
  };
}

/**
 * Call deadlines that fire when the test says so (GatewayDeps.deadlineTimer): a test waits for the
 * event that matters (the upstream received the request) and then ends the call by its deadline,
 * which a real timer on a loaded machine could do before the request was even sent.
 */
export interface HeldDeadlines {
  timer: DeadlineTimer;
  /** Deadlines started and neither fired nor cancelled, of length `ms` (any length when omitted). */
  pending(ms?: number): number;
  /** Fires the pending deadlines of length `ms` (all when omitted); returns how many fired. */
  fire(ms?: number): number;
}

export function heldDeadlines(): HeldDeadlines {
  const held = new Set<{ ms: number; fire: () => void }>();
  const matching = (ms?: number) => [...held].filter((d) => ms === undefined || d.ms === ms);
  return {
    timer(ms, fire) {
      const d = { ms, fire };
      held.add(d);
      return () => void held.delete(d);
    },
    pending: (ms) => matching(ms).length,
    fire(ms) {
      const due = matching(ms);
      for (const d of due) {
        held.delete(d);
        d.fire();
      }
      return due.length;
    },
  };
}
