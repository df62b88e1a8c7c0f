import { readFile, writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError } from '../../../src/domain/errors.js';
import { shortHash } from '../../../src/domain/tool-prefix.js';
import { LowdbStore } from '../../../src/store/lowdb.js';
import { PostgresStore } from '../../../src/store/postgres/store.js';
import type { Store } from '../../../src/store/types.js';
import { sql } from '../../helpers/postgres.js';
import { makeRecord, recordEvents } from '../../unit/store/fixtures.js';
import { contractBackends, type BackendCase } from './backends.js';

/**
 * Issue 13 §2: a configuration's tool prefix (`<tool_prefix>_<tool>`) is given once, at creation,
 * and stored, so one configuration's tool names never move to another after a delete, a rename or
 * a restart. Every backend keeps the same rule.
 */
const backends = contractBackends();
const alice = { organization_id: 'org_acme', user_id: 'usr_alice' };

describe.each(backends)('Store contract, tool prefixes (%s)', (name, make) => {
  let ctx: BackendCase;
  let store: Store;
  beforeEach(async () => ((ctx = await make()), (store = ctx.store)));
  afterEach(() => ctx.cleanup());

  it('gives the name slug at creation; a namesake of the same owner gets a suffix from its id, another owner the plain slug', async () => {
    const a = await store.createConfiguration(makeRecord({ name: 'GitHub' }));
    const b = await store.createConfiguration(makeRecord({ name: 'github' }));
    const bob = await store.createConfiguration(makeRecord({ name: 'GitHub', user_id: 'usr_bob' }));
    expect(a.tool_prefix).toBe('github');
    expect(b.tool_prefix).toBe(`github_${shortHash(b.id, 6)}`);
    expect(bob.tool_prefix).toBe('github');
    expect((await store.getConfiguration(b.id))?.tool_prefix).toBe(b.tool_prefix);
  });

  it('keeps the prefix through renames and updates; the old name stays taken', async () => {
    const a = await store.createConfiguration(makeRecord({ name: 'Work GitHub' }));
    const renamed = await store.updateConfiguration(a.id, (c) => ({ ...c, name: 'Personal GitHub' }));
    expect(renamed).toMatchObject({ name: 'Personal GitHub', tool_prefix: 'work_github' });
    // A new configuration under the old name does not take the renamed one's tools.
    const next = await store.createConfiguration(makeRecord({ name: 'Work GitHub' }));
    expect(next.tool_prefix).toBe(`work_github_${shortHash(next.id, 6)}`);
    // And one under the renamed one's new name gets that slug: it was never the old one's prefix.
    expect((await store.createConfiguration(makeRecord({ name: 'Personal GitHub' }))).tool_prefix).toBe('personal_github');
  });

  it('an update may choose another prefix, or none, but not one the owner already uses (the old one is free again)', async () => {
    const a = await store.createConfiguration(makeRecord({ name: 'Work GitHub' }));
    const b = await store.createConfiguration(makeRecord({ name: 'Jira' }));
    const err = await store.updateConfiguration(a.id, (c) => ({ ...c, tool_prefix: 'jira' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect(err).toMatchObject({ code: 'tool_name_clash', param: 'tool_prefix' });
    expect((await store.getConfiguration(a.id))?.tool_prefix).toBe('work_github');
    expect((await store.updateConfiguration(a.id, (c) => ({ ...c, tool_prefix: 'mine' }))).tool_prefix).toBe('mine');
    expect((await store.updateConfiguration(b.id, (c) => ({ ...c, tool_prefix: '' }))).tool_prefix).toBe('');
    expect((await store.updateConfiguration(a.id, (c) => ({ ...c, tool_prefix: '' }))).tool_prefix).toBe('');
    // Given up by both, "jira" goes to the next configuration called so.
    expect((await store.createConfiguration(makeRecord({ name: 'Jira' }))).tool_prefix).toBe('jira');
    const reader = ctx.twin ? await ctx.twin() : store;
    expect((await reader.getConfiguration(a.id))?.tool_prefix).toBe('');
  });

  it('deleting the older namesake moves nothing: the newer keeps its suffixed prefix', async () => {
    const a = await store.createConfiguration(makeRecord({ name: 'Jira' }));
    const b = await store.createConfiguration(makeRecord({ name: 'Jira' }));
    await store.deleteConfiguration(a.id);
    expect((await store.getConfiguration(b.id))?.tool_prefix).toBe(`jira_${shortHash(b.id, 6)}`);
    const reader = ctx.twin ? await ctx.twin() : store;
    expect((await reader.listConfigurations(alice, {}, { limit: 10 })).data.map((r) => [r.id, r.tool_prefix])).toEqual([[b.id, `jira_${shortHash(b.id, 6)}`]]);
  });

  it('keeps a prefix the record already has (an import), and refuses one the owner already uses', async () => {
    const kept = await store.createConfiguration(makeRecord({ name: 'Anything', tool_prefix: 'gh' }));
    expect(kept.tool_prefix).toBe('gh');
    const err = await store.createConfiguration(makeRecord({ name: 'Other', tool_prefix: 'gh' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as Error).message).toMatch(/tool_prefix: "gh" is already used/);
    // A slug that an explicit prefix holds is taken too.
    const gh = await store.createConfiguration(makeRecord({ name: 'GH' }));
    expect(gh.tool_prefix).toBe(`gh_${shortHash(gh.id, 6)}`);
  });

  it('namesakes created at the same time by two processes get different prefixes', async () => {
    const other = ctx.twin ? await ctx.twin() : store;
    const made = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? other : store).createConfiguration(makeRecord({ name: 'Teams' }))));
    const prefixes = made.map((r) => r.tool_prefix);
    expect(new Set(prefixes).size).toBe(6);
    expect(prefixes.filter((p) => p === 'teams')).toHaveLength(1);
  });
});

describe.each(backends.filter(([n]) => n === 'lowdb'))('tool prefixes when upgrading a schema 2 data file (%s)', (_name, make) => {
  let ctx: BackendCase;
  beforeEach(async () => (ctx = await make()));
  afterEach(() => ctx.cleanup());

  it('gives each stored configuration the prefix its tools had, rewrites the file as schema 3, and an older journal line gets one too', async () => {
    const file = ctx.file!;
    const a = await ctx.store.createConfiguration(makeRecord({ name: 'GitHub' }));
    const b = await ctx.store.createConfiguration(makeRecord({ name: 'GitHub' }));
    const c = await ctx.store.createConfiguration(makeRecord({ name: 'ClickUp' }));
    await ctx.store.close();
    // What a schema 2 gateway wrote: no tool_prefix anywhere.
    const v3 = await readFile(file, 'utf8');
    const v2 = v3.replace(/"schema_version":\d+/, '"schema_version":2').replace(/,"tool_prefix":"[^"]*"/g, '');
    expect(v2).not.toContain('tool_prefix');
    const doc = JSON.parse(v2) as { generation: number; epoch: string; configurations: Record<string, unknown>[] };
    await writeFile(file, v2);
    // …plus a journal line a schema 2 process appended: another GitHub namesake, newest of all.
    const d = makeRecord({ name: 'GitHub' });
    await writeFile(`${file}.journal`, JSON.stringify({ e: doc.epoch, g: doc.generation + 1, op: 'put', record: { ...d, version: 1, revision: 1 } }) + '\n');

    const s = await LowdbStore.open({ file });
    try {
      const prefixes = Object.fromEntries((await s.allConfigurations()).map((r) => [r.id, r.tool_prefix]));
      // Exactly the names the old rule gave: first namesake in creation order keeps the plain slug.
      expect(prefixes).toEqual({ [a.id]: 'github', [b.id]: `github_${shortHash(b.id, 6)}`, [c.id]: 'clickup', [d.id]: `github_${shortHash(d.id, 6)}` });
      expect(await readFile(file, 'utf8')).toContain('"schema_version":2');
      // The first write rewrites the file whole, in schema 3, so an older gateway says it is newer instead of misreading it.
      await s.deleteConfiguration(a.id);
      const after = await readFile(file, 'utf8');
      expect(after).toContain('"schema_version":3');
      expect(after).toContain(`"tool_prefix":"github_${shortHash(b.id, 6)}"`);
    } finally {
      await s.close();
    }
    const again = await LowdbStore.open({ file });
    expect((await again.getConfiguration(b.id))?.tool_prefix).toBe(`github_${shortHash(b.id, 6)}`);
    await again.close();
  });
});

describe.each(backends.filter(([n]) => n === 'postgres'))('tool prefixes of rows stored before migration 0005 (%s)', (_name, make) => {
  let ctx: BackendCase;
  beforeEach(async () => (ctx = await make()));
  afterEach(() => ctx.cleanup());

  it('the next replica to open gives each row the prefix its tools had; version moves, revision does not; running replicas hear of it', async () => {
    const url = ctx.databaseUrl!;
    const a = await ctx.store.createConfiguration(makeRecord({ name: 'GitHub' }));
    const b = await ctx.store.createConfiguration(makeRecord({ name: 'GitHub' }));
    // Rows as a gateway before 0005 (or an older replica during a rolling upgrade) wrote them.
    await sql(url, `UPDATE cg_configurations SET tool_prefix = NULL, doc = doc - 'tool_prefix'`);
    const seen = recordEvents(ctx.store);
    const opened = await PostgresStore.open({ url, pollMs: 500 });
    try {
      expect(await opened.getConfiguration(a.id)).toMatchObject({ tool_prefix: 'github', version: 2, revision: 1 });
      expect(await opened.getConfiguration(b.id)).toMatchObject({ tool_prefix: `github_${shortHash(b.id, 6)}`, version: 2, revision: 1 });
      const rows = await sql<{ id: string; tool_prefix: string }>(url, 'SELECT id, tool_prefix FROM cg_configurations ORDER BY created_ms');
      expect(rows.map((r) => r.tool_prefix)).toEqual(['github', `github_${shortHash(b.id, 6)}`]);
      await seen.next((e) => e.kind === 'configuration' && e.op === 'updated' && e.id === b.id);
      expect((await ctx.store.getConfiguration(b.id))?.tool_prefix).toBe(`github_${shortHash(b.id, 6)}`);
      // A new namesake keeps clear of both.
      const c = await opened.createConfiguration(makeRecord({ name: 'GitHub' }));
      expect(c.tool_prefix).toBe(`github_${shortHash(c.id, 6)}`);
    } finally {
      await opened.close();
    }
  });
});
