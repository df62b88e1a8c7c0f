/**
 * Leak checks: what keeps the event loop alive (sockets, servers, timers), counted by type with
 * `process.getActiveResourcesInfo()`. Take a baseline before a suite starts anything, close
 * everything, then expect the counts to come back down. Closing is asynchronous (sockets finish
 * closing on a later tick, undici closes idle connections lazily), so the check polls for a while
 * before it fails, and the failure lists what stayed open.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { PATIENCE_MS, POLL_INTERVAL_MS } from './timing.js';

export type HandleCounts = ReadonlyMap<string, number>;

/** Types this process itself opens and closes on its own schedule, never ours to account for. */
const IGNORED = new Set(['TTYWrap', 'PipeWrap', 'SignalWrap', 'FSReqCallback', 'FSReqPromise', 'StatWatcher', 'FSEventWrap']);

export function countHandles(): HandleCounts {
  const counts = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo()) {
    if (IGNORED.has(type)) continue;
    counts.set(type, (counts.get(type) ?? 0) + 1);
  }
  return counts;
}

/** Types whose count is above the baseline, with how many more there are. */
export function handlesAbove(baseline: HandleCounts, now: HandleCounts = countHandles()): Record<string, number> {
  const extra: Record<string, number> = {};
  for (const [type, n] of now) {
    const over = n - (baseline.get(type) ?? 0);
    if (over > 0) extra[type] = over;
  }
  return extra;
}

/**
 * Resolves once no handle type is above the baseline; throws, naming the leftovers, when that does
 * not happen within `settleMs`. This is a correctness bound (a leak never settles), not a timing.
 */
export async function expectHandlesSettled(baseline: HandleCounts, settleMs = PATIENCE_MS): Promise<void> {
  const until = Date.now() + settleMs;
  for (;;) {
    const extra = handlesAbove(baseline);
    if (Object.keys(extra).length === 0) return;
    if (Date.now() >= until) {
      throw new Error(`handles still open ${settleMs} ms after closing everything: ${JSON.stringify(extra)} (baseline ${JSON.stringify(Object.fromEntries(baseline))})`);
    }
    await sleep(POLL_INTERVAL_MS);
  }
}
