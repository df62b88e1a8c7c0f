import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type ApiHarness } from './harness.js';
import { REFUSALS } from '../unit/service/refusals.js';
import { pathDeeperThan } from '../../src/domain/json.js';

const BASE = '/v1/personal_connectors/configurations';
const gh = (extra: Record<string, unknown> = {}) => ({
  personal_connector_id: 'pc_github',
  name: 'My GitHub',
  configuration: { repository: 'acme/backend', branch: 'main' },
  credentials: { type: 'api_key', api_key: 'ghp_restPlantedSecret_1234' },
  ...extra,
});

let h: ApiHarness;
beforeAll(async () => {
  h = await startApi({ healthCheck: async (r) => (r.name.includes('broken') ? { ok: false, error: 'GitHub answered 401: bad credentials' } : { ok: true }) });
});
afterAll(async () => h.close());

describe('REST configurations', () => {
  it('creates (201 + ETag + Location), reads, updates and deletes', async () => {
    const c = await h.request('POST', BASE, { body: gh({ metadata: { team: 'core' } }) });
    expect(c.status).toBe(201);
    expect(c.json.id).toMatch(/^pconf_[A-Za-z0-9]+$/);
    expect(c.json).toMatchObject({ object: 'personal_connector.configuration', user_id: 'usr_a1', organization_id: 'org_a', enabled: true, health_status: 'unknown' });
    expect(c.json).not.toHaveProperty('credentials');
    expect(c.headers.get('etag')).toBe('"1"');
    expect(c.headers.get('location')).toBe(`${BASE}/${c.json.id}`);
    const id = c.json.id!;

    const g = await h.request('GET', `${BASE}/${id}`);
    expect(g.status).toBe(200);
    expect(g.json).toEqual(c.json);

    const p = await h.request('PATCH', `${BASE}/${id}`, { body: { name: 'Renamed', configuration: { branch: null }, metadata: { env: 'prod' } }, headers: { 'if-match': '"1"' } });
    expect(p.status).toBe(200);
    expect(p.headers.get('etag')).toBe('"2"');
    expect(p.json).toMatchObject({ name: 'Renamed', configuration: { repository: 'acme/backend' }, metadata: { team: 'core', env: 'prod' } });

    const stale = await h.request('PATCH', `${BASE}/${id}`, { body: { name: 'x' }, headers: { 'if-match': '"1"' } });
    expect(stale.status).toBe(409);
    expect(stale.json.error?.type).toBe('conflict_error');
    const staleDelete = await h.request('DELETE', `${BASE}/${id}`, { headers: { 'if-match': '"1"' } });
    expect(staleDelete.status).toBe(409);

    const d = await h.request('DELETE', `${BASE}/${id}`, { headers: { 'if-match': '"2"' } });
    expect(d.status).toBe(200);
    expect(d.json).toEqual({ id, object: 'personal_connector.configuration', deleted: true });
    expect((await h.request('GET', `${BASE}/${id}`)).status).toBe(404);
  });

  it('health writes leave the ETag alone: a PATCH with If-Match succeeds unless a user changed something in between', async () => {
    const c = await h.request('POST', BASE, { body: gh({ name: 'etag fine' }) });
    const id = c.json.id!;
    const read = await h.request('GET', `${BASE}/${id}`);
    expect(read.headers.get('etag')).toBe('"1"');
    // Background writes between the read and the write: a health check, and the gateway's own health writes.
    const tested = await h.request('POST', `${BASE}/${id}/test`);
    expect(tested.json.health_status).toBe('healthy');
    expect(tested.headers.get('etag')).toBe('"1"');
    await h.ctx.store.updateConfiguration(id, (r) => ({ ...r, health_status: 'unhealthy', last_error: 'GitHub answered 401 Unauthorized' }));
    await h.ctx.store.updateConfiguration(id, (r) => ({ ...r, credentials_sealed: { ...r.credentials_sealed!, iv: Buffer.alloc(12, 1).toString('base64') } }));
    expect((await h.request('GET', `${BASE}/${id}`)).headers.get('etag')).toBe('"1"');

    const p = await h.request('PATCH', `${BASE}/${id}`, { body: { description: 'still mine' }, headers: { 'if-match': read.headers.get('etag')! } });
    expect(p.status).toBe(200);
    expect(p.headers.get('etag')).toBe('"2"');
    // A user-visible change by someone else in between still makes the stale writer lose.
    const other = await h.request('PATCH', `${BASE}/${id}`, { body: { metadata: { by: 'someone else' } }, headers: { 'if-match': '"2"' } });
    expect(other.headers.get('etag')).toBe('"3"');
    const stale = await h.request('PATCH', `${BASE}/${id}`, { body: { description: 'lost' }, headers: { 'if-match': '"2"' } });
    expect(stale.status).toBe(409);
    expect(stale.json.error?.code).toBe('version_conflict');
  });

  it('runs the health check on POST …/test and returns the updated object', async () => {
    const ok = await h.request('POST', BASE, { body: gh({ name: 'fine' }) });
    const t = await h.request('POST', `${BASE}/${ok.json.id!}/test`);
    expect(t.status).toBe(200);
    expect(t.json.health_status).toBe('healthy');
    expect(t.json.last_sync_at).toEqual(expect.any(String));
    const bad = await h.request('POST', BASE, { body: gh({ name: 'broken one' }) });
    const t2 = await h.request('POST', `${BASE}/${bad.json.id!}/test`);
    expect(t2.json).toMatchObject({ health_status: 'unhealthy', last_error: 'GitHub answered 401: bad credentials' });
  });

  it('filters by connector, enabled, health and metadata, and paginates', async () => {
    const key = h.keys.a2;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await h.request('POST', BASE, { key, body: gh({ name: `g${i}`, enabled: i % 2 === 0, metadata: { team: i < 3 ? 'core' : 'web' } }) });
      expect(r.status).toBe(201);
      ids.push(r.json.id!);
    }
    await h.request('POST', BASE, { key, body: { personal_connector_id: 'pc_custom_mcp', name: 'mcp', configuration: { endpoint: 'https://example.com/mcp' } } });

    const all = await h.request('GET', `${BASE}?limit=100`, { key });
    expect(all.json).toMatchObject({ object: 'list', has_more: false, url: BASE });
    expect(all.json.data).toHaveLength(6);
    const byConnector = await h.request('GET', `${BASE}?personal_connector_id=pc_custom_mcp`, { key });
    expect(byConnector.json.data?.map((o) => o.name)).toEqual(['mcp']);
    const disabled = await h.request('GET', `${BASE}?enabled=false`, { key });
    expect(disabled.json.data?.map((o) => o.name).sort()).toEqual(['g1', 'g3']);
    const web = await h.request('GET', `${BASE}?metadata%5Bteam%5D=web`, { key });
    expect(web.json.data?.map((o) => o.name).sort()).toEqual(['g3', 'g4']);
    const webEnabled = await h.request('GET', `${BASE}?metadata[team]=web&enabled=true`, { key });
    expect(webEnabled.json.data?.map((o) => o.name)).toEqual(['g4']);
    const unknown = await h.request('GET', `${BASE}?health_status=unknown`, { key });
    expect(unknown.json.data).toHaveLength(6);

    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await h.request('GET', `${BASE}?limit=2${after ? `&starting_after=${after}` : ''}`, { key });
      expect(page.status).toBe(200);
      const data = page.json.data ?? [];
      seen.push(...data.map((o) => o.id!));
      if (!page.json.has_more) break;
      after = data[data.length - 1]?.id;
    }
    expect(seen).toEqual(all.json.data?.map((o) => o.id));
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['limit=abc', 'limit'],
    ['enabled=yes', 'enabled'],
    ['health_status=sick', 'health_status'],
    ['personal_connector_id=pc_nope', 'personal_connector_id'],
    ['starting_after=pconf_nothere', 'starting_after'],
    ['colour=blue', 'colour'],
  ])('refuses the list query %s naming %s', async (q, param) => {
    const r = await h.request('GET', `${BASE}?${q}`);
    expect(r.status).toBe(400);
    expect(r.json.error?.param).toBe(param);
  });

  it.each(REFUSALS)('refuses $rule and leaves the data file byte-for-byte unchanged', async ({ body, param, status }) => {
    const before = await h.dataFileText();
    const r = await h.request('POST', BASE, { body });
    expect(r.status).toBe(status);
    expect(r.json.error?.param === param || (r.json.error?.param ?? '').startsWith(param + '.')).toBe(true);
    expect(r.json.error?.message.startsWith(param)).toBe(true);
    expect(await h.dataFileText()).toBe(before);
  });

  it('refuses a PATCH that breaks a rule without touching the file', async () => {
    const c = await h.request('POST', BASE, { body: gh() });
    const before = await h.dataFileText();
    for (const [body, param] of [
      [{ configuration: { repository: 'x' } }, 'configuration.repository'],
      [{ credentials: null }, 'credentials'],
      [{ credentials: { type: 'oauth2' } }, 'credentials.access_token'],
      [{ id: 'pconf_x' }, 'id'],
      [{ name: '' }, 'name'],
    ] as const) {
      const r = await h.request('PATCH', `${BASE}/${c.json.id!}`, { body });
      expect(r.status).toBe(400);
      expect(r.json.error?.param).toBe(param);
    }
    const same = await h.request('PATCH', `${BASE}/${c.json.id!}`, { body: { name: 'My GitHub' } });
    expect(same.headers.get('etag')).toBe('"1"');
    expect(await h.dataFileText()).toBe(before);
  });
});

