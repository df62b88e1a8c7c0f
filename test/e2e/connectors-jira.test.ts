/** Jira through the gateway: MCP client → gateway (HTTP) → pc_jira → the loopback Jira Cloud fake. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jiraConnector } from '../../connectors/jira/index.js';
import { startFakeJira, type FakeJira } from '../fakes/jira.js';
import { expectNamespacedTools, expectOk, expectRevocationReported, freshUser, rpcErrorCode, routeOf, startConnectorE2E, textOf, type ConnectorE2E } from '../helpers/connector-e2e.js';

const EMAIL = 'ada@example.com';
const TOKEN = 'jira-api-token-123';
const BASIC = `Basic ${Buffer.from(`${EMAIL}:${TOKEN}`).toString('base64')}`;
let env: ConnectorE2E<FakeJira>;

beforeAll(async () => {
  env = await startConnectorE2E({
    // Pages of two issues, so a search of six needs three pages.
    startFake: () => startFakeJira({ email: EMAIL, apiToken: TOKEN, searchPageSize: 2, seedIssues: 7 }),
    connector: 'pc_jira',
    name: 'Acme Jira',
    configuration: (f) => ({ site_url: f.url, email: EMAIL, project_key: 'PROJ', issue_type: 'Task' }),
    credentials: () => ({ type: 'api_key', api_key: TOKEN }),
  });
});
afterAll(async () => {
  await env?.close();
});

const call = (name: string, args: Record<string, unknown>) => env.client.callTool({ name, arguments: args });

describe('Jira through the gateway', () => {
  it('lists every tool as acme_jira_<tool>, naming the configuration, with Jira’s annotations', async () => {
    const { tools } = await env.client.listTools();
    expectNamespacedTools(tools, { slug: 'acme_jira', configuration: env.configuration, connectorName: 'Jira', upstream: jiraConnector.tools });
    expect(tools.find((t) => t.name === 'acme_jira_search_issues')?.annotations).toMatchObject({ readOnlyHint: true });
    expect(tools.find((t) => t.name === 'acme_jira_create_issue')?.annotations).toMatchObject({ readOnlyHint: false });
  });

  it('a read call sends Basic email:api_token', async () => {
    const before = env.fake.requests.length;
    const r = await call('acme_jira_get_issue', { key: 'PROJ-1' });
    expect(expectOk(r)).toMatchObject({ key: 'PROJ-1', summary: 'Seeded issue 1', description: 'Body of issue 1' });
    expect(textOf(r)).toContain('Seeded issue 1');
    const sent = env.fake.requests.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ method: 'GET', path: '/rest/api/3/issue/PROJ-1' });
    expect(sent[0]?.headers.authorization).toBe(BASIC);
  });

  it('a write call creates the issue in the configured project with the configured type', async () => {
    const before = env.fake.requests.length;
    const r = await call('acme_jira_create_issue', { summary: 'Filed through MCP', description: 'From the e2e test' });
    const out = expectOk(r) as { key: string };
    expect(out).toMatchObject({ project_key: 'PROJ', issue_type: 'Task', summary: 'Filed through MCP' });
    const sent = env.fake.requests.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ method: 'POST', path: '/rest/api/3/issue', body: { fields: { project: { key: 'PROJ' }, issuetype: { name: 'Task' }, summary: 'Filed through MCP' } } });
    expect(sent[0]?.headers.authorization).toBe(BASIC);
    expect(env.fake.state.issues.some((i) => i.key === out.key && i.summary === 'Filed through MCP')).toBe(true);
  });

  it('a 429 with Retry-After: 1 is waited out and the call succeeds', async () => {
    const before = env.fake.requests.length;
    env.fake.inject({ status: 429, retryAfterSeconds: 1 });
    const r = await call('acme_jira_get_issue', { key: 'PROJ-2' });
    expect(expectOk(r)).toMatchObject({ key: 'PROJ-2' });
    const sent = env.fake.requests.slice(before);
    expect(sent.map((s) => `${s.method} ${s.path}`)).toEqual(['GET /rest/api/3/issue/PROJ-2', 'GET /rest/api/3/issue/PROJ-2']);
    expect((sent[1]?.at ?? 0) - (sent[0]?.at ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it('follows nextPageToken across three pages', async () => {
    const before = env.fake.requests.length;
    const r = await call('acme_jira_search_issues', { jql: 'project = PROJ ORDER BY key ASC', limit: 6 });
    const out = expectOk(r) as { issues: { key: string }[]; next_page_token: string | null };
    const sent = env.fake.requests.slice(before);
    expect(sent.map((s) => `${s.method} ${s.path}`)).toEqual(Array(3).fill('POST /rest/api/3/search/jql'));
    const tokens = sent.map((s) => (s.body as { nextPageToken?: string }).nextPageToken);
    expect(tokens[0]).toBeUndefined();
    expect(new Set(tokens.slice(1)).size).toBe(2);
    expect(out.issues.map((i) => i.key)).toEqual(['PROJ-1', 'PROJ-2', 'PROJ-3', 'PROJ-4', 'PROJ-5', 'PROJ-6']);
    expect(out.next_page_token).toEqual(expect.any(String));
  });

  it('bad arguments come back as isError and send nothing to Jira', async () => {
    const before = env.fake.requests.length;
    const r = await call('acme_jira_search_issues', { limit: 0 });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/limit/);
    const bad = await call('acme_jira_create_issue', { summary: 'x', project_key: 'not a key' });
    expect(bad.isError).toBe(true);
    expect(textOf(bad)).toMatch(/project_key/);
    expect(env.fake.requests.length).toBe(before);
  });

  it('a revoked token turns the configuration unhealthy with a useful last_error', async () => {
    // The fake revokes every credential at once: a separate instance keeps the others working.
    const other = await startFakeJira({ email: EMAIL, apiToken: TOKEN });
    try {
      const user = freshUser('jirevoke');
      const conf = await env.addConfiguration({ user, connector: 'pc_jira', name: 'Revocable', configuration: { site_url: other.url, email: EMAIL }, credentials: { type: 'api_key', api_key: TOKEN } });
      const { after } = await expectRevocationReported(env.h, { client: await env.connect(user), tool: 'revocable_get_myself', configuration: conf, revoke: () => other.revokeToken(), secrets: [TOKEN] });
      expect(after.last_error).not.toContain(BASIC.slice('Basic '.length));
    } finally {
      await other.close();
    }
  });

  it('read_only: write tools are neither listed nor callable', async () => {
    const user = freshUser('jiro');
    await env.addConfiguration({ user, connector: 'pc_jira', name: 'Reader', configuration: { site_url: env.fake.url, email: EMAIL, project_key: 'PROJ', read_only: true }, credentials: { type: 'api_key', api_key: TOKEN } });
    const c = await env.connect(user);
    const names = (await c.listTools()).tools.map((t) => t.name).sort();
    expect(names).toEqual(['reader_get_issue', 'reader_get_myself', 'reader_list_projects', 'reader_list_transitions', 'reader_search_issues']);
    const before = env.fake.requests.length;
    for (const write of ['create_issue', 'update_issue', 'add_comment', 'transition_issue', 'assign_issue']) {
      expect(await rpcErrorCode(c.callTool({ name: `reader_${write}`, arguments: { key: 'PROJ-1', summary: 'x' } }))).toBe(-32602);
    }
    expect(env.fake.requests.length).toBe(before);
  });

  it('two configurations with the same name get distinct tool names', async () => {
    const user = freshUser('jitwins');
    const a = await env.addConfiguration({ user, connector: 'pc_jira', name: 'Jira', configuration: { site_url: env.fake.url, email: EMAIL, project_key: 'PROJ' }, credentials: { type: 'api_key', api_key: TOKEN } });
    const b = await env.addConfiguration({ user, connector: 'pc_jira', name: 'Jira', configuration: { site_url: env.fake.url, email: EMAIL, project_key: 'OPS' }, credentials: { type: 'api_key', api_key: TOKEN } });
    const c = await env.connect(user);
    const tools = (await c.listTools()).tools;
    const nameOf = (id: string) => tools.find((t) => routeOf(t).configuration_id === id && routeOf(t).upstream_tool === 'search_issues')?.name ?? '';
    expect(nameOf(a.id)).toBe('jira_search_issues');
    expect(nameOf(b.id)).toMatch(/^jira_[0-9a-f]{6}_search_issues$/);
    const out = expectOk(await c.callTool({ name: nameOf(b.id), arguments: {} })) as { issues: { key: string }[] };
    expect(out.issues.map((i) => i.key)).toEqual(['OPS-1']);
    const again = await env.connect(user);
    expect((await again.listTools()).tools.map((t) => t.name)).toEqual(tools.map((t) => t.name));
  });
});
