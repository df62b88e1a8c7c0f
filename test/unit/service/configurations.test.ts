import { describe, expect, it } from 'vitest';
import { GatewayError, NotFoundError, ConflictError } from '../../../src/domain/errors.js';
import { ConfigurationObjectSchema } from '../../../src/domain/configuration.js';
import type { MemoryStore } from '../../../src/store/memory.js';
import type { Principal } from '../../../src/domain/principal.js';
import { alice, bob, carol, githubBody, keyOnly, serviceFixture } from './fixtures.js';
import { REFUSALS } from './refusals.js';

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

async function snapshot(store: MemoryStore): Promise<string> {
  return JSON.stringify([await store.allConfigurations(), await store.listAudit(undefined, { limit: 100 })]);
}

async function refused(p: Promise<unknown>): Promise<GatewayError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(GatewayError);
  return e as GatewayError;
}

describe('ConfigurationService.create', () => {
  it('creates the spec object with defaults and no credentials', async () => {
    const { svc, store } = serviceFixture();
    const o = await svc.create(alice, githubBody({ description: 'work', metadata: { team: 'core' } }));
    expect(o.id).toMatch(/^pconf_[A-Za-z0-9]+$/);
    expect(o.object).toBe('personal_connector.configuration');
    expect(o.user_id).toBe('usr_alice');
    expect(o.api_key_id).toBeUndefined();
    expect(o.organization_id).toBe('org_a');
    expect(o.enabled).toBe(true);
    expect(o.health_status).toBe('unknown');
    expect(o.created_at).toMatch(ISO_MS);
    expect(o.updated_at).toBe(o.created_at);
    expect(o.metadata).toEqual({ team: 'core' });
    expect(o.description).toBe('work');
    expect(ConfigurationObjectSchema.safeParse(o).success).toBe(true);
    expect(JSON.stringify(o)).not.toContain('ghp_plantedSecretValue0001');
    expect(o).not.toHaveProperty('credentials');
    const r = await store.getConfiguration(o.id);
    expect(r?.credentials_type).toBe('api_key');
    expect(JSON.stringify(r)).not.toContain('ghp_plantedSecretValue0001');
    const audit = await store.listAudit(undefined, { limit: 10 });
    expect(audit.data.map((a) => [a.action, a.target, a.outcome])).toEqual([['configuration.created', o.id, 'success']]);
  });

  it('defaults metadata to {} and honours enabled: false', async () => {
    const { svc } = serviceFixture();
    const o = await svc.create(alice, githubBody({ enabled: false }));
    expect(o.metadata).toEqual({});
    expect(o.enabled).toBe(false);
  });

  it('makes api-key-owned configurations for a bare key principal', async () => {
    const { svc } = serviceFixture();
    const o = await svc.create(keyOnly, githubBody({ api_key_id: 'key_robot', organization_id: 'org_a' }));
    expect(o.api_key_id).toBe('key_robot');
    expect(o.user_id).toBeUndefined();
  });

  it('accepts each connector with its own example configuration', async () => {
    const { svc } = serviceFixture();
    const bodies = [
      githubBody(),
      { personal_connector_id: 'pc_clickup', name: 'Work ClickUp', configuration: { workspace_id: '12345', list_id: '67890', default_priority: 3 }, credentials: { type: 'api_key', api_key: 'pk_1' } },
      {
        personal_connector_id: 'pc_jira',
        name: 'Jira',
        configuration: { site_url: 'https://acme.atlassian.net', project_key: 'PROJ', issue_type: 'Task', default_assignee: 'user@example.com' },
        credentials: { type: 'oauth2', access_token: 'at', refresh_token: 'rt', expires_at: '2025-12-31T23:59:59Z' },
      },
      { personal_connector_id: 'pc_teams', name: 'Teams', configuration: { team_id: 'team-abc123', channel_id: 'channel-xyz789' }, credentials: { type: 'bearer', token: 'tok' } },
      { personal_connector_id: 'pc_custom_mcp', name: 'Mine', configuration: { endpoint: 'https://my-server.com/api', custom_settings: { a: 1 } } },
    ];
    for (const b of bodies) await expect(svc.create(alice, b)).resolves.toMatchObject({ personal_connector_id: b.personal_connector_id });
  });

  it.each(REFUSALS)('refuses: $rule', async ({ body, param, status }) => {
    const { svc, store, sealer } = serviceFixture();
    const before = await snapshot(store);
    const e = await refused(svc.create(alice, body));
    expect(e.status).toBe(status);
    expect(e.param === param || (e.param ?? '').startsWith(param + '.')).toBe(true);
    expect(e.message.startsWith(param)).toBe(true);
    expect(e.message).not.toContain('ghp_refusedSecret');
    expect(await snapshot(store)).toBe(before);
    expect(sealer.sealed).toBe(0);
  });

  it('lists the valid connector ids when the id is unknown', async () => {
    const { svc } = serviceFixture();
    const e = await refused(svc.create(alice, githubBody({ personal_connector_id: 'pc_gitlab' })));
    expect(e.message).toContain('pc_github, pc_clickup, pc_jira, pc_teams, pc_custom_mcp');
  });
});

