import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, ValidationError } from '../../../src/domain/errors.js';
import { LowdbStore } from '../../../src/store/lowdb.js';
import { MemoryStore } from '../../../src/store/memory.js';
import type { AuditEvent, Store } from '../../../src/store/types.js';
import { makeRecord, recordEvents, tempDir } from './fixtures.js';

const alice = { organization_id: 'org_acme', user_id: 'usr_alice' };
const bob = { organization_id: 'org_acme', user_id: 'usr_bob' };

const backends: [string, () => Promise<{ store: Store; cleanup: () => Promise<void> }>][] = [
  ['memory', async () => ({ store: new MemoryStore(), cleanup: async () => undefined })],
  [
    'lowdb',
    async () => {
      const t = await tempDir();
      const store = await LowdbStore.open({ file: join(t.dir, 'data.json') });
      return { store, cleanup: async () => (await store.close(), t.cleanup()) };
    },
  ],
];

describe.each(backends)('Store contract (%s)', (_name, make) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ store, cleanup } = await make()));
  afterEach(() => cleanup());

  it('creates with version 1, reads back, refuses a duplicate id', async () => {
    const r = makeRecord();
    const created = await store.createConfiguration(r);
    expect(created.version).toBe(1);
    expect(await store.getConfiguration(r.id)).toEqual(created);
    await expect(store.createConfiguration(r)).rejects.toBeInstanceOf(ConflictError);
    expect(await store.getConfiguration('pconf_missing')).toBeUndefined();
  });

  it('keeps OAuth client registrations: the first of an id wins, delete removes, bad records refused', async () => {
    const sealed = { kid: 'k1', iv: 'aXY', ct: 'Y3Q', tag: 'dGFn' };
    const reg = (id: string, ct = 'Y3Q') => ({ id, object: 'oauth_registration' as const, issuer: 'https://as.example', redirect_uri: 'http://127.0.0.1/oauth/callback', created_at: '2026-01-01T00:00:00Z', sealed: { ...sealed, ct } });
    const a = 'a'.repeat(64);
    expect(await store.listOAuthRegistrations()).toEqual([]);
    expect(await store.createOAuthRegistration(reg(a))).toEqual(reg(a));
    // Another process registered at the same time: the first stored client is what both use.
    expect(await store.createOAuthRegistration(reg(a, 'b3RoZXI'))).toEqual(reg(a));
    await store.createOAuthRegistration(reg('b'.repeat(64)));
    expect((await store.listOAuthRegistrations()).map((r) => r.id).sort()).toEqual([a, 'b'.repeat(64)]);
    expect(await store.deleteOAuthRegistration(a)).toBe(true);
    expect(await store.deleteOAuthRegistration(a)).toBe(false);
    expect((await store.listOAuthRegistrations()).map((r) => r.id)).toEqual(['b'.repeat(64)]);
    await expect(store.createOAuthRegistration({ ...reg('c'.repeat(64)), issuer: '' })).rejects.toThrow(/issuer/);
  });

  it('refuses an invalid record, naming the field', async () => {
    const err = await store.createConfiguration(makeRecord({ name: '' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).param).toBe('name');
  });

  it('hands out frozen records so nobody edits the store in place', async () => {
    const created = await store.createConfiguration(makeRecord());
    expect(() => {
      (created as { name: string }).name = 'x';
    }).toThrow(TypeError);
  });

  it('updates with version+1, pins identity fields, checks expectedVersion', async () => {
    const r = await store.createConfiguration(makeRecord());
    const events = recordEvents(store);
    const u = await store.updateConfiguration(r.id, (c) => ({ ...c, name: 'Renamed', id: 'pconf_other', organization_id: 'org_evil', created_at: '2030-01-01T00:00:00Z', version: 99 }), 1);
    expect(u).toMatchObject({ id: r.id, name: 'Renamed', version: 2, organization_id: 'org_acme', created_at: r.created_at });
    expect(events.events).toEqual([expect.objectContaining({ kind: 'configuration', op: 'updated', id: r.id })]);
    await expect(store.updateConfiguration(r.id, (c) => ({ ...c, name: 'Again' }), 1)).rejects.toBeInstanceOf(ConflictError);
    await expect(store.updateConfiguration('pconf_nope', (c) => c)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('revision (the ETag) moves only with user-visible changes; expectedRevision is checked against it', async () => {
    const r = await store.createConfiguration(makeRecord());
    expect(r).toMatchObject({ version: 1, revision: 1 });
    // Background writes: health, and new sealed credentials (a refresh, a re-seal).
    const health = await store.updateConfiguration(r.id, (c) => ({ ...c, health_status: 'unhealthy', last_error: 'GitHub answered 401', revision: 42 }));
    expect(health).toMatchObject({ version: 2, revision: 1 });
    const synced = await store.updateConfiguration(r.id, (c) => ({ ...c, health_status: 'healthy', last_error: undefined, last_sync_at: '2026-01-01T00:00:00.000Z' }), 1);
    expect(synced).toMatchObject({ version: 3, revision: 1 });
    const resealed = await store.updateConfiguration(r.id, (c) => ({ ...c, credentials_sealed: { kid: 'k2', iv: 'aXY=', ct: 'Y3Q=', tag: 'dGFn' } }), 1);
    expect(resealed).toMatchObject({ version: 4, revision: 1 });
    // A user's change: a name, settings, metadata, enabled.
    const renamed = await store.updateConfiguration(r.id, (c) => ({ ...c, name: 'Renamed' }), 1);
    expect(renamed).toMatchObject({ version: 5, revision: 2 });
    await expect(store.updateConfiguration(r.id, (c) => ({ ...c, enabled: false }), 1)).rejects.toBeInstanceOf(ConflictError);
    expect(await store.updateConfiguration(r.id, (c) => ({ ...c, enabled: false }), 2)).toMatchObject({ version: 6, revision: 3 });
    await expect(store.deleteConfiguration(r.id, 2)).rejects.toBeInstanceOf(ConflictError);
    expect((await store.deleteConfiguration(r.id, 3)).id).toBe(r.id);
  });

  it('a no-op update writes nothing and emits nothing', async () => {
    const r = await store.createConfiguration(makeRecord({ description: 'd' }));
    const events = recordEvents(store);
    const same = await store.updateConfiguration(r.id, (c) => ({ ...c, metadata: { ...c.metadata }, last_error: undefined }));
    expect(same.version).toBe(1);
    expect(events.events).toEqual([]);
  });

  it('deletes with version check and emits', async () => {
    const r = await store.createConfiguration(makeRecord());
    const events = recordEvents(store);
    await expect(store.deleteConfiguration(r.id, 7)).rejects.toBeInstanceOf(ConflictError);
    const gone = await store.deleteConfiguration(r.id, 1);
    expect(gone.id).toBe(r.id);
    expect(await store.getConfiguration(r.id)).toBeUndefined();
    expect(events.events).toEqual([expect.objectContaining({ op: 'deleted', id: r.id, owner: alice })]);
    await expect(store.deleteConfiguration(r.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('lists one owner in creation order with filters and a cursor', async () => {
    const a1 = await store.createConfiguration(makeRecord({ metadata: { team: 'core', env: 'prod' } }));
    const a2 = await store.createConfiguration(makeRecord({ personal_connector_id: 'pc_jira', enabled: false }));
    await store.createConfiguration(makeRecord({ user_id: 'usr_bob' }));
    const a3 = await store.createConfiguration(makeRecord({ metadata: { team: 'core' }, health_status: 'healthy' }));
    // Created later but dated earlier: creation order is created_at, not insertion order.
    const a0 = await store.createConfiguration(makeRecord({ created_at: '2024-06-01T00:00:00Z', updated_at: '2024-06-01T00:00:00Z' }));

    const all = await store.listConfigurations(alice, {}, { limit: 10 });
    expect(all.data.map((r) => r.id)).toEqual([a0.id, a1.id, a2.id, a3.id]);
    expect(all.has_more).toBe(false);

    const p1 = await store.listConfigurations(alice, {}, { limit: 2 });
    expect(p1.data.map((r) => r.id)).toEqual([a0.id, a1.id]);
    expect(p1.has_more).toBe(true);
    const p2 = await store.listConfigurations(alice, {}, { limit: 2, starting_after: a1.id });
    expect(p2.data.map((r) => r.id)).toEqual([a2.id, a3.id]);
    expect(p2.has_more).toBe(false);

    expect((await store.listConfigurations(alice, { personal_connector_id: 'pc_jira' }, { limit: 10 })).data.map((r) => r.id)).toEqual([a2.id]);
    expect((await store.listConfigurations(alice, { enabled: false }, { limit: 10 })).data.map((r) => r.id)).toEqual([a2.id]);
    expect((await store.listConfigurations(alice, { health_status: 'healthy' }, { limit: 10 })).data.map((r) => r.id)).toEqual([a3.id]);
    expect((await store.listConfigurations(alice, { metadata: { team: 'core' } }, { limit: 10 })).data.map((r) => r.id)).toEqual([a1.id, a3.id]);
    expect((await store.listConfigurations(alice, { metadata: { team: 'core', env: 'prod' } }, { limit: 10 })).data.map((r) => r.id)).toEqual([a1.id]);
    expect((await store.listConfigurations(bob, {}, { limit: 10 })).data).toHaveLength(1);
    expect((await store.listConfigurations({ organization_id: 'org_other', user_id: 'usr_alice' }, {}, { limit: 10 })).data).toEqual([]);

    const bad = await store.listConfigurations(alice, {}, { limit: 2, starting_after: 'pconf_unknown' }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(ValidationError);
    expect((bad as ValidationError).param).toBe('starting_after');
    // Another owner's id is no cursor for this list either.
    const bobs = (await store.listConfigurations(bob, {}, { limit: 1 })).data[0]!;
    await expect(store.listConfigurations(alice, {}, { limit: 2, starting_after: bobs.id })).rejects.toBeInstanceOf(ValidationError);
  });

  it('keeps api keys by id and hash; revoke keeps the record', async () => {
    const key = { id: 'key_1', object: 'api_key' as const, organization_id: 'org_acme', user_id: 'usr_alice', secret_hash: 'a'.repeat(64), prefix: 'cgk_abc', created_at: '2025-01-01T00:00:00Z' };
    const events = recordEvents(store);
    await store.createApiKey(key);
    await expect(store.createApiKey({ ...key, id: 'key_2' })).rejects.toBeInstanceOf(ConflictError);
    expect((await store.findApiKeyByHash('a'.repeat(64)))?.id).toBe('key_1');
    expect(await store.findApiKeyByHash('b'.repeat(64))).toBeUndefined();
    const revoked = await store.revokeApiKey('key_1');
    expect(revoked.revoked_at).toBeDefined();
    expect((await store.getApiKey('key_1'))?.revoked_at).toBe(revoked.revoked_at);
    expect(await store.listApiKeys('org_acme')).toHaveLength(1);
    expect(await store.listApiKeys('org_other')).toHaveLength(0);
    await expect(store.revokeApiKey('key_nope')).rejects.toBeInstanceOf(NotFoundError);
    expect(events.events).toEqual([
      { kind: 'api_key', op: 'created', id: 'key_1' },
      { kind: 'api_key', op: 'revoked', id: 'key_1' },
    ]);
  });

  it('lists audit newest first, per owner, paginated', async () => {
    const ev = (i: number, user: string): AuditEvent => ({
      id: `evt_${i}`,
      object: 'audit_event',
      created_at: new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString(),
      organization_id: 'org_acme',
      user_id: user,
      action: 'configuration.updated',
      target: 'pconf_x',
      outcome: 'success',
    });
    for (let i = 0; i < 5; i++) await store.appendAudit(ev(i, i % 2 ? 'usr_bob' : 'usr_alice'));
    const p1 = await store.listAudit(alice, { limit: 2 });
    expect(p1.data.map((e) => e.id)).toEqual(['evt_4', 'evt_2']);
    expect(p1.has_more).toBe(true);
    const p2 = await store.listAudit(alice, { limit: 2, starting_after: 'evt_2' });
    expect(p2.data.map((e) => e.id)).toEqual(['evt_0']);
    expect(p2.has_more).toBe(false);
    expect((await store.listAudit(undefined, { limit: 10 })).data).toHaveLength(5);
    await expect(store.listAudit(alice, { limit: 2, starting_after: 'evt_1' })).rejects.toBeInstanceOf(ValidationError);
  });

  it('withLease runs one holder at a time', async () => {
    let inside = 0;
    let max = 0;
    const work = () =>
      store.withLease('oauth:pconf_1', 5_000, async () => {
        inside++;
        max = Math.max(max, inside);
        await new Promise((r) => setImmediate(r));
        inside--;
        return 'ok';
      });
    expect(await Promise.all([work(), work(), work()])).toEqual(['ok', 'ok', 'ok']);
    expect(max).toBe(1);
  });
});
