import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from '../domain/logger.js';

/**
 * Calls `onChange` soon after one of `paths` (the data file and its journal, in one folder) may have
 * changed. Watches the folder, not the files: atomic writes rename a new inode over the name, which a
 * watch on the old inode would miss. A slow poll backs it up (network filesystems, exhausted inotify
 * watches); `onChange` must be cheap when nothing changed (a stat).
 */
export class FileWatch {
  #watcher: FSWatcher | undefined;
  #poll: NodeJS.Timeout;
  #pending: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(
    paths: readonly [string, ...string[]],
    private readonly onChange: () => void,
    opts: { pollMs: number; debounceMs: number; log: Logger },
  ) {
    const path = paths[0];
    const names = new Set(paths.map((p) => basename(p)));
    try {
      this.#watcher = watch(dirname(path), { persistent: false }, (_event, filename) => {
        if (filename === null || names.has(filename)) this.#schedule(opts.debounceMs);
      });
      this.#watcher.on('error', (err) => {
        opts.log.warn({ err, file: path }, 'file watch failed; falling back to polling');
        this.#watcher?.close();
        this.#watcher = undefined;
      });
    } catch (err) {
      opts.log.warn({ err, file: path }, 'cannot watch the data folder; polling instead');
    }
    this.#poll = setInterval(() => this.#schedule(0), opts.pollMs);
    this.#poll.unref();
  }

  #schedule(delayMs: number): void {
    if (this.#closed || this.#pending) return;
    // Coalesce the burst of events one rename produces into one check.
    this.#pending = setTimeout(() => {
      this.#pending = undefined;
      if (!this.#closed) this.onChange();
    }, delayMs);
  }

  close(): void {
    this.#closed = true;
    this.#watcher?.close();
    clearInterval(this.#poll);
    if (this.#pending) clearTimeout(this.#pending);
  }
}
