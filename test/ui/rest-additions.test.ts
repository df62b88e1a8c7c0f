import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_GITHUB_TOKEN, startFakeGithub, type FakeGithub } from '../fakes/github.js';
import { startPageServer, type PageServer } from './harness.js';

const CONFIGS = '/v1/personal_connectors/configurations';

/** The REST routes the page needed: API keys, and a configuration's tools. */
describe('/v1/api_keys and …/{id}/tools', () => {
  let s: PageServer;
  let github: FakeGithub;
  let id = '';
  beforeAll(async () => {
    github = await startFakeGithub({ tokens: [FAKE_GITHUB_TOKEN] });
    // An OAuth client for Jira only: the connector listing says where OAuth can connect an account.
    s = await startPageServer({ env: { CONNECTOR_GATEWAY_ALLOW_LOOPBACK: '1' }, settings: { oauth: { pc_jira: { issuer: 'https://auth.atlassian.com', client_id: 'jira-client' } } } });
    const created = await s.request('POST', CONFIGS, { bearer: s.keys.p1, body: { personal_connector_id: 'pc_github', name: 'Rest GitHub', configuration: { api_base_url: github.url, repository: 'acme/backend' }, credentials: { type: 'api_key', api_key: FAKE_GITHUB_TOKEN } } });
    expect(created.status, created.text).toBe(201);
    id = String(created.json.id);
  });
  afterAll(async () => {
    await s?.close();
    await github?.close();
  });

  it('connectors say whether OAuth can connect an account here (a client is set up, or a remote MCP server announces one)', async () => {
    const list = await s.request('GET', '/v1/personal_connectors', { bearer: s.keys.p1 });
    expect(list.status, list.text).toBe(200);
    const byId = Object.fromEntries(list.json.data!.map((c) => [String(c.id), c.oauth_connect]));
    expect(byId).toMatchObject({ pc_jira: true, pc_custom_mcp: true, pc_github: false, pc_teams: false, pc_clickup: false });
    expect((await s.request('GET', '/v1/personal_connectors/pc_jira', { bearer: s.keys.p1 })).json.oauth_connect).toBe(true);
  });

  it('without auth.oidc.page the page is offered no OIDC sign-in', async () => {
    // Not a route here: anonymous callers learn nothing (401), signed-in ones get 404.
    expect((await s.request('GET', '/v1/sessions/oidc')).status).toBe(401);
    expect((await s.request('GET', '/v1/sessions/oidc', { bearer: s.keys.p1 })).status).toBe(404);
    expect((await s.request('GET', '/v1/sessions/oidc/start', { bearer: s.keys.p1 })).status).toBe(404);
  });

  it('a user lists, creates (secret once) and revokes only its own keys', async () => {
    const created = await s.request('POST', '/v1/api_keys', { bearer: s.keys.p1, body: { name: 'ci' } });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ object: 'api_key', organization_id: 'org_p', user_id: 'usr_p1', name: 'ci' });
    const secret = String(created.json.secret);
    const list = await s.request('GET', '/v1/api_keys', { bearer: s.keys.p1 });
    expect(list.text).not.toContain(secret);
    expect(list.json.data!.every((k) => k.user_id === 'usr_p1')).toBe(true);
    expect(list.json.data!.map((k) => k.id)).toContain(created.json.id);
    // usr_p2 (same organization) neither sees nor revokes it.
    expect((await s.request('GET', '/v1/api_keys', { bearer: s.keys.p2 })).json.data!.map((k) => k.id)).not.toContain(created.json.id);
    expect((await s.request('DELETE', `/v1/api_keys/${String(created.json.id)}`, { bearer: s.keys.p2 })).status).toBe(404);
    expect((await s.request('GET', CONFIGS, { bearer: secret })).status).toBe(200);
    const revoked = await s.request('DELETE', `/v1/api_keys/${String(created.json.id)}`, { bearer: s.keys.p1 });
    expect(revoked.status).toBe(200);
    expect(revoked.json.revoked_at).toBeTruthy();
    expect((await s.request('GET', CONFIGS, { bearer: secret })).status).toBe(401);
    const bad = await s.request('POST', '/v1/api_keys', { bearer: s.keys.p1, body: { name: '', extra: 1 } });
    expect(bad.status).toBe(400);
    expect(bad.json.error?.param).toBeTruthy();
  });

  it('lists a configuration’s tools and calls one through the gateway; another user gets 404', async () => {
    const tools = await s.request('GET', `${CONFIGS}/${id}/tools`, { bearer: s.keys.p1 });
    expect(tools.status, tools.text).toBe(200);
    const names = tools.json.data!.map((t) => String(t.name));
    expect(names).toContain('rest_github_get_issue');
    const call = await s.request('POST', `${CONFIGS}/${id}/tools/call`, { bearer: s.keys.p1, body: { name: 'rest_github_get_issue', arguments: { issue_number: 1 } } });
    expect(call.status, call.text).toBe(200);
    expect(call.json).toMatchObject({ object: 'tool_result', configuration_id: id, name: 'rest_github_get_issue' });
    expect(call.text).toContain('Issue number 1');
    expect(call.text).not.toContain(FAKE_GITHUB_TOKEN);
    expect((await s.request('GET', `${CONFIGS}/${id}/tools`, { bearer: s.keys.p2 })).status).toBe(404);
    expect((await s.request('POST', `${CONFIGS}/${id}/tools/call`, { bearer: s.keys.p2, body: { name: 'rest_github_get_issue' } })).status).toBe(404);
    const unknown = await s.request('POST', `${CONFIGS}/${id}/tools/call`, { bearer: s.keys.p1, body: { name: 'nope' } });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error?.param).toBe('name');
    const wrongArgs = await s.request('POST', `${CONFIGS}/${id}/tools/call`, { bearer: s.keys.p1, body: { name: 'rest_github_get_issue', arguments: 'x' } });
    expect(wrongArgs.status).toBe(400);
    expect(wrongArgs.json.error?.param).toBe('arguments');
  });
});
