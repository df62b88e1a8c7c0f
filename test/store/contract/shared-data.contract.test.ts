import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError } from '../../../src/domain/errors.js';
import type { ChangeEvent, Store } from '../../../src/store/types.js';
import { makeRecord, recordEvents } from '../../unit/store/fixtures.js';
import { contractBackends, type BackendCase } from './backends.js';

const backends = contractBackends();
const alice = { organization_id: 'org_acme', user_id: 'usr_alice' };

/** Resolves when `read` returns something `ok` accepts; re-reads on each change event, never on a timer guess. */
async function eventually<T>(store: Store, read: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  for (;;) {
    const seen = new Promise<void>((resolve) => {
      const off = store.onChange(() => (off(), resolve()));
    });
    const v = await read();
    if (ok(v)) return v;
    await seen;
  }
}

describe.each(backends)('Store contract, one data set (%s)', (_name, make) => {
  let ctx: BackendCase;
  beforeEach(async () => (ctx = await make()));
  afterEach(() => ctx.cleanup());

  it('every optional field round-trips exactly, credentials stay as sealed', async () => {
    const full = makeRecord({
      description: 'd',
      metadata: { team: 'core', 'k.with.dots': 'v' },
      last_error: 'upstream said no',
      last_sync_at: '2025-02-03T04:05:06.789Z',
      health_status: 'unhealthy',
      enabled: false,
      credentials_type: 'oauth2',
      credentials_sealed: { kid: 'k1', iv: 'aXY=', ct: 'Y3Q=', tag: 'dGFn' },
      configuration: { nested: { list: [1, 'two', null, { deep: true }] }, unicode: 'é✓' },
      tool_prefix: 'gh-work',
    });
    const created = await ctx.store.createConfiguration(full);
    expect(created).toEqual({ ...full, version: 1, revision: 1 });
    expect(await ctx.store.getConfiguration(full.id)).toEqual({ ...full, version: 1, revision: 1 });
    expect(await ctx.store.allConfigurations()).toEqual([{ ...full, version: 1, revision: 1 }]);
    if (ctx.twin) expect(await (await ctx.twin()).getConfiguration(full.id)).toEqual({ ...full, version: 1, revision: 1 });
  });

  it('optimistic versions: of two writers holding version 1, exactly one wins', async () => {
    const r = await ctx.store.createConfiguration(makeRecord());
    const other = ctx.twin ? await ctx.twin() : ctx.store;
    const results = await Promise.allSettled([
      ctx.store.updateConfiguration(r.id, (c) => ({ ...c, name: 'A' }), 1),
      other.updateConfiguration(r.id, (c) => ({ ...c, name: 'B' }), 1),
    ]);
    expect(results.filter((x) => x.status === 'fulfilled')).toHaveLength(1);
    const lost = results.find((x) => x.status === 'rejected') as PromiseRejectedResult;
    expect(lost.reason).toBeInstanceOf(ConflictError);
    expect((lost.reason as ConflictError).message).toMatch(/is at revision 2, not 1/);
    const stored = await ctx.store.updateConfiguration(r.id, (c) => c);
    expect(stored.version).toBe(2);
  });

  it('unversioned read-modify-writes from two writers never lose an update', async () => {
    const r = await ctx.store.createConfiguration(makeRecord({ metadata: {} }));
    const other = ctx.twin ? await ctx.twin() : ctx.store;
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? other : ctx.store).updateConfiguration(r.id, (c) => ({ ...c, metadata: { ...c.metadata, [`k${i}`]: String(i) } }))),
    );
    const final = await ctx.store.updateConfiguration(r.id, (c) => c);
    expect(Object.keys(final.metadata ?? {}).sort()).toEqual(['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8', 'k9']);
    expect(final.version).toBe(11);
  });

  it('change feed: another process or replica hears create, update and delete with owner, before and after', async () => {
    if (!ctx.twin) return;
    const other = await ctx.twin();
    const heard = recordEvents(other);
    const r = await ctx.store.createConfiguration(makeRecord());
    await ctx.store.updateConfiguration(r.id, (c) => ({ ...c, name: 'Renamed' }));
    await ctx.store.deleteConfiguration(r.id);
    const ofR = (e: ChangeEvent) => e.kind === 'configuration' && e.id === r.id;
    const deleted = await heard.next((e) => ofR(e) && e.kind === 'configuration' && e.op === 'deleted');
    expect(deleted).toMatchObject({ owner: alice, before: { name: 'Renamed', version: 2 } });
    const ops = heard.events.filter(ofR).map((e) => (e.kind === 'configuration' ? e.op : ''));
    // A file store may report a burst as fewer, coarser events; each op it reports is in order.
    expect(ops.at(-1)).toBe('deleted');
    if (ctx.databaseUrl) {
      expect(ops).toEqual(['created', 'updated', 'deleted']);
      const updated = heard.events.find((e) => ofR(e) && e.kind === 'configuration' && e.op === 'updated');
      expect(updated).toMatchObject({ before: { name: 'My GitHub', version: 1 }, after: { name: 'Renamed', version: 2 }, owner: alice });
    }
    heard.off();
  });

  it('a writer hears its own changes once, and a reader of another process sees the newest version', async () => {
    const mine = recordEvents(ctx.store);
    const r = await ctx.store.createConfiguration(makeRecord());
    await ctx.store.updateConfiguration(r.id, (c) => ({ ...c, name: 'v2' }));
    expect(mine.events.filter((e) => e.kind === 'configuration' && e.id === r.id).map((e) => (e.kind === 'configuration' ? e.op : ''))).toEqual(['created', 'updated']);
    if (!ctx.twin) return;
    const other = await ctx.twin();
    expect((await other.getConfiguration(r.id))?.name).toBe('v2'); // now cached there
    await ctx.store.updateConfiguration(r.id, (c) => ({ ...c, name: 'v3' }));
    const seen = await eventually(other, () => other.getConfiguration(r.id), (v) => v?.name === 'v3');
    expect(seen?.version).toBe(3);
    await ctx.store.deleteConfiguration(r.id);
    expect(await eventually(other, () => other.getConfiguration(r.id), (v) => v === undefined)).toBeUndefined();
    // Our own events were not repeated by the feed meanwhile.
    expect(mine.events.filter((e) => e.kind === 'configuration' && e.id === r.id)).toHaveLength(4);
  });

  it('a revoked API key is refused by another process or replica', async () => {
    const key = { id: 'key_rv', object: 'api_key' as const, organization_id: 'org_acme', secret_hash: 'c'.repeat(64), prefix: 'cgk_c', created_at: '2025-01-01T00:00:00Z' };
    await ctx.store.createApiKey(key);
    const other = ctx.twin ? await ctx.twin() : ctx.store;
    expect((await other.findApiKeyByHash('c'.repeat(64)))?.revoked_at).toBeUndefined();
    await ctx.store.revokeApiKey('key_rv');
    const seen = await eventually(other, () => other.findApiKeyByHash('c'.repeat(64)), (k) => k?.revoked_at !== undefined);
    expect(seen?.revoked_at).toBeDefined();
  });

  it('leases: one holder at a time across processes or replicas, and the next holder sees the last one\'s write', async () => {
    const r = await ctx.store.createConfiguration(makeRecord({ metadata: { n: '0' } }));
    const stores = ctx.twin ? [ctx.store, await ctx.twin(), await ctx.twin()] : [ctx.store];
    let inside = 0;
    let max = 0;
    const work = (s: Store) =>
      s.withLease(`oauth-refresh:${r.id}`, 10_000, async () => {
        inside++;
        max = Math.max(max, inside);
        // Read, then write what was read plus one: with two holders at once an increment is lost.
        const cur = await s.getConfiguration(r.id);
        await new Promise((res) => setTimeout(res, 5));
        await s.updateConfiguration(r.id, (c) => ({ ...c, metadata: { n: String(Number(cur!.metadata!.n) + 1) } }));
        inside--;
      });
    await Promise.all(Array.from({ length: 9 }, (_, i) => work(stores[i % stores.length]!)));
    expect(max).toBe(1);
    expect((await ctx.store.updateConfiguration(r.id, (c) => c)).metadata).toEqual({ n: '9' });
  });

  it('a lease whose fn throws is released for the next holder', async () => {
    await expect(ctx.store.withLease('k', 10_000, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await ctx.store.withLease('k', 10_000, async () => 'next')).toBe('next');
  });

  it('audit: a batch is appended in order and read back newest first by every process', async () => {
    const ev = (i: number) => ({ id: `evt_b${i}`, object: 'audit_event' as const, created_at: '2025-01-01T00:00:00.000Z', organization_id: 'org_acme', user_id: 'usr_alice', action: 'tool.called', outcome: 'success' as const, detail: { i, ok: true, s: 'x' } });
    await ctx.store.appendAuditBatch([ev(1), ev(2), ev(3)]);
    await ctx.store.appendAudit(ev(4));
    const reader = ctx.twin ? await ctx.twin() : ctx.store;
    const page = await reader.listAudit(alice, { limit: 10 });
    expect(page.data.map((e) => e.id)).toEqual(['evt_b4', 'evt_b3', 'evt_b2', 'evt_b1']);
    expect(page.data[3]).toEqual(ev(1));
    expect((await reader.listAudit({ organization_id: 'org_acme', api_key_id: 'key_x' }, { limit: 10 })).data).toEqual([]);
  });
});
