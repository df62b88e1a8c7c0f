import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { LowdbStore } from '../../../src/store/lowdb.js';
import { runWriter } from './child.js';
import type { ChangeEvent } from '../../../src/store/types.js';
import { recordEvents, tempDir } from './fixtures.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(() => cleanup());

it('two processes writing 200 configurations each to one file lose none', async () => {
  const file = join(dir, 'data.json');
  const [a, b] = await Promise.all([runWriter(file, 200, 'usr_a'), runWriter(file, 200, 'usr_b')]);
  const store = await LowdbStore.open({ file });
  const ids = new Set((await store.allConfigurations()).map((c) => c.id));
  expect(ids.size).toBe(400);
  for (const id of [...a, ...b]) expect(ids.has(id)).toBe(true);
  expect((await store.listConfigurations({ organization_id: 'org_acme', user_id: 'usr_a' }, {}, { limit: 500 })).data).toHaveLength(200);
  await store.close();
});

it('a running store hears created, updated and deleted from another process', async () => {
  const file = join(dir, 'data.json');
  const store = await LowdbStore.open({ file });
  const seen = recordEvents(store);
  const is = (op: string, id: string | undefined) => (e: ChangeEvent) => e.kind === 'configuration' && e.op === op && e.id === id;
  // One step at a time: writes that land between two reloads are (rightly) seen as their net result.
  const [id] = await runWriter(file, 1, 'usr_cli');
  await seen.next(is('created', id));
  expect((await store.getConfiguration(id!))?.user_id).toBe('usr_cli');
  await runWriter(file, 0, 'usr_cli', `rename=${id!}`);
  await seen.next(is('updated', id));
  expect((await store.getConfiguration(id!))?.name).toBe('Renamed elsewhere');
  await runWriter(file, 0, 'usr_cli', `delete=${id!}`);
  await seen.next(is('deleted', id));
  expect(await store.getConfiguration(id!)).toBeUndefined();
  expect(seen.events.map((e) => (e.kind === 'configuration' ? e.op : e.kind))).toEqual(['created', 'updated', 'deleted']);
  await store.close();
});
