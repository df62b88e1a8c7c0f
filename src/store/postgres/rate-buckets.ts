import type pg from 'pg';
import type { SharedRateBuckets } from '../types.js';

/** The refill the bucket has had since `at`, capped at the capacity: one expression, used twice. */
const REFILLED = 'least($2::float8, b.tokens + extract(epoch FROM clock_timestamp() - b.at) * 1000 * $4::float8)';

/**
 * Token buckets in cg_rate_buckets, so a rate limit holds for the whole deployment, not per replica.
 * A take is one statement: the upsert refills, checks and spends under the row lock, so concurrent
 * takes from every replica are serialised by the database and none is lost or counted twice.
 */
export class PostgresRateBuckets implements SharedRateBuckets {
  #lastPrune = 0;

  constructor(
    private readonly pool: pg.Pool,
    private readonly mapError: (e: unknown, where: string) => Error,
  ) {}

  async take(key: string, n: number, capacity: number, perMs: number): Promise<number> {
    try {
      const params = [key, capacity, n, perMs];
      const taken = await this.pool.query(
        `INSERT INTO cg_rate_buckets AS b (key, tokens, at) VALUES ($1, $2::float8 - $3::float8, clock_timestamp())
         ON CONFLICT (key) DO UPDATE SET tokens = ${REFILLED} - $3::float8, at = clock_timestamp()
         WHERE ${REFILLED} >= $3::float8`,
        params,
      );
      void this.#maybePrune(capacity, perMs);
      if (taken.rowCount === 1) return 0;
      const r = await this.pool.query<{ tokens: number }>(
        'SELECT least($2::float8, b.tokens + extract(epoch FROM clock_timestamp() - b.at) * 1000 * $3::float8) AS tokens FROM cg_rate_buckets b WHERE key = $1',
        [key, capacity, perMs],
      );
      const tokens = r.rows[0]?.tokens ?? capacity;
      return Math.max(1, (n - tokens) / perMs);
    } catch (e) {
      throw this.mapError(e, 'counting the rate limit');
    }
  }

  /** A bucket untouched for as long as a full refill takes is full again: it carries nothing, so it goes. */
  async #maybePrune(capacity: number, perMs: number): Promise<void> {
    const now = Date.now();
    if (now - this.#lastPrune < 60_000) return;
    this.#lastPrune = now;
    const fullAfterMs = Math.ceil(capacity / perMs) + 1_000;
    await this.pool.query(`DELETE FROM cg_rate_buckets WHERE at < clock_timestamp() - $1 * interval '1 millisecond'`, [fullAfterMs]).catch(() => undefined);
  }
}
