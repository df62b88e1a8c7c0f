import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { StorageError } from '../../domain/errors.js';
import type { Logger } from '../../domain/logger.js';
import { clientConfig, describeDatabaseUrl, mapDbError } from './connection.js';

/** node-pg-migrate's record of what ran; the gateway reads it to know the schema it is on. */
export const MIGRATIONS_TABLE = 'cg_migrations';

/** `migrations/` at the package root, found from here whether running from src/ (tsx) or dist/. */
export function migrationsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'migrations');
    if (existsSync(join(dir, 'package.json')) && existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new StorageError('the migrations folder of connector-gateway is missing from its installation', 'storage_error');
}

/** The migration names this version knows, in order (file names without .sql). */
export function knownMigrations(dir = migrationsDir()): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .map((f) => f.slice(0, -4))
    .sort();
}

export interface SchemaState {
  applied: string[];
  pending: string[];
  /** Applied migrations this version does not know: a newer gateway migrated the database. */
  unknown: string[];
}

export async function schemaState(db: pg.Pool | pg.Client, url: string): Promise<SchemaState> {
  const known = knownMigrations();
  let applied: string[];
  try {
    const exists = await db.query<{ t: string | null }>(`SELECT to_regclass($1) AS t`, [MIGRATIONS_TABLE]);
    applied = exists.rows[0]?.t ? (await db.query<{ name: string }>(`SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY run_on, id`)).rows.map((r) => r.name) : [];
  } catch (e) {
    throw mapDbError(e, 'reading the schema version', url);
  }
  return { applied, pending: known.filter((k) => !applied.includes(k)), unknown: applied.filter((a) => !known.includes(a)) };
}

/**
 * The server and every command refuse a schema they do not know, in one line naming the database:
 * a newer one (written by a newer gateway) or one not (fully) migrated. Nothing is changed.
 */
export function requireCurrentSchema(state: SchemaState, url: string): void {
  const where = describeDatabaseUrl(url);
  if (state.unknown.length > 0) {
    throw new StorageError(
      `the database ${where} has a newer schema (migration ${state.unknown.join(', ')} is unknown to this connector-gateway); upgrade connector-gateway`,
      'storage_newer_schema',
    );
  }
  if (state.applied.length === 0) {
    throw new StorageError(`the database ${where} has no connector-gateway schema: run connector-gateway migrate`, 'storage_unmigrated');
  }
  if (state.pending.length > 0) {
    throw new StorageError(`the database ${where} needs migration ${state.pending.join(', ')}: run connector-gateway migrate`, 'storage_unmigrated');
  }
}

/**
 * Applies every pending migration, each in its own transaction, under node-pg-migrate's advisory
 * lock (replicas migrating at once wait for each other instead of racing). A database of a newer
 * schema is refused before anything runs. Returns the names applied now.
 */
export async function migrate(url: string, log: Logger): Promise<string[]> {
  const pgMod = (await import('pg')).default;
  // Loaded only by `migrate`: opening a store needs just the table it writes.
  const { runner } = await import('node-pg-migrate');
  const client = new pgMod.Client(clientConfig({ url, log, queryTimeoutMs: 120_000 }));
  try {
    await client.connect();
  } catch (e) {
    throw mapDbError(e, 'connecting', url);
  }
  // A connection that dies while idle must not end the process.
  client.on('error', () => {});
  try {
    const state = await schemaState(client, url);
    if (state.unknown.length > 0) requireCurrentSchema(state, url);
    if (state.pending.length === 0) return [];
    const ran = await runner({
      dbClient: client,
      dir: migrationsDir(),
      direction: 'up',
      migrationsTable: MIGRATIONS_TABLE,
      checkOrder: true,
      singleTransaction: true,
      advisoryLockMode: 'wait',
      // node-pg-migrate would print every statement; only the names are worth a log line.
      log: () => {},
      logger: { debug: () => {}, info: () => {}, warn: (m: string) => log.warn({}, m), error: (m: string) => log.error({}, m) },
    }).catch((e: unknown) => Promise.reject(mapDbError(e, 'migrating', url)));
    return ran.map((m) => m.name);
  } finally {
    await client.end().catch(() => {});
  }
}
