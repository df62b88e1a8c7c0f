import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { LowdbStore } from '../../../src/store/lowdb.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { PostgresStore } from '../../../src/store/postgres/store.js';
import type { Store } from '../../../src/store/types.js';
import { createTestDatabase, sql, type TestDatabase } from '../../helpers/postgres.js';
import { tempDir } from '../../unit/store/fixtures.js';

/** One backend under test: a fresh, empty store, and (where the backend is shared) another process's view of it. */
export interface BackendCase {
  store: Store;
  /** A second store on the same data (another process, another replica); undefined for memory. */
  twin?: () => Promise<Store>;
  /** Where the data lives, for tests that look at it directly. */
  file?: string;
  databaseUrl?: string;
  cleanup: () => Promise<void>;
}

export type Backend = [name: 'memory' | 'lowdb' | 'postgres', make: () => Promise<BackendCase>];

const TABLES = ['cg_configurations', 'cg_api_keys', 'cg_audit_events', 'cg_oauth_flows', 'cg_leases', 'cg_changes', 'cg_rate_buckets', 'cg_oauth_registrations', 'cg_key_policy', 'cg_ended_sessions'];

/**
 * Every backend the contract holds for. PostgreSQL gets one database per test file (created and
 * dropped here; a random name, so runs never share state), emptied between tests.
 */
export function contractBackends(): Backend[] {
  let db: TestDatabase | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
  }, 60_000);
  afterAll(async () => {
    await db?.drop();
  });
  return [
    ['memory', async () => ({ store: new MemoryStore(), cleanup: async () => undefined })],
    [
      'lowdb',
      async () => {
        const t = await tempDir();
        const file = join(t.dir, 'data.json');
        const store = await LowdbStore.open({ file });
        const others: Store[] = [];
        return {
          store,
          file,
          twin: async () => {
            const s = await LowdbStore.open({ file, pollMs: 100 });
            others.push(s);
            return s;
          },
          cleanup: async () => {
            await Promise.all([store.close(), ...others.map((s) => s.close())]);
            await t.cleanup();
          },
        };
      },
    ],
    [
      'postgres',
      async () => {
        const url = db!.url;
        await sql(url, `TRUNCATE ${TABLES.join(', ')} RESTART IDENTITY`);
        const store = await PostgresStore.open({ url, pollMs: 500 });
        const others: Store[] = [];
        return {
          store,
          databaseUrl: url,
          twin: async () => {
            const s = await PostgresStore.open({ url, pollMs: 500 });
            others.push(s);
            return s;
          },
          cleanup: async () => {
            await Promise.all([store.close(), ...others.map((s) => s.close())]);
          },
        };
      },
    ],
  ];
}
