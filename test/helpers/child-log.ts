import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ChildLog {
  /** Give it as the child's stdout and stderr. */
  fd: number;
  /** The last `max` characters written so far. */
  tail(max?: number): string;
  /** Closes and removes the file. */
  dispose(): void;
}

/**
 * A child's output in a file instead of a pipe. server-everything writes a line per request: read
 * through a pipe, every request cost the parent (the benchmark's client process) a read callback
 * and a copy, which inflated every path through it. The other gateways' logs go the same way.
 */
export function childLog(prefix: string): ChildLog {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const path = join(dir, 'output.log');
  const fd = openSync(path, 'a');
  return {
    fd,
    tail(max = 20_000) {
      try {
        return readFileSync(path, 'utf8').slice(-max);
      } catch {
        return '';
      }
    },
    dispose() {
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
