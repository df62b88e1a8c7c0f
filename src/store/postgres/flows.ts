import type pg from 'pg';
import { checkOAuthFlowInput, findLiveFlow, flowOwnerKey, planFlowInsert } from '../oauth-flows.js';
import { deepFreeze, jsonCopy } from '../json.js';
import type { OAuthFlowLimits, OAuthFlowRecord } from '../types.js';
import { flowColumns, flowFromDoc } from './rows.js';

/**
 * Pending OAuth flows in the database, so the replica that receives the browser's callback need
 * not be the one that started the flow. The rules (cap per owner, expiry, single use) are the ones
 * every store shares (oauth-flows.ts), applied to the owner's rows under a per-owner lock.
 */
export class PostgresFlows {
  constructor(
    private readonly pool: pg.Pool,
    private readonly mapError: (e: unknown, where: string) => Error,
  ) {}

  async create(record: OAuthFlowRecord, limits: OAuthFlowLimits): Promise<OAuthFlowRecord> {
    const checked = deepFreeze(checkOAuthFlowInput(jsonCopy(record)));
    const owner = flowOwnerKey(checked);
    const db = await this.pool.connect().catch((e: unknown) => Promise.reject(this.mapError(e, 'storing an OAuth flow')));
    try {
      await db.query('BEGIN');
      // Two replicas inserting for one owner at once must not both pass the cap.
      await db.query(`SELECT pg_advisory_xact_lock(hashtext('cg_oauth_flows:' || $1))`, [owner]);
      await db.query('DELETE FROM cg_oauth_flows WHERE expires_at <= $1', [limits.now.toISOString()]);
      const rows = await db.query<{ doc: unknown }>('SELECT doc FROM cg_oauth_flows WHERE owner_key = $1 OR id = $2', [owner, checked.id]);
      planFlowInsert(
        rows.rows.map((r) => flowFromDoc(r.doc)),
        checked,
        limits,
      );
      await db.query('INSERT INTO cg_oauth_flows (id, owner_key, expires_at, doc) VALUES ($1, $2, $3, $4::jsonb)', flowColumns(checked));
      await db.query('COMMIT');
      db.release();
      return checked;
    } catch (e) {
      await db.query('ROLLBACK').catch(() => undefined);
      db.release();
      throw this.mapError(e, 'storing an OAuth flow');
    }
  }

  async get(id: string, now: Date): Promise<OAuthFlowRecord | undefined> {
    const r = await this.pool.query<{ doc: unknown }>('SELECT doc FROM cg_oauth_flows WHERE id = $1', [id]).catch((e: unknown) => Promise.reject(this.mapError(e, 'reading an OAuth flow')));
    return findLiveFlow(
      r.rows.map((row) => flowFromDoc(row.doc)),
      id,
      now,
    );
  }

  /** Single use across replicas: the DELETE returns the row to exactly one taker. */
  async take(id: string, now: Date): Promise<OAuthFlowRecord | undefined> {
    const r = await this.pool.query<{ doc: unknown }>('DELETE FROM cg_oauth_flows WHERE id = $1 RETURNING doc', [id]).catch((e: unknown) => Promise.reject(this.mapError(e, 'taking an OAuth flow')));
    return findLiveFlow(
      r.rows.map((row) => flowFromDoc(row.doc)),
      id,
      now,
    );
  }
}
