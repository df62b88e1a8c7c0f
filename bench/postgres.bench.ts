/**
 * PostgreSQL store beside the embedded one (LowdbStore, fsync on), same records, same operations, at
 * 10,000 and 100,000 configurations (BENCH_PG_SIZES overrides, e.g. 10000). The database is a fresh
 * one on the local server (CONNECTOR_GATEWAY_TEST_PG_ADMIN, default postgres://postgres@127.0.0.1:5432/postgres),
 * dropped afterwards. Get by id is timed on a warm set of 1,000 ids: what a replica's read cache
 * serves while its change feed is live. Run alone: npx tsx bench/postgres.bench.ts
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ConfigurationRecord } from '../src/domain/configuration.js';
import { newId } from '../src/domain/ids.js';
import { generateKey, KeyRing } from '../src/crypto/keyring.js';
import { Vault } from '../src/crypto/vault.js';
import { serializeDocument } from '../src/store/file-format.js';
import { LowdbStore } from '../src/store/lowdb.js';
import { PostgresStore } from '../src/store/postgres/store.js';
import { CONFIGURATION_COLUMNS, configurationColumns } from '../src/store/postgres/rows.js';
import type { Store } from '../src/store/types.js';
import { createTestDatabase, sql } from '../test/helpers/postgres.js';
import { ms, stats, table, type BenchSection } from './lib.js';

const QUICK = process.env.BENCH_QUICK === '1';
const SIZES = (process.env.BENCH_PG_SIZES ?? (QUICK ? '10000' : '10000,100000')).split(',').map(Number);
const PER_OWNER = 10;
const WARM_IDS = 1_000;
const vault = new Vault(KeyRing.of([generateKey()]));

function record(i: number, at: number): ConfigurationRecord {
  const id = newId('pconf_');
  const iso = new Date(at).toISOString();
  return {
    id,
    object: 'personal_connector.configuration',
    user_id: `usr_${Math.floor(i / PER_OWNER)}`,
    organization_id: 'org_bench',
    personal_connector_id: 'pc_github',
    name: `GitHub ${i}`,
    configuration: { repository: `acme/repo-${i}`, branch: 'main', paths: ['src/', 'docs/'] },
    enabled: true,
    health_status: 'healthy',
    last_sync_at: iso,
    description: 'A configuration used by the store benchmark',
    metadata: { team: `t${i % 7}`, env: 'prod' },
    created_at: iso,
    updated_at: iso,
    version: 1,
    revision: 1,
    credentials_type: 'oauth2',
    credentials_sealed: vault.seal(
      { type: 'oauth2', access_token: 'gho_' + 'x'.repeat(36), refresh_token: 'ghr_' + 'y'.repeat(60), expires_at: '2030-01-01T00:00:00Z' },
      { configurationId: id, organizationId: 'org_bench' },
    ),
  };
}

async function timeIt(n: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn(i);
    out.push(performance.now() - t0);
  }
  return out;
}

interface Measured {
  get: number[];
  list: number[];
  create: number[];
  update: number[];
}

/** The same operations on either store, records already in it. */
async function measure(store: Store, records: ConfigurationRecord[], size: number): Promise<Measured> {
  const warm = records.slice(0, WARM_IDS).map((r) => r.id);
  const pick = (i: number) => warm[(i * 7919) % warm.length]!;
  const owners = Math.ceil(size / PER_OWNER);
  for (let i = 0; i < 3 * WARM_IDS; i++) await store.getConfiguration(pick(i));
  const get = await timeIt(5000, (i) => store.getConfiguration(pick(i)));
  for (let i = 0; i < 200; i++) await store.listConfigurations({ organization_id: 'org_bench', user_id: `usr_${i % owners}` }, { enabled: true }, { limit: 20 });
  const list = await timeIt(1000, (i) => store.listConfigurations({ organization_id: 'org_bench', user_id: `usr_${(i * 31) % owners}` }, { enabled: true }, { limit: 20 }));
  let at = Date.parse('2025-01-01T00:00:00Z') + size * 1000;
  const writes = QUICK ? 100 : 300;
  const create = await timeIt(writes, (i) => store.createConfiguration(record(size + i, (at += 1000))));
  const update = await timeIt(writes, (i) => store.updateConfiguration(pick(i), (c) => ({ ...c, health_status: c.health_status === 'healthy' ? 'unhealthy' : 'healthy' })));
  return { get, list, create, update };
}

