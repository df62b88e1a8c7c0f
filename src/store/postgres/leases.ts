import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { StorageUnavailableError } from '../../domain/errors.js';
import { KeyedQueue } from '../lease-queue.js';
import { LEASES_CHANNEL } from './change-feed.js';

export interface LeaseDeps {
  pool: pg.Pool;
  /** Maps a driver error to ours (never quoting the statement). */
  mapError: (e: unknown, where: string) => Error;
  /** Runs after the lease is held and before `fn`: the replica catches up with the change feed. */
  beforeRun: () => Promise<void>;
  /** How long a waiter keeps trying before it reports the deployment as unavailable (default 60 s beyond the ttl). */
  maxWaitMs?: number;
}

/**
 * Leases across replicas as rows of cg_leases: taken by an upsert that succeeds only when the row is
 * absent or expired (database time, so replicas' clocks do not matter), released by deleting the row
 * and NOTIFY cg_leases. Waiters in this process queue behind each other first, so one replica sends
 * one contender to the database; that contender retries when a release is announced, or on a
 * short backoff in case the announcement was lost. A holder that dies loses the lease at expiry.
 */
export class Leases {
  readonly #local = new KeyedQueue();
  readonly #waiters = new Map<string, Set<() => void>>();
  readonly #holderPrefix = randomUUID();
  #n = 0;

  constructor(private readonly deps: LeaseDeps) {}

  /** A release was announced (by any replica): wake whoever waits for that key here. */
  released(key: string): void {
    const set = this.#waiters.get(key);
    if (!set) return;
    this.#waiters.delete(key);
    for (const w of set) w();
  }

  run<T>(key: string, ttlMs: number, fn: () => Promise<T>): Promise<T> {
    return this.#local.run(key, async () => {
      const holder = `${this.#holderPrefix}:${++this.#n}`;
      await this.#acquire(key, holder, ttlMs);
      try {
        await this.deps.beforeRun();
        return await fn();
      } finally {
        await this.#release(key, holder);
      }
    });
  }

  async #acquire(key: string, holder: string, ttlMs: number): Promise<void> {
    const deadline = Date.now() + ttlMs + (this.deps.maxWaitMs ?? 60_000);
    let backoff = 10;
    for (;;) {
      // Registered before the attempt, so a release between the attempt and the wait is not missed.
      let wake!: () => void;
      const woken = new Promise<void>((r) => (wake = r));
      const set = this.#waiters.get(key) ?? new Set();
      set.add(wake);
      this.#waiters.set(key, set);
      let r: pg.QueryResult;
      try {
        r = await this.deps.pool.query(
          `INSERT INTO cg_leases (key, holder, expires_at) VALUES ($1, $2, now() + $3 * interval '1 millisecond')
           ON CONFLICT (key) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at WHERE cg_leases.expires_at <= now()
           RETURNING holder`,
          [key, holder, ttlMs],
        );
      } catch (e) {
        set.delete(wake);
        throw this.deps.mapError(e, 'taking a lease');
      }
      if (r.rowCount === 1) {
        set.delete(wake);
        return;
      }
      if (Date.now() > deadline) {
        set.delete(wake);
        throw new StorageUnavailableError(`lease ${key} is still held by another replica after ${Math.round((ttlMs + (this.deps.maxWaitMs ?? 60_000)) / 1000)} s; retry later`, 1000);
      }
      await Promise.race([woken, new Promise((r) => setTimeout(r, backoff))]);
      backoff = Math.min(backoff * 2, 250);
      set.delete(wake);
    }
  }

  async #release(key: string, holder: string): Promise<void> {
    await this.deps.pool
      .query(`WITH d AS (DELETE FROM cg_leases WHERE key = $1 AND holder = $2 RETURNING key) SELECT pg_notify('${LEASES_CHANNEL}', key) FROM d`, [key, holder])
      // A release that fails (database down) leaves the row to expire: the ttl is the safety net.
      .catch(() => undefined);
  }
}
