import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

export type OptimizeFor = 'speed' | 'memory';

/** The young generation's semi-space size where `speed` stops growing it (see capYoungGeneration). */
export const SEMI_SPACE_TARGET_BYTES = 2 * 1024 * 1024;

/** CONNECTOR_GATEWAY_OPTIMIZE_FOR, or an error message naming the variable and its values. */
export function parseOptimizeFor(raw: string | undefined): OptimizeFor | { error: string } {
  const value = raw || 'speed';
  if (value === 'speed' || value === 'memory') return value;
  return { error: `CONNECTOR_GATEWAY_OPTIMIZE_FOR must be "speed" or "memory", not ${JSON.stringify(value)}` };
}

/**
 * `memory` runs V8 with --optimize-for-size: its compiler optimizes less and each proxied call
 * costs the gateway ~0.2 ms more CPU (bench/RESULTS.md). `speed` keeps the compiler as it is,
 * grows the old generation by only 10% past the live heap (default: up to 2x) so a discovery
 * burst's garbage does not stay resident, and caps the young generation.
 */
export function tuneV8(mode: OptimizeFor): void {
  if (mode === 'memory') {
    setFlagsFromString('--optimize-for-size');
    return;
  }
  setFlagsFromString('--heap-growing-percent=10');
  // With small semi-spaces a scavenge copies little, and handing that to helper threads costs more
  // than it saves: on a machine whose cores are busy (the gateway next to its clients and upstreams)
  // the main thread waits for them. Measured: ~1 ms per scavenge on the main thread alone, ~2 ms with
  // helpers. Both flags are read at every scavenge, so they can be set at run time.
  setFlagsFromString('--no-parallel-scavenge');
  setFlagsFromString('--no-concurrent-array-buffer-sweeping');
  // An operator's own young-generation sizing wins.
  if (![...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((a) => /semi[-_]space/.test(a))) capYoungGeneration();
}

/**
 * V8 doubles each semi-space of the young generation up to 16 MB under allocation pressure and
 * keeps it: ~25 MB of RSS the gateway does not need (a proxied call leaves a few tens of KB of
 * garbage). Measured with 1,000 configurations and 100 sessions: 161-166 MB uncapped, 137-146 MB
 * with a 4 MB target (an overshoot to 8 MB costs the margin), 134 MB with 2 MB. Smaller semi-spaces
 * mean more scavenges (~1 ms each at concurrency 32, one per ~50 calls at 2 MB), a cost within this
 * machine's noise once they run on the main thread. The size limit can only be set before the heap
 * exists (--max-semi-space-size), but the growth factor is read at every resize. Growth is off
 * while the modules load (a synchronous burst no observer could interrupt; this must run before
 * them), then allowed after each GC while a semi-space is under the target. A burst between two
 * observations can overshoot by a doubling.
 */
function capYoungGeneration(): void {
  let growing = false;
  setFlagsFromString('--semi-space-growth-factor=1');
  const observer = new PerformanceObserver(() => {
    const young = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    if (!young) return;
    // new_space reports both semi-spaces.
    const grow = young.space_size / 2 < SEMI_SPACE_TARGET_BYTES;
    if (grow === growing) return;
    growing = grow;
    setFlagsFromString(`--semi-space-growth-factor=${grow ? 2 : 1}`);
  });
  observer.observe({ entryTypes: ['gc'] });
}
