/**
 * Store benchmark: LowdbStore (durable: fsync on) at 100, 1,000 and 10,000 configurations.
 * get/list are memory reads; create/update are durable writes (lock, catch up, append one journal
 * line, fdatasync; now and then a fold rewrites the data file). Also timed: opening a second
 * instance while the journal holds the writes (replay), and the fold on close.
 * Run alone: npx tsx bench/store.bench.ts
 */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ConfigurationRecord } from '../src/domain/configuration.js';
import { newId } from '../src/domain/ids.js';
import { generateKey, KeyRing } from '../src/crypto/keyring.js';
import { Vault } from '../src/crypto/vault.js';
import { serializeDocument } from '../src/store/file-format.js';
import { LowdbStore } from '../src/store/lowdb.js';
import { ms, stats, table, type BenchSection } from './lib.js';

const SIZES = [100, 1_000, 10_000];
const PER_OWNER = 10;
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

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MB`;

async function timeIt(n: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn(i);
    out.push(performance.now() - t0);
  }
  return out;
}

async function runSize(size: number): Promise<(string | number)[][]> {
  const dir = await mkdtemp(join(tmpdir(), 'cg-bench-store-'));
  try {
    const file = join(dir, 'data.json');
    const base = Date.parse('2025-01-01T00:00:00Z');
    const records = Array.from({ length: size }, (_, i) => record(i, base + i * 1000));
    // Pre-filled in one go: growing it through `create` would time the fill, not the store.
    await writeFile(file, serializeDocument(1, records.map((r) => JSON.stringify(r)), []), { mode: 0o600 });
    const prefilled = (await stat(file)).size;
    const tOpen = performance.now();
    const store = await LowdbStore.open({ file });
    const openMs = performance.now() - tOpen;
    const ids = records.map((r) => r.id);
    const pick = (i: number) => ids[(i * 7919) % ids.length]!;
    const owners = Math.ceil(size / PER_OWNER);

    // Warm up the JIT on the read paths before sampling.
    for (let i = 0; i < 2000; i++) await store.getConfiguration(pick(i));
    const get = await timeIt(5000, (i) => store.getConfiguration(pick(i)));
    const list = await timeIt(1000, (i) => store.listConfigurations({ organization_id: 'org_bench', user_id: `usr_${i % owners}` }, { enabled: true }, { limit: 20 }));
    const writes = size >= 10_000 ? 150 : 300;
    let at = base + size * 1000;
    const create = await timeIt(writes, (i) => store.createConfiguration(record(size + i, (at += 1000))));
    const update = await timeIt(writes, (i) => store.updateConfiguration(pick(i), (c) => ({ ...c, health_status: c.health_status === 'healthy' ? 'unhealthy' : 'healthy' })));
    const bytes = (await stat(file)).size;
    const journalBytes = (await stat(`${file}.journal`).catch(() => undefined))?.size ?? 0;
    const tReplay = performance.now();
    const other = await LowdbStore.open({ file });
    const replayMs = performance.now() - tReplay;
    const tClose = performance.now();
    await store.close();
    const closeMs = performance.now() - tClose;
    await other.close();
    const folded = (await stat(file)).size;
    const row = (op: string, samples: number[]) => {
      const s = stats(samples);
      return [size.toLocaleString('en-US'), op, s.n, ms(s.median), ms(s.p99)];
    };
    return [
      [size.toLocaleString('en-US'), `open (file ${mb(prefilled)})`, 1, ms(openMs), ms(openMs)],
      row('get by id', get),
      row('list (owner, filter, limit 20)', list),
      row('create (durable)', create),
      row('update (durable)', update),
      [size.toLocaleString('en-US'), `open with the journal (data ${mb(bytes)}, journal ${mb(journalBytes)})`, 1, ms(replayMs), ms(replayMs)],
      [size.toLocaleString('en-US'), `close (folds the journal: file ${mb(folded)})`, 1, ms(closeMs), ms(closeMs)],
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export default async function storeBench(): Promise<BenchSection> {
  const rows: (string | number)[][] = [];
  for (const size of SIZES) rows.push(...(await runSize(size)));
  return {
    title: 'Store (LowdbStore, fsync on)',
    markdown: [
      table(['configurations', 'operation', 'samples', 'median ms', 'p99 ms'], rows),
      '',
      'Budgets: get by id median < 0.05 ms at 10,000; durable create median < 50 ms at 10,000.',
      'A write appends one line (the record or a tombstone) to `<file>.journal` and fdatasyncs it; the journal is folded into the data file (atomic rewrite, fsync of file and folder) when it passes a quarter of the data file (at least 256 KiB), and on close.',
    ].join('\n'),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const section = await storeBench();
  process.stdout.write(`## ${section.title}\n\n${section.markdown}\n`);
}
