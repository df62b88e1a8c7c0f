import type pg from 'pg';
import { deepFreeze, jsonCopy } from '../json.js';
import { checkOAuthRegistrationInput, OAuthRegistrationRecordSchema } from '../oauth-registrations.js';
import { parseStored } from '../schemas.js';
import type { OAuthRegistrationRecord } from '../types.js';

function fromDoc(doc: unknown): OAuthRegistrationRecord {
  return deepFreeze(parseStored(OAuthRegistrationRecordSchema, doc, 'cg_oauth_registrations'));
}

/** OAuth client registrations in the database: the first replica to register an id wins, the rest use its client. */
export class PostgresRegistrations {
  constructor(
    private readonly pool: pg.Pool,
    private readonly mapError: (e: unknown, where: string) => Error,
  ) {}

  async list(): Promise<OAuthRegistrationRecord[]> {
    const r = await this.pool.query<{ doc: unknown }>('SELECT doc FROM cg_oauth_registrations ORDER BY created_seq').catch((e: unknown) => Promise.reject(this.mapError(e, 'listing OAuth registrations')));
    return r.rows.map((row) => fromDoc(row.doc));
  }

  async create(record: OAuthRegistrationRecord): Promise<OAuthRegistrationRecord> {
    const checked = deepFreeze(checkOAuthRegistrationInput(jsonCopy(record)));
    // One statement: inserted, or the row another replica inserted first.
    const r = await this.pool
      .query<{ doc: unknown }>(
        `WITH ins AS (INSERT INTO cg_oauth_registrations (id, doc) VALUES ($1, $2::jsonb) ON CONFLICT (id) DO NOTHING RETURNING doc)
         SELECT doc FROM ins UNION ALL SELECT doc FROM cg_oauth_registrations WHERE id = $1 LIMIT 1`,
        [checked.id, JSON.stringify(checked)],
      )
      .catch((e: unknown) => Promise.reject(this.mapError(e, 'storing an OAuth registration')));
    return r.rows[0] ? fromDoc(r.rows[0].doc) : checked;
  }

  async delete(id: string): Promise<boolean> {
    const r = await this.pool.query('DELETE FROM cg_oauth_registrations WHERE id = $1', [id]).catch((e: unknown) => Promise.reject(this.mapError(e, 'removing an OAuth registration')));
    return (r.rowCount ?? 0) > 0;
  }
}
