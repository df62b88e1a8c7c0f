import type { Logger } from '../domain/logger.js';
import type { Store } from '../store/types.js';
import { CLASH_REPORT_START } from './tool-clash-report.js';

/** Minimum time between two `healthy` writes of one configuration: last_sync_at need not be exact to the second. */
const HEALTHY_REWRITE_MS = 60_000;

/**
 * Writes health_status / last_sync_at / last_error back to the store without blocking the caller:
 * a discovery answers as soon as tools are known, the write follows. Writes for one configuration
 * are serialized; a failed write is logged, never thrown.
 */
export class HealthWriter {
  private readonly queue = new Map<string, Promise<void>>();
  private readonly lastHealthyWrite = new Map<string, number>();
  /** Tool name clashes standing per configuration (tool-clash-report.ts): kept in `last_error` while they last. */
  private readonly clashes = new Map<string, string>();

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  healthy(id: string): void {
    const at = this.now();
    const last = this.lastHealthyWrite.get(id);
    if (last !== undefined && at.getTime() - last < HEALTHY_REWRITE_MS) return;
    this.lastHealthyWrite.set(id, at.getTime());
    this.enqueue(id, async () => {
      await this.store.updateConfiguration(id, (r) => {
        const { last_error: _dropped, ...rest } = r;
        const clash = this.clashes.get(id);
        return { ...rest, health_status: 'healthy', last_sync_at: at.toISOString(), ...(clash !== undefined ? { last_error: clash } : {}) };
      });
    });
  }

  unhealthy(id: string, reason: string): void {
    this.lastHealthyWrite.delete(id);
    this.enqueue(id, async () => {
      await this.store.updateConfiguration(id, (r) => ({ ...r, health_status: 'unhealthy', last_error: reason.slice(0, 2000) }));
    });
  }

  /**
   * The tool name clash a table build found for a configuration (undefined: none). It goes into
   * `last_error` without touching `health_status` (the configuration works; some of its tools are
   * listed under other names), and is cleared from there once it is gone. `stored`: the
   * `last_error` the gateway last read, so an unchanged report costs no write.
   */
  toolNameClash(id: string, report: string | undefined, stored: string | undefined): void {
    const before = this.clashes.get(id);
    if (report !== undefined) this.clashes.set(id, report);
    else this.clashes.delete(id);
    if (report !== undefined) {
      if (report === before || report === stored) return;
      this.enqueue(id, async () => {
        await this.store.updateConfiguration(id, (r) => (r.last_error === report ? r : { ...r, last_error: report }));
      });
    } else if (before !== undefined || stored?.startsWith(CLASH_REPORT_START)) {
      this.enqueue(id, async () => {
        await this.store.updateConfiguration(id, (r) => {
          if (!r.last_error?.startsWith(CLASH_REPORT_START)) return r;
          const { last_error: _dropped, ...rest } = r;
          return rest;
        });
      });
    }
  }

  /** Resolves when every queued write has been attempted (tests, shutdown). */
  async flush(): Promise<void> {
    await Promise.all([...this.queue.values()]);
  }

  private enqueue(id: string, write: () => Promise<void>): void {
    const prev = this.queue.get(id) ?? Promise.resolve();
    const next = prev
      .then(write)
      .catch((e: unknown) => {
        // A configuration deleted meanwhile is not an error worth more than a debug line.
        this.log.debug({ configuration_id: id, err: e instanceof Error ? e.message : String(e) }, 'health write skipped');
      })
      .finally(() => {
        if (this.queue.get(id) === next) this.queue.delete(id);
      });
    this.queue.set(id, next);
  }
}