async function embedded(records: ConfigurationRecord[], size: number): Promise<Measured> {
  const dir = await mkdtemp(join(tmpdir(), 'cg-bench-pg-'));
  try {
    const file = join(dir, 'data.json');
    await writeFile(file, serializeDocument(1, records.map((r) => JSON.stringify(r)), []), { mode: 0o600 });
    const store = await LowdbStore.open({ file });
    try {
      return await measure(store, records, size);
    } finally {
      await store.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function postgres(records: ConfigurationRecord[], size: number): Promise<Measured & { fillMs: number }> {
  const db = await createTestDatabase();
  try {
    // Filled in batches of rows as the store writes them: `create` one by one would time the fill.
    const t0 = performance.now();
    for (let at = 0; at < records.length; at += 1000) {
      const batch = records.slice(at, at + 1000);
      const params: unknown[] = [];
      const rows = batch.map((r) => {
        const cols = configurationColumns(r);
        const base = params.length;
        params.push(...cols);
        return `(${cols.map((_, k) => `$${base + k + 1}${k === cols.length - 1 ? '::jsonb' : ''}`).join(', ')})`;
      });
      await sql(db.url, `INSERT INTO cg_configurations (${CONFIGURATION_COLUMNS}) VALUES ${rows.join(', ')}`, params);
    }
    await sql(db.url, 'ANALYZE cg_configurations');
    const fillMs = performance.now() - t0;
    const store = await PostgresStore.open({ url: db.url });
    try {
      return { ...(await measure(store, records, size)), fillMs };
    } finally {
      await store.close();
    }
  } finally {
    await db.drop();
  }
}

export default async function postgresBench(): Promise<BenchSection> {
  const rows: (string | number)[][] = [];
  const ratios: string[] = [];
  for (const size of SIZES) {
    const base = Date.parse('2025-01-01T00:00:00Z');
    const records = Array.from({ length: size }, (_, i) => record(i, base + i * 1000));
    const e = await embedded(records, size);
    const p = await postgres(records, size);
    const n = size.toLocaleString('en-US');
    for (const op of ['get', 'list', 'create', 'update'] as const) {
      const se = stats(e[op]);
      const sp = stats(p[op]);
      const label = { get: 'get by id (warm)', list: 'list (owner, filter, limit 20)', create: 'create (durable)', update: 'update (durable)' }[op];
      rows.push([n, label, ms(se.median), ms(se.p99), ms(sp.median), ms(sp.p99), (sp.median / se.median).toFixed(2)]);
    }
    ratios.push(`- ${n}: PostgreSQL get by id median is ${(stats(p.get).median / stats(e.get).median).toFixed(2)}× the embedded store's; durable create median ${ms(stats(p.create).median)} ms (filled in ${(p.fillMs / 1000).toFixed(1)} s).`);
  }
  return {
    title: 'PostgreSQL store vs the embedded store',
    markdown: [
      table(['configurations', 'operation', 'embedded median ms', 'embedded p99 ms', 'PostgreSQL median ms', 'PostgreSQL p99 ms', 'PostgreSQL / embedded'], rows),
      '',
      ...ratios,
      '',
      'Targets (issue 17): get by id from the replica cache within 1.5× of the embedded store; durable create under 5 ms median.',
      'PostgreSQL is the local server (synchronous_commit as configured there, one client, no network hop); the embedded store fdatasyncs each write.',
    ].join('\n'),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const section = await postgresBench();
  process.stdout.write(`## ${section.title}\n\n${section.markdown}\n`);
  process.exit(0);
}
