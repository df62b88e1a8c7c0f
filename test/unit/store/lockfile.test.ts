import { spawnSync } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { StorageError } from '../../../src/domain/errors.js';
import { acquireLock } from '../../../src/store/lockfile.js';
import { LowdbStore } from '../../../src/store/lowdb.js';
import { makeRecord, tempDir } from './fixtures.js';
import { PATIENCE_MS } from '../../helpers/timing.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(() => cleanup());

/** The pid of a process that has already exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

const body = (pid: number, at: number) => JSON.stringify({ pid, host: hostname(), token: 'someone', at });

it('breaks a lock left by a dead process', async () => {
  const path = join(dir, 'x.lock');
  await writeFile(path, body(deadPid(), Date.now()));
  const release = await acquireLock(path, { ttlMs: 60_000, timeoutMs: PATIENCE_MS });
  await release();
  expect((await readdir(dir)).filter((f) => f.startsWith('x.lock'))).toEqual([]);
});

it('breaks a lock older than its ttl even if its holder lives', async () => {
  const path = join(dir, 'x.lock');
  await writeFile(path, body(process.ppid, Date.now() - 60_000));
  const release = await acquireLock(path, { ttlMs: 1_000, timeoutMs: PATIENCE_MS });
  await release();
});

it('waits for a live, fresh lock and times out with a StorageError naming it', async () => {
  const path = join(dir, 'x.lock');
  await writeFile(path, body(process.ppid, Date.now() + 60_000));
  const err = await acquireLock(path, { ttlMs: 60_000, timeoutMs: 100 }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(StorageError);
  expect((err as StorageError).code).toBe('lock_timeout');
  expect((err as StorageError).message).toContain(path);
});

it('a store writes through a stale data lock left by a crashed writer', async () => {
  const file = join(dir, 'data.json');
  const store = await LowdbStore.open({ file });
  await writeFile(`${file}.lock`, body(deadPid(), Date.now()));
  const r = await store.createConfiguration(makeRecord());
  expect(await store.getConfiguration(r.id)).toEqual(r);
  await store.close();
});

it('leases are exclusive across store instances', async () => {
  const file = join(dir, 'data.json');
  const a = await LowdbStore.open({ file });
  const b = await LowdbStore.open({ file });
  const order: string[] = [];
  let releaseA!: () => void;
  const held = new Promise<void>((r) => (releaseA = r));
  // A lease that cannot expire while a holds it, however slow the machine: only a's release lets b in.
  const pa = a.withLease('refresh:pconf_1', 10 * PATIENCE_MS, async () => {
    order.push('a-in');
    await held;
    order.push('a-out');
  });
  while (order.length === 0) await new Promise((r) => setImmediate(r));
  const pb = b.withLease('refresh:pconf_1', 10 * PATIENCE_MS, async () => void order.push('b-in'));
  // b polls the lock file while a holds it: b has not got in however long it has tried.
  await new Promise((r) => setTimeout(r, 50));
  expect(order).toEqual(['a-in']);
  releaseA();
  await Promise.all([pa, pb]);
  expect(order).toEqual(['a-in', 'a-out', 'b-in']);
  await Promise.all([a.close(), b.close()]);
});
