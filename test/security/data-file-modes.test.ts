import { chmod, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LowdbStore } from '../../src/store/lowdb.js';
import { emptyDocument } from '../../src/store/file-format.js';
import type { AuditEvent } from '../../src/store/types.js';
import { makeRecord, tempDir } from '../unit/store/fixtures.js';

/**
 * The data file and every copy of it (the journal, a fold's temp file while it is written, pending
 * OAuth flows, the audit trail) is never readable by other users. The process runs with umask 000
 * here, so any file created with the default mode would be 0666: only the modes the store asks for
 * keep them private. Real files, real modes.
 */
let dir: string;
let cleanup: () => Promise<void>;
let file: string;
let oldUmask: number;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  file = join(dir, 'data.json');
  oldUmask = process.umask(0);
});
afterEach(async () => {
  process.umask(oldUmask);
  await cleanup();
});

const mode = async (path: string) => (await stat(path)).mode & 0o777;

function event(i: number): AuditEvent {
  return { id: `evt_${i}`, object: 'audit_event', created_at: new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString(), organization_id: 'org_acme', user_id: 'usr_alice', action: 'configuration.created', outcome: 'success' };
}

describe('data file modes', () => {
  it('a fold writes its temp file 0600 from the start: every rewrite, observed complete before it replaces the file', async () => {
    const seen: { path: string; mode: number }[] = [];
    // journalMaxBytes 1: every write is a fold (a full rewrite through a temp file).
    const store = await LowdbStore.open({ file, journalMaxBytes: 1, beforeReplace: async (tmp) => void seen.push({ path: tmp, mode: await mode(tmp) }) });
    try {
      for (let i = 0; i < 3; i++) await store.createConfiguration(makeRecord({ name: `c${i}` }));
      await store.appendAudit(event(1));
    } finally {
      await store.close();
    }
    expect(seen.length).toBeGreaterThanOrEqual(3);
    for (const s of seen) {
      expect(s.path.startsWith(dir)).toBe(true);
      expect(s.mode).toBe(0o600);
    }
    // What is left in the folder: nothing that another user may read or write.
    for (const name of await readdir(dir)) expect({ name, mode: await mode(join(dir, name)) }).toEqual({ name, mode: 0o600 });
  });

  it('journal appends and a new file are 0600 under umask 000', async () => {
    const store = await LowdbStore.open({ file });
    try {
      await store.createConfiguration(makeRecord());
      await store.appendAudit(event(2));
    } finally {
      await store.close();
    }
    for (const name of await readdir(dir)) expect({ name, mode: await mode(join(dir, name)) }).toEqual({ name, mode: 0o600 });
  });

  it('files found readable by others (copied in, restored from a backup) are made 0600 when the store opens them', async () => {
    await writeFile(file, emptyDocument(), { mode: 0o644 });
    await writeFile(`${file}.audit.jsonl`, JSON.stringify(event(3)) + '\n', { mode: 0o666 });
    await writeFile(`${file}.journal`, '', { mode: 0o640 });
    await writeFile(`${file}.oauth-flows.json`, JSON.stringify({ version: 1, flows: [] }) + '\n', { mode: 0o604 });
    // umask 000: the modes above are the modes on disk.
    await chmod(file, 0o644);
    expect(await mode(file)).toBe(0o644);
    const store = await LowdbStore.open({ file });
    try {
      for (const f of [file, `${file}.audit.jsonl`, `${file}.journal`, `${file}.oauth-flows.json`]) expect({ f, mode: await mode(f) }).toEqual({ f, mode: 0o600 });
      // An append to the tightened journal keeps it private, and the data is intact.
      const r = await store.createConfiguration(makeRecord());
      expect((await store.getConfiguration(r.id))?.name).toBe(r.name);
      expect(await mode(`${file}.journal`)).toBe(0o600);
    } finally {
      await store.close();
    }
  });

  it('a narrower mode is left as it is (never widened)', async () => {
    await writeFile(file, emptyDocument(), { mode: 0o400 });
    const store = await LowdbStore.open({ file });
    await store.close().catch(() => undefined);
    expect(await mode(file)).toBe(0o400);
  });
});
