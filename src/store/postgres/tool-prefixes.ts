import type pg from 'pg';
import { effectivePrefixes, takenPrefixes } from '../../domain/tool-prefix.js';
import type { Updated } from '../changes.js';
import { deepFreeze } from '../json.js';
import { CONFIGURATION_COLUMNS, CONFIGURATION_VALUES, configurationColumns, configurationFromDoc } from './rows.js';

/**
 * Takes the owner's tool-prefix lock (until the transaction ends) and returns the prefixes the
 * owner's configurations use. Every writer that gives out a prefix holds it, so two replicas
 * creating namesakes at once never give out the same one (the unique index is the backstop).
 */
export async function ownerPrefixes(db: pg.PoolClient, ownerKey: string): Promise<Set<string>> {
  await lockOwner(db, ownerKey);
  const r = await db.query<{ id: string; name: string; tool_prefix: string | null }>(
    `SELECT id, doc ->> 'name' AS name, tool_prefix FROM cg_configurations WHERE owner_key = $1 ORDER BY created_ms, id`,
    [ownerKey],
  );
  return takenPrefixes(r.rows.map((row) => ({ id: row.id, name: row.name, ...(row.tool_prefix !== null ? { tool_prefix: row.tool_prefix } : {}) })));
}

async function lockOwner(db: pg.PoolClient, ownerKey: string): Promise<void> {
  await db.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`cg_tool_prefix:${ownerKey}`]);
}

/**
 * Gives a prefix to every configuration stored without one (rows from before migration 0005, or
 * written by an older replica since): the prefix its tools had until now, so nothing is renamed.
 * Writes them in the caller's transaction and returns the changes, for the change feed.
 */
export async function fillPrefixesInDatabase(db: pg.PoolClient): Promise<Updated[]> {
  const owners = await db.query<{ owner_key: string }>('SELECT DISTINCT owner_key FROM cg_configurations WHERE tool_prefix IS NULL');
  const out: Updated[] = [];
  for (const { owner_key } of owners.rows) {
    await lockOwner(db, owner_key);
    const r = await db.query<{ doc: unknown }>('SELECT doc FROM cg_configurations WHERE owner_key = $1 ORDER BY created_ms, id FOR UPDATE', [owner_key]);
    const records = r.rows.map((row) => configurationFromDoc(row.doc));
    const prefixes = effectivePrefixes(records);
    for (const before of records) {
      if (before.tool_prefix !== undefined) continue;
      // A background write: version moves (caches), revision does not (a client's If-Match stays good).
      const after = deepFreeze({ ...before, tool_prefix: prefixes.get(before.id)!, version: before.version + 1 });
      await db.query(`UPDATE cg_configurations SET (${CONFIGURATION_COLUMNS}) = (${CONFIGURATION_VALUES}) WHERE id = $1`, configurationColumns(after));
      out.push({ kind: 'configuration', op: 'updated', before, after });
    }
  }
  return out;
}
