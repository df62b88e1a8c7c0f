import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ChildLog {
  /** Give it as the child's stdout and stderr. */
  fd: number;
  /** The last `max` characters written so far (after dispose: of what was written before it). */
  tail(max?: number): string;
  /** Closes and removes the file, keeping its tail for error messages. */
  dispose(): void;
}

/** How much of the output a disposed log keeps for error messages. */
const KEPT_CHARS = 20_000;

/**
 * A child's output in a file instead of a pipe. server-everything writes a line per request: read
 * through a pipe, every request cost the parent (the benchmark's client process) a read callback
 * and a copy, which inflated every path through it. The other gateways' logs go the same way.
 */
export function childLog(prefix: string): ChildLog {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const path = join(dir, 'output.log');
  const fd = openSync(path, 'a');
  let kept: string | undefined;
  const read = (max: number): string => {
    try {
      return readFileSync(path, 'utf8').slice(-max);
    } catch {
      return '';
    }
  };
  return {
    fd,
    tail(max = KEPT_CHARS) {
      return kept === undefined ? read(max) : kept.slice(-max);
    },
    dispose() {
      if (kept !== undefined) return;
      kept = read(KEPT_CHARS);
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