describe('ConfigurationService.update', () => {
  it('merge-patches configuration and metadata, clears description, bumps updated_at', async () => {
    let t = Date.parse('2025-01-01T00:00:00.000Z');
    const { svc } = serviceFixture({ now: () => new Date(t) });
    const o = await svc.create(alice, githubBody({ description: 'd', metadata: { team: 'core', env: 'prod' } }));
    t += 1000;
    const u = await svc.update(alice, o.id, { configuration: { branch: null, paths: ['lib/'] }, metadata: { env: null, owner: 'x' }, description: null, name: 'Renamed' });
    expect(u.configuration).toEqual({ repository: 'acme/backend', paths: ['lib/'] });
    expect(u.metadata).toEqual({ team: 'core', owner: 'x' });
    expect(u.description).toBeUndefined();
    expect(u.name).toBe('Renamed');
    expect(u.updated_at).toBe('2025-01-01T00:00:01.000Z');
    expect(u.created_at).toBe('2025-01-01T00:00:00.000Z');
    expect(svc.revisionOf(u)).toBe(2);
  });

  it('does not write when nothing changes', async () => {
    let t = Date.parse('2025-01-01T00:00:00.000Z');
    const { svc, store } = serviceFixture({ now: () => new Date(t) });
    const o = await svc.create(alice, githubBody({ metadata: { team: 'core' } }));
    const before = await snapshot(store);
    const events: unknown[] = [];
    store.onChange((e) => events.push(e));
    t += 5000;
    const u = await svc.update(alice, o.id, { name: 'My GitHub', metadata: { team: 'core' }, credentials: githubBody().credentials as never });
    expect(u.updated_at).toBe(o.updated_at);
    expect(svc.revisionOf(u)).toBe(1);
    expect(events).toEqual([]);
    expect(await snapshot(store)).toBe(before);
  });

  it('re-validates the merged result against the connector schema', async () => {
    const { svc, store } = serviceFixture();
    const o = await svc.create(alice, githubBody());
    const before = await snapshot(store);
    const e = await refused(svc.update(alice, o.id, { configuration: { repository: 'nope' } }));
    expect(e.param).toBe('configuration.repository');
    const e2 = await refused(svc.update(alice, o.id, { credentials: null }));
    expect(e2.param).toBe('credentials');
    const e3 = await refused(svc.update(alice, o.id, { personal_connector_id: 'pc_jira' }));
    expect(e3.param).toBe('personal_connector_id');
    const e4 = await refused(svc.update(alice, o.id, { metadata: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])) }));
    expect(e4.param).toBe('metadata');
    expect(await snapshot(store)).toBe(before);
  });

  it('replaces credentials whole and resets health', async () => {
    const { svc, store } = serviceFixture({ healthCheck: async () => ({ ok: false, error: 'GitHub answered 401' }) });
    const o = await svc.create(alice, githubBody());
    const tested = await svc.test(alice, o.id);
    expect(tested.health_status).toBe('unhealthy');
    expect(tested.last_error).toBe('GitHub answered 401');
    const u = await svc.update(alice, o.id, { credentials: { type: 'bearer', token: 'new_token_planted' } });
    expect(u.health_status).toBe('unknown');
    expect(u.last_error).toBeUndefined();
    expect((await store.getConfiguration(o.id))?.credentials_type).toBe('bearer');
  });

  it('refuses a stale expected version with ConflictError', async () => {
    const { svc } = serviceFixture();
    const o = await svc.create(alice, githubBody());
    await svc.update(alice, o.id, { name: 'v2' }, { expectedRevision: 1 });
    await expect(svc.update(alice, o.id, { name: 'v3' }, { expectedRevision: 1 })).rejects.toBeInstanceOf(ConflictError);
    await expect(svc.delete(alice, o.id, { expectedRevision: 1 })).rejects.toBeInstanceOf(ConflictError);
    await expect(svc.delete(alice, o.id, { expectedRevision: 2 })).resolves.toEqual({ id: o.id, object: 'personal_connector.configuration', deleted: true });
  });
});

