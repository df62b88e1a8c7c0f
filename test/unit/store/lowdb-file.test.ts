import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StorageError } from '../../../src/domain/errors.js';
import { openStore } from '../../../src/store/index.js';
import { LowdbStore } from '../../../src/store/lowdb.js';
import { makeRecord, recordEvents, tempDir } from './fixtures.js';

let dir: string;
let cleanup: () => Promise<void>;
let file: string;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  file = join(dir, 'data.json');
});
afterEach(() => cleanup());

async function openError(): Promise<StorageError> {
  const e = await LowdbStore.open({ file }).then(
    async (s) => (await s.close(), undefined),
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(StorageError);
  return e as StorageError;
}

describe('LowdbStore file handling', () => {
  it('creates a missing file (mode 0600) and keeps data across reopen', async () => {
    const s1 = await openStore({ kind: 'lowdb', file: join(dir, 'sub', 'data.json') });
    const r = await s1.createConfiguration(makeRecord({ metadata: { a: '1' } }));
    await s1.close();
    expect((await stat(join(dir, 'sub', 'data.json'))).mode & 0o777).toBe(0o600);
    const s2 = await openStore({ kind: 'lowdb', file: join(dir, 'sub', 'data.json') });
    expect(await s2.getConfiguration(r.id)).toEqual(r);
    await s2.close();
  });

  it.each([
    ['truncated', (t: string) => t.slice(0, Math.floor(t.length / 2)), /not valid JSON/],
    ['empty', () => '', /is empty/],
    ['a future schema', (t: string) => t.replace(/"schema_version":\d+/, '"schema_version":7'), /schema_version 7.*newer/],
    ['a wrong shape', (t: string) => t.replace('"health_status":"unknown"', '"health_status":"great"'), /configurations\[0\]\.health_status/],
    ['not an object', () => '[1,2]', /not a JSON object/],
  ])('refuses %s file, names it, and leaves it untouched', async (_what, damage, message) => {
    const s = await LowdbStore.open({ file });
    await s.createConfiguration(makeRecord());
    await s.close();
    const damaged = damage(await readFile(file, 'utf8'));
    await writeFile(file, damaged);
    const e = await openError();
    expect(e.message).toContain(file);
    expect(e.message).toMatch(message);
    expect(await readFile(file, 'utf8')).toBe(damaged);
  });

  it('opens a schema_version 1 file (no revision) and a journal line a v1 process appended: the revision is the version', async () => {
    const s = await LowdbStore.open({ file });
    const a = await s.createConfiguration(makeRecord({ name: 'From v1' }));
    const b = await s.createConfiguration(makeRecord({ name: 'Journalled by v1' }));
    await s.close();
    // What connector-gateway wrote before `revision` existed: schema_version 1, records without it.
    const current = await readFile(file, 'utf8');
    const v1 = current.replace(/"schema_version":\d+/, '"schema_version":1').replaceAll('"version":1,"revision":1', '"version":5');
    expect(v1).not.toContain('"revision"');
    const doc = JSON.parse(v1) as { generation: number; epoch: string; configurations: Record<string, unknown>[] };
    await writeFile(file, v1);
    // …and a v1 journal line beside it: b renamed, at version 6, still without a revision.
    const line = { e: doc.epoch, g: doc.generation + 1, op: 'put', record: { ...doc.configurations.find((c) => c.id === b.id), name: 'Renamed by v1', version: 6 } };
    await writeFile(`${file}.journal`, JSON.stringify(line) + '\n');

    const s2 = await LowdbStore.open({ file });
    expect(await s2.getConfiguration(a.id)).toMatchObject({ version: 5, revision: 5 });
    expect(await s2.getConfiguration(b.id)).toMatchObject({ name: 'Renamed by v1', version: 6, revision: 6 });
    // An ETag a client read from the v1 server ("5") still matches until a user changes something.
    await s2.updateConfiguration(a.id, (c) => ({ ...c, health_status: 'healthy', last_sync_at: '2026-01-01T00:00:00.000Z' }), 5);
    expect(await s2.updateConfiguration(a.id, (c) => ({ ...c, name: 'Renamed' }), 5)).toMatchObject({ version: 7, revision: 6 });
    await s2.close();
    const s3 = await LowdbStore.open({ file });
    expect(await s3.getConfiguration(a.id)).toMatchObject({ name: 'Renamed', revision: 6 });
    await s3.close();
  });

  it('refuses to write over a file that went bad under it', async () => {
    const s = await LowdbStore.open({ file });
    await s.createConfiguration(makeRecord());
    await writeFile(file, '{"schema_version":1,"configurations":[{"id":');
    await expect(s.createConfiguration(makeRecord())).rejects.toBeInstanceOf(StorageError);
    expect(await readFile(file, 'utf8')).toBe('{"schema_version":1,"configurations":[{"id":');
    await s.close();
  });

  it('sees writes of another instance as precise events, and writes on top of them', async () => {
    const a = await LowdbStore.open({ file });
    const b = await LowdbStore.open({ file });
    const seen = recordEvents(a);
    const r = await b.createConfiguration(makeRecord());
    const created = await seen.next((e) => e.kind === 'configuration' && e.op === 'created' && e.id === r.id);
    expect(created).toMatchObject({ owner: { organization_id: 'org_acme', user_id: 'usr_alice' } });
    expect(await a.getConfiguration(r.id)).toEqual(r);

    await b.updateConfiguration(r.id, (c) => ({ ...c, enabled: false }));
    await seen.next((e) => e.kind === 'configuration' && e.op === 'updated' && e.id === r.id);
    expect((await a.getConfiguration(r.id))?.version).toBe(2);

    // a writes based on what b wrote: the CAS sees version 2, nothing of b is lost.
    const mine = await a.createConfiguration(makeRecord());
    await a.updateConfiguration(r.id, (c) => ({ ...c, name: 'From a' }), 2);
    await b.deleteConfiguration(mine.id);
    await seen.next((e) => e.kind === 'configuration' && e.op === 'deleted' && e.id === mine.id);
    expect(seen.events.some((e) => e.kind === 'reload')).toBe(false);
    await Promise.all([a.close(), b.close()]);
    const again = await LowdbStore.open({ file });
    expect((await again.allConfigurations()).map((c) => [c.id, c.name, c.version])).toEqual([[r.id, 'From a', 3]]);
    await again.close();
  });

  it('audit lives in an append-only file beside the data', async () => {
    const a = await LowdbStore.open({ file });
    const b = await LowdbStore.open({ file });
    const ev = { id: 'evt_1', object: 'audit_event' as const, created_at: '2025-01-01T00:00:00Z', organization_id: 'org_acme', user_id: 'usr_alice', action: 'x', outcome: 'success' as const };
    await a.appendAudit(ev);
    await b.appendAudit({ ...ev, id: 'evt_2' });
    expect((await a.listAudit(undefined, { limit: 10 })).data.map((e) => e.id)).toEqual(['evt_2', 'evt_1']);
    expect((await readFile(`${file}.audit.jsonl`, 'utf8')).trim().split('\n')).toHaveLength(2);
    await Promise.all([a.close(), b.close()]);
  });
});
