import type { CliIO } from './io.js';

/** Set to 1 to show progress even when stderr is not a terminal, 0 to hide it on one. */
export const PROGRESS_ENV = 'CONNECTOR_GATEWAY_PROGRESS';

/**
 * Progress is for a person watching: on when stderr is a terminal, off in pipes, files and CI logs,
 * where extra lines would only be noise for whoever parses the output.
 */
export function progressEnabled(stderr: { isTTY?: unknown }, env: NodeJS.ProcessEnv): boolean {
  const forced = env[PROGRESS_ENV];
  if (forced === '1') return true;
  if (forced === '0') return false;
  if (stderr.isTTY !== true) return false;
  if (env.TERM === 'dumb') return false;
  return env.CI === undefined || env.CI === '' || env.CI === 'false';
}

export interface Progress {
  readonly enabled: boolean;
  /** A stage of the work: `re-sealing 12 credentials…`. */
  step(message: string): void;
  /** One finished item out of `total`: `[3/12] pconf_… My GitHub: ok`. */
  item(done: number, total: number, message: string): void;
}

/** Writes to stderr only, so stdout (results, --json) is the same with or without a terminal. */
export function createProgress(io: Pick<CliIO, 'stderr' | 'env'>, enabled = progressEnabled(io.stderr as { isTTY?: unknown }, io.env)): Progress {
  const write = (line: string) => {
    if (enabled) io.stderr.write(line.replace(/\s*\n\s*/g, ' ') + '\n');
  };
  return {
    enabled,
    step: (message) => write(message),
    item: (done, total, message) => write(`[${String(done).padStart(String(total).length)}/${total}] ${message}`),
  };
}

/**
 * Runs `fn` over `items` with at most `concurrency` at once and reports each as it finishes; the
 * results keep the order of `items`.
 */
export async function eachWithProgress<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T) => Promise<R>,
  report: (item: T, result: R, done: number, total: number) => void,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      const item = items[i]!;
      const r = await fn(item);
      results[i] = r;
      report(item, r, ++done, items.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  return results;
}