describe('ConfigurationService isolation and health', () => {
  it('answers 404 for every cross-owner read, update, delete and test', async () => {
    const { svc, store } = serviceFixture();
    const mine = await svc.create(alice, githubBody());
    const before = await snapshot(store);
    const others: Principal[] = [bob, carol, keyOnly, { organization_id: 'org_b', user_id: 'usr_alice', via: 'oidc' }];
    for (const p of others) {
      await expect(svc.get(p, mine.id)).rejects.toBeInstanceOf(NotFoundError);
      await expect(svc.update(p, mine.id, { name: 'x' })).rejects.toBeInstanceOf(NotFoundError);
      await expect(svc.delete(p, mine.id)).rejects.toBeInstanceOf(NotFoundError);
      await expect(svc.test(p, mine.id)).rejects.toBeInstanceOf(NotFoundError);
      expect((await svc.list(p)).data).toEqual([]);
      const missing = await refused(svc.get(p, 'pconf_doesnotexist'));
      const hidden = await refused(svc.get(p, mine.id));
      expect(hidden.message.replace(mine.id, 'ID')).toBe(missing.message.replace('pconf_doesnotexist', 'ID'));
    }
    expect(await snapshot(store)).toBe(before);
  });

  it('records a healthy check with last_sync_at and clears last_error', async () => {
    let ok = false;
    const { svc } = serviceFixture({ healthCheck: async () => (ok ? { ok: true } : { ok: false, error: 'down' }) });
    const o = await svc.create(alice, githubBody());
    expect((await svc.test(alice, o.id)).last_error).toBe('down');
    ok = true;
    const t = await svc.test(alice, o.id);
    expect(t.health_status).toBe('healthy');
    expect(t.last_error).toBeUndefined();
    expect(t.last_sync_at).toMatch(ISO_MS);
  });

  it('filters and paginates the owner\'s list', async () => {
    // The store orders by created_at: give each creation its own millisecond.
    let t = Date.parse('2025-01-01T00:00:00.000Z');
    const { svc } = serviceFixture({ now: () => new Date(t++) });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await svc.create(alice, githubBody({ name: `c${i}`, metadata: { n: String(i % 2) }, enabled: i !== 4 }))).id);
    await svc.create(bob, githubBody());
    const p1 = await svc.list(alice, { limit: 2 });
    expect(p1.data.map((o) => o.id)).toEqual(ids.slice(0, 2));
    expect(p1.has_more).toBe(true);
    const p3 = await svc.list(alice, { limit: 2, starting_after: ids[3] });
    expect(p3.data.map((o) => o.id)).toEqual([ids[4]]);
    expect(p3.has_more).toBe(false);
    expect((await svc.list(alice, { metadata: { n: '1' } })).data.map((o) => o.name)).toEqual(['c1', 'c3']);
    expect((await svc.list(alice, { enabled: false })).data.map((o) => o.name)).toEqual(['c4']);
    await expect(svc.list(bob, { starting_after: ids[0] })).rejects.toMatchObject({ param: 'starting_after' });
    await expect(svc.list(alice, { limit: 101 })).rejects.toMatchObject({ param: 'limit' });
  });
});