describe('REST edges', () => {
  it('401 without a key, with a wrong key and with a revoked key', async () => {
    const none = await h.request('GET', BASE, { key: null });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(none.json.error?.type).toBe('authentication_error');
    expect((await h.request('GET', BASE, { key: 'cgw_' + 'x'.repeat(40) })).status).toBe(401);
    const k = await h.ctx.apiKeys.create({ organization_id: 'org_a', user_id: 'usr_a1' });
    expect((await h.request('GET', BASE, { key: k.secret })).status).toBe(200);
    await h.ctx.apiKeys.revoke(k.id);
    const revoked = await h.request('GET', BASE, { key: k.secret });
    expect(revoked.status).toBe(401);
    expect(revoked.json.error?.code).toBe('api_key_revoked');
  });

  it('400 on malformed JSON and on a non-object body', async () => {
    const r = await h.request('POST', BASE, { raw: '{"name": ', headers: { 'content-type': 'application/json' } });
    expect(r.status).toBe(400);
    expect(r.json.error?.code).toBe('invalid_json');
    expect((await h.request('POST', BASE, { body: [1, 2] })).status).toBe(400);
    expect((await h.request('POST', BASE)).status).toBe(400);
  });

  it('400 naming the field for bodies nested too deep, on create and on a merge patch; the record is unchanged', async () => {
    const deep = (levels: number) => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
    const c = await h.request('POST', BASE, { body: gh() });
    const before = await h.request('GET', `${BASE}/${c.json.id!}`);
    // 10,000 levels used to overflow the stack in the merge patch (a 500 found by the REST fuzz suite).
    for (const [method, path, raw] of [
      ['POST', BASE, `{"personal_connector_id":"pc_github","name":"x","configuration":{"repository":"a/b","custom":${deep(10_000)}}}`],
      ['PATCH', `${BASE}/${c.json.id!}`, `{"configuration":${deep(10_000)}}`],
    ] as const) {
      const r = await h.request(method, path, { raw, headers: { 'content-type': 'application/json' } });
      expect(r.status).toBe(400);
      expect(r.json.error?.code).toBe('too_deep');
      expect(r.json.error?.param).toMatch(/^configuration\.(custom\.)?a\.a/);
      expect(r.json.error?.message).toContain('nested deeper than 64 levels');
    }
    expect((await h.request('GET', `${BASE}/${c.json.id!}`)).json).toEqual(before.json);
    // The bound itself: 64 levels below the body pass, one more does not.
    const nest = (levels: number): unknown => (levels === 0 ? 1 : { a: nest(levels - 1) });
    expect(pathDeeperThan(nest(64), 64)).toBeUndefined();
    expect(pathDeeperThan(nest(65), 64)).toBe(Array(64).fill('a').join('.'));
  });

  it('413 past the body limit', async () => {
    const r = await h.request('POST', BASE, { body: gh({ description: 'x'.repeat(2 * 1024 * 1024) }) });
    expect(r.status).toBe(413);
    expect(r.json.error?.code).toBe('payload_too_large');
  });

  it('404 on unknown routes, 405 on wrong methods, /healthz without auth', async () => {
    expect((await h.request('GET', '/v1/nothing')).status).toBe(404);
    expect((await h.request('GET', '/v1/nothing', { key: null })).status).toBe(401);
    const m = await h.request('PUT', BASE);
    expect(m.status).toBe(405);
    expect(m.headers.get('allow')).toBe('GET, POST');
    const hz = await h.request('GET', '/healthz', { key: null });
    expect(hz.status).toBe(200);
  });

  it('refuses foreign Host and Origin headers (DNS rebinding)', async () => {
    const port = new URL(h.server.url).port;
    const { request } = await import('node:http');
    const status = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/healthz', headers }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
    expect(await status({ host: `evil.example:${port}` })).toBe(403);
    expect(await status({ host: `localhost:${port}` })).toBe(200);
    expect(await status({ host: `127.0.0.1:${port}`, origin: 'https://evil.example' })).toBe(403);
    expect(await status({ host: `127.0.0.1:${port}`, origin: `http://localhost:${port}` })).toBe(200);
  });

  it('serves the connector objects', async () => {
    const list = await h.request('GET', '/v1/personal_connectors');
    expect(list.json.object).toBe('list');
    expect(list.json.data?.map((c) => c.id)).toEqual(['pc_github', 'pc_clickup', 'pc_jira', 'pc_teams', 'pc_custom_mcp']);
    const one = await h.request('GET', '/v1/personal_connectors/pc_teams');
    expect(one.json).toMatchObject({ id: 'pc_teams', object: 'personal_connector', auth_methods: ['oauth2', 'bearer'] });
    expect((await h.request('GET', '/v1/personal_connectors/pc_nope')).status).toBe(404);
  });
});
