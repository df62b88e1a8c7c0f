import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { silentLogger } from '../../src/domain/logger.js';
import { migrate } from '../../src/store/postgres/migrations.js';

/** The server every test run uses (trust auth); each run makes and drops its own database on it. */
export const ADMIN_URL = process.env.CONNECTOR_GATEWAY_TEST_PG_ADMIN ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

function urlFor(name: string): string {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** A fresh, empty database with a random name; `migrated` (default true) applies the schema. */
export async function createTestDatabase(opts: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const name = `cg_test_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = urlFor(name);
  if (opts.migrated !== false) await migrate(url, silentLogger);
  return {
    name,
    url,
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

/** Ends every connection to the database from the server side, as a database restart does. */
export async function terminateConnections(name: string): Promise<number> {
  return admin(async (c) => {
    const r = await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
    return r.rowCount ?? 0;
  });
}

/** Runs SQL against a test database directly (to look at rows as they are stored). */
export async function sql<R extends pg.QueryResultRow>(url: string, text: string, params: unknown[] = []): Promise<R[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<R>(text, params)).rows;
  } finally {
    await c.end();
  }
}
