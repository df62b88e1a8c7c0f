/** Shared helpers for benchmarks: stats over samples and a markdown section format. */
export interface BenchSection {
  title: string;
  /** Markdown body: tables and notes. */
  markdown: string;
}

/**
 * Calls per path before anything is measured. A fresh gateway's added latency at concurrency 1 keeps
 * falling for its first ~4,000 calls while V8 optimizes the hot path (500-call windows: 1.1 ms, 0.8,
 * 0.65, … 0.3 ms from about the ninth window on), so the 300 warm-up calls used before measured a
 * half-warm process. BENCH_WARMUP overrides; BENCH_QUICK=1 uses 50.
 */
export const WARMUP_CALLS = Number(process.env.BENCH_WARMUP ?? (process.env.BENCH_QUICK === '1' ? 50 : 5000));

export interface Stats {
  n: number;
  median: number;
  p99: number;
  mean: number;
}

export function stats(samples: number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? NaN;
  return { n: s.length, median: at(0.5), p99: at(0.99), mean: s.reduce((a, b) => a + b, 0) / Math.max(1, s.length) };
}

/** Milliseconds with 3 decimals. */
export function ms(x: number): string {
  return Number.isFinite(x) ? x.toFixed(3) : 'n/a';
}

export function table(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Elapsed ms of an async function, using the monotonic clock. */
export async function time<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const out = await fn();
  return [performance.now() - t0, out];
}
