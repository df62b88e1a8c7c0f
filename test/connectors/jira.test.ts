import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { CallToolResult, Tool } from '@modelcontextprotocol/server';
import { jiraConnector, JiraConfigSchema } from '../../connectors/jira/index.js';
import { textToAdf } from '../../connectors/jira/adf.js';
import type { ConnectorSession } from '../../src/domain/connector.js';
import type { Credentials } from '../../src/domain/credentials.js';
import { UpstreamError, ValidationError } from '../../src/domain/errors.js';
import { silentLogger } from '../../src/domain/logger.js';
import { createHttpClientFactory, type ClosableHttpClientFactory } from '../../src/http/factory.js';
import { startFakeJira, type FakeJira, type RecordedRequest } from '../fakes/jira.js';
import { staticCredentials } from '../helpers/credentials.js';

const EMAIL = 'ada@example.com';
const TOKEN = 'jira-api-token-123';
const OAUTH = 'jira-oauth-access-token';
const CLOUD_ID = '11111111-2222-4333-8444-555555555555';
const BASIC = `Basic ${Buffer.from(`${EMAIL}:${TOKEN}`).toString('base64')}`;
const GRACE = '557058:f58131cb-b67d-43c7-b30d-6b58d40bd077';
const ADA = '5b10a2844c20165700ede21g';
const HIDDEN = '712020:2c3f4a5b-6d7e-4f80-9a1b-2c3d4e5f6a7b';
const apiKey: Credentials = { type: 'api_key', api_key: TOKEN };

let fake: FakeJira;
let paged: FakeJira;
let http: ClosableHttpClientFactory;

beforeAll(async () => {
  fake = await startFakeJira();
  paged = await startFakeJira({ searchPageSize: 2, projectPageSize: 2, seedIssues: 7 });
  http = createHttpClientFactory({ retry: { baseDelayMs: 10, maxDelayMs: 50 } });
});

afterAll(async () => {
  await http.close();
  await fake.close();
  await paged.close();
});

async function open(config: Record<string, unknown> = {}, credentials: Credentials = apiKey, target: FakeJira = fake): Promise<ConnectorSession> {
  const parsed = JiraConfigSchema.parse({ site_url: 'https://acme.atlassian.net', email: EMAIL, api_base_url: target.url, project_key: 'PROJ', ...config });
  return jiraConnector.open({
    configurationId: 'pconf_test1',
    configurationName: 'Test',
    config: parsed,
    credentials: staticCredentials(credentials),
    http,
    network: { allowLoopback: true, allowPrivate: false },
    signal: new AbortController().signal,
    log: silentLogger,
  });
}

const signal = () => ({ signal: new AbortController().signal });

/** The requests a block of work caused, in order. */
async function capture<T>(target: FakeJira, fn: () => Promise<T>): Promise<{ result: T; sent: RecordedRequest[] }> {
  const mark = target.requests.length;
  const result = await fn();
  return { result, sent: target.requests.slice(mark) };
}

function toolDescriptor(name: string): Tool {
  const t = jiraConnector.tools.find((x) => x.name === name);
  if (!t) throw new Error(`no tool ${name}`);
  return t;
}

/** Text and structuredContent of a successful call, the latter checked against the advertised outputSchema. */
function ok(name: string, r: CallToolResult): { text: string; data: Record<string, unknown> } {
  const first = r.content[0];
  if (r.isError) throw new Error(`tool ${name} failed: ${first && first.type === 'text' ? first.text : '?'}`);
  const schema = z.fromJSONSchema(toolDescriptor(name).outputSchema as Parameters<typeof z.fromJSONSchema>[0]);
  const data = schema.parse(r.structuredContent) as Record<string, unknown>;
  return { text: first && first.type === 'text' ? first.text : '', data };
}

function errText(r: CallToolResult): string {
  expect(r.isError).toBe(true);
  const first = r.content[0];
  return first && first.type === 'text' ? first.text : '';
}

describe('JiraConfigSchema', () => {
  it('accepts the spec example with a site and defaults issue_type to Task', () => {
    const c = JiraConfigSchema.parse({ site_url: 'https://acme.atlassian.net/', project_key: 'PROJ', default_assignee: 'user@example.com' });
    expect(c).toMatchObject({ site_url: 'https://acme.atlassian.net', project_key: 'PROJ', issue_type: 'Task', default_assignee: 'user@example.com' });
    expect(JiraConfigSchema.parse({ cloud_id: CLOUD_ID, default_assignee: GRACE }).default_assignee).toBe(GRACE);
  });

  it.each([
    [{ site_url: 'https://acme.atlassian.net', token: 'x' }, ''],
    [{ site_url: 'https://acme.atlassian.net', project_key: 'proj' }, 'project_key'],
    [{ site_url: 'https://acme.atlassian.net', project_key: 'P' }, 'project_key'],
    [{ site_url: 'https://acme.atlassian.net', project_key: 'TOOLONGKEY1' }, 'project_key'],
    [{ project_key: 'PROJ' }, 'site_url'],
    [{ site_url: 'http://acme.atlassian.net' }, 'site_url'],
    [{ site_url: 'https://acme.atlassian.net/jira' }, 'site_url'],
    [{ site_url: 'ftp://acme.atlassian.net' }, 'site_url'],
    [{ cloud_id: '../../etc' }, 'cloud_id'],
    [{ site_url: 'https://acme.atlassian.net', email: 'not-an-email' }, 'email'],
    [{ site_url: 'https://acme.atlassian.net', default_assignee: 'two words' }, 'default_assignee'],
    [{ site_url: 'https://acme.atlassian.net', issue_type: '' }, 'issue_type'],
    [{ site_url: 'https://acme.atlassian.net', read_only: 'yes' }, 'read_only'],
  ])('refuses %j', (input, field) => {
    const r = JiraConfigSchema.safeParse(input);
    expect(r.success).toBe(false);
    if (!r.success && field) expect(r.error.issues.map((i) => i.path.join('.'))).toContain(field);
  });

  it('accepts http only on loopback', () => {
    expect(JiraConfigSchema.parse({ site_url: 'http://127.0.0.1:8080' }).site_url).toBe('http://127.0.0.1:8080');
  });
});

describe('Jira session: tools and health', () => {
  it('lists the ten tools; read_only keeps only the read tools', async () => {
    const all = await (await open()).listTools(signal().signal);
    expect(all.map((t) => t.name)).toEqual([
      'search_issues', 'get_issue', 'create_issue', 'update_issue', 'add_comment',
      'list_transitions', 'transition_issue', 'assign_issue', 'list_projects', 'get_myself',
    ]);
    const ro = await (await open({ read_only: true })).listTools(signal().signal);
    expect(ro.map((t) => t.name)).toEqual(['search_issues', 'get_issue', 'list_transitions', 'list_projects', 'get_myself']);
    expect(ro.every((t) => t.annotations?.readOnlyHint === true)).toBe(true);
  });

  it('read_only refuses a write tool without a request', async () => {
    const s = await open({ read_only: true });
    const { result, sent } = await capture(fake, () => s.callTool('create_issue', { summary: 'x' }, signal()));
    expect(errText(result)).toMatch(/read-only/);
    expect(sent).toHaveLength(0);
  });

  it('health check sends Basic email:api_token to /rest/api/3/myself', async () => {
    const s = await open();
    const { sent } = await capture(fake, () => s.check(signal().signal));
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ method: 'GET', path: '/rest/api/3/myself' });
    expect(sent[0]?.headers.authorization).toBe(BASIC);
    expect(sent[0]?.headers.accept).toBe('application/json');
  });

  it('api_key credentials without email fail with a ValidationError naming the field, before any request', async () => {
    const s = await open({ email: undefined });
    const { sent } = await capture(fake, async () => {
      const e = await s.check(signal().signal).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ValidationError);
      expect((e as ValidationError).message).toMatch(/email is required/);
      expect((e as ValidationError).message).not.toContain(TOKEN);
    });
    expect(sent).toHaveLength(0);
  });

  it('OAuth 2.0 goes through /ex/jira/{cloud_id} with a Bearer token', async () => {
    const s = await open({ site_url: undefined, email: undefined, cloud_id: CLOUD_ID, api_base_url: fake.gatewayUrl }, { type: 'oauth2', access_token: OAUTH });
    const { result, sent } = await capture(fake, () => s.callTool('get_issue', { key: 'PROJ-1' }, signal()));
    expect(sent[0]?.path).toBe(`/ex/jira/${CLOUD_ID}/rest/api/3/issue/PROJ-1`);
    expect(sent[0]?.headers.authorization).toBe(`Bearer ${OAUTH}`);
    // No site_url: there is no browse link to build.
    expect(ok('get_issue', result).data.url).toBeNull();
  });

  it('an OAuth token Jira refuses is refreshed once and the call retried', async () => {
    const stale: Credentials = { type: 'oauth2', access_token: 'expired-token', refresh_token: 'r1' };
    const fresh: Credentials = { type: 'oauth2', access_token: OAUTH, refresh_token: 'r2' };
    const credentials = staticCredentials(stale, fresh);
    const config = JiraConfigSchema.parse({ cloud_id: CLOUD_ID, api_base_url: fake.gatewayUrl });
    const s = await jiraConnector.open({
      configurationId: 'pconf_test2', configurationName: 'OAuth', config, credentials, http,
      network: { allowLoopback: true, allowPrivate: false }, signal: new AbortController().signal, log: silentLogger,
    });
    const { result, sent } = await capture(fake, () => s.callTool('get_myself', {}, signal()));
    expect(sent.map((r) => r.headers.authorization)).toEqual(['Bearer expired-token', `Bearer ${OAUTH}`]);
    expect(credentials.refreshes).toBe(1);
    expect(ok('get_myself', result).data.account_id).toBe(ADA);
  });

  it('a Bearer token on the site itself is refused as bad credentials', async () => {
    const s = await open({}, { type: 'bearer', token: OAUTH });
    const e = await s.check(signal().signal).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UpstreamError);
    expect((e as UpstreamError).kind).toBe('credentials');
  });

  it('a revoked token fails the health check with kind credentials and no secret in the message', async () => {
    const revoked = await startFakeJira();
    try {
      const s = await open({}, apiKey, revoked);
      await s.check(signal().signal);
      revoked.revokeToken();
      const e = await s.check(signal().signal).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(UpstreamError);
      expect((e as UpstreamError).kind).toBe('credentials');
      expect((e as UpstreamError).upstreamStatus).toBe(401);
      expect((e as UpstreamError).message).not.toContain(TOKEN);
      expect((e as UpstreamError).message).not.toContain(BASIC.slice(6));
    } finally {
      await revoked.close();
    }
  });
});

describe('search_issues', () => {
  it('scopes JQL without a project clause to the configured project', async () => {
    const s = await open();
    const { result, sent } = await capture(fake, () => s.callTool('search_issues', { jql: 'status = "In Progress" ORDER BY created ASC' }, signal()));
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ method: 'POST', path: '/rest/api/3/search/jql' });
    expect(sent[0]?.headers.authorization).toBe(BASIC);
    expect(sent[0]?.headers['content-type']).toMatch(/^application\/json/);
    expect(sent[0]?.body).toMatchObject({ jql: 'project = PROJ AND (status = "In Progress") ORDER BY created ASC', maxResults: 50 });
    expect((sent[0]?.body as { fields: string[] }).fields).toEqual(expect.arrayContaining(['summary', 'status', 'assignee']));
    const { text, data } = ok('search_issues', result);
    expect(data.issues).toEqual([expect.objectContaining({ key: 'PROJ-3', status: 'In Progress', status_category: 'In Progress', url: 'https://acme.atlassian.net/browse/PROJ-3' })]);
    expect(data.next_page_token).toBeNull();
    expect(text).toContain('PROJ-3 [In Progress] Seeded issue 3');
  });

  it('empty JQL lists the project by last update; an explicit project clause is kept', async () => {
    const s = await open();
    const a = await capture(fake, () => s.callTool('search_issues', { include_description: true, fields: ['customfield_10016'] }, signal()));
    expect(a.sent[0]?.body).toMatchObject({ jql: 'project = PROJ ORDER BY updated DESC' });
    const issues = ok('search_issues', a.result).data.issues as { key: string; description: string; extra: Record<string, unknown> }[];
    expect(issues[0]?.key).toBe('PROJ-5');
    expect(issues.find((i) => i.key === 'PROJ-1')?.description).toBe('Body of issue 1');
    expect(issues[0]?.extra).toEqual({ customfield_10016: 3 });

    const b = await capture(fake, () => s.callTool('search_issues', { jql: 'project = OPS' }, signal()));
    expect(b.sent[0]?.body).toMatchObject({ jql: 'project = OPS' });
    expect((ok('search_issues', b.result).data.issues as { key: string }[]).map((i) => i.key)).toEqual(['OPS-1']);
  });

  it('without project_key, an empty query is refused without a request', async () => {
    const s = await open({ project_key: undefined });
    const { result, sent } = await capture(fake, () => s.callTool('search_issues', { jql: ' ORDER BY created' }, signal()));
    expect(errText(result)).toMatch(/jql is required/);
    expect(sent).toHaveLength(0);
  });

  it('follows nextPageToken across pages and hands back the token when the limit is reached', async () => {
    const s = await open({}, apiKey, paged);
    const all = await capture(paged, () => s.callTool('search_issues', { jql: 'ORDER BY key ASC' }, signal()));
    expect(all.sent).toHaveLength(4);
    const bodies = all.sent.map((r) => r.body as { nextPageToken?: string; jql: string });
    expect(bodies[0]?.nextPageToken).toBeUndefined();
    expect(bodies.slice(1).every((b) => typeof b.nextPageToken === 'string')).toBe(true);
    expect(new Set(bodies.map((b) => b.jql))).toEqual(new Set(['project = PROJ ORDER BY key ASC']));
    const data = ok('search_issues', all.result).data;
    expect((data.issues as { key: string }[]).map((i) => i.key)).toEqual(['PROJ-1', 'PROJ-2', 'PROJ-3', 'PROJ-4', 'PROJ-5', 'PROJ-6', 'PROJ-7']);
    expect(data.next_page_token).toBeNull();

    const part = await capture(paged, () => s.callTool('search_issues', { jql: 'ORDER BY key ASC', limit: 3 }, signal()));
    expect(part.sent.map((r) => (r.body as { maxResults: number }).maxResults)).toEqual([3, 1]);
    const first = ok('search_issues', part.result).data;
    expect((first.issues as { key: string }[]).map((i) => i.key)).toEqual(['PROJ-1', 'PROJ-2', 'PROJ-3']);
    expect(typeof first.next_page_token).toBe('string');

    const rest = await capture(paged, () => s.callTool('search_issues', { jql: 'ORDER BY key ASC', page_token: first.next_page_token }, signal()));
    expect((rest.sent[0]?.body as { nextPageToken: string }).nextPageToken).toBe(first.next_page_token);
    expect((ok('search_issues', rest.result).data.issues as { key: string }[]).map((i) => i.key)).toEqual(['PROJ-4', 'PROJ-5', 'PROJ-6', 'PROJ-7']);
  });

  it('retries after a 429, honouring Retry-After', async () => {
    const s = await open();
    fake.inject({ status: 429, retryAfterSeconds: 1 });
    const { result, sent } = await capture(fake, () => s.callTool('search_issues', { jql: 'key = PROJ-2' }, signal()));
    expect(sent).toHaveLength(2);
    expect(sent[1]?.body).toEqual(sent[0]?.body);
    expect((sent[1]?.at ?? 0) - (sent[0]?.at ?? 0)).toBeGreaterThanOrEqual(900);
    expect((ok('search_issues', result).data.issues as { key: string }[]).map((i) => i.key)).toEqual(['PROJ-2']);
  });

  it('reports a JQL error from Jira as a validation failure', async () => {
    const s = await open();
    const e = await s.callTool('search_issues', { jql: 'nosuchfield = 1' }, signal()).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UpstreamError);
    expect((e as UpstreamError).kind).toBe('validation');
    expect((e as UpstreamError).message).toContain("Field 'nosuchfield' does not exist");
  });

  it('refuses bad arguments without a request', async () => {
    const s = await open();
    const { result, sent } = await capture(fake, () => s.callTool('search_issues', { jql: 'x', limit: 0, extra: 1 }, signal()));
    expect(errText(result)).toMatch(/limit/);
    expect(sent).toHaveLength(0);
  });
});

describe('issues', () => {
  it('get_issue reads one issue with its description and comments as text', async () => {
    fake.state.issues.find((i) => i.key === 'PROJ-2')!.comments.push({ id: '1', author: GRACE, body: textToAdf('Looks good\nto me'), created: '2025-02-01T00:00:00.000+0000' });
    const s = await open();
    const { result, sent } = await capture(fake, () => s.callTool('get_issue', { key: 'PROJ-2' }, signal()));
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ method: 'GET', path: '/rest/api/3/issue/PROJ-2' });
    expect(sent[0]?.query.fields?.split(',')).toEqual(expect.arrayContaining(['summary', 'description', 'comment', 'reporter']));
    expect(sent[0]?.headers.authorization).toBe(BASIC);
    const { text, data } = ok('get_issue', result);
    expect(data).toMatchObject({
      key: 'PROJ-2', summary: 'Seeded issue 2', description: 'Body of issue 2', labels: ['backend'], priority: 'Medium', issue_type: 'Task', project_key: 'PROJ',
      assignee: { account_id: GRACE, display_name: 'Grace Hopper', email: 'grace@example.com' }, reporter: { account_id: ADA }, comment_total: 1,
      comments: [{ id: '1', author: 'Grace Hopper', body: 'Looks good\nto me' }],
    });
    expect(text).toContain('Body of issue 2');
    expect(text).toContain('Grace Hopper');
  });

  it.each(['proj-1', 'PROJ', 'PROJ-1/../x', '12a', ''])('get_issue refuses the key %j without a request', async (key) => {
    const s = await open();
    const { result, sent } = await capture(fake, () => s.callTool('get_issue', { key }, signal()));
    expect(errText(result)).toMatch(/key/);
    expect(sent).toHaveLength(0);
  });

  it('get_issue accepts a numeric id; a missing issue is not_found', async () => {
    const s = await open();
    expect(ok('get_issue', await s.callTool('get_issue', { key: '10001' }, signal())).data.key).toBe('PROJ-1');
    const e = await s.callTool('get_issue', { key: 'PROJ-999' }, signal()).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UpstreamError);
    expect((e as UpstreamError).kind).toBe('not_found');
    expect((e as UpstreamError).message).toContain('Issue does not exist');
  });

  it('create_issue applies the configured defaults, resolves the assignee email and sends ADF', async () => {
    const s = await open({ default_assignee: 'grace@example.com', issue_type: 'Bug' });
    const { result, sent } = await capture(fake, () =>
      s.callTool('create_issue', { summary: 'Login fails', description: 'Steps:\n1. open\n2. click\n\nExpected: works', labels: ['auth'], priority: 'High' }, signal()),
    );
    expect(sent.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /rest/api/3/user/search', 'POST /rest/api/3/issue']);
    expect(sent[0]?.query.query).toBe('grace@example.com');
    expect(sent[1]?.headers.authorization).toBe(BASIC);
    expect(sent[1]?.body).toEqual({
      fields: {
        project: { key: 'PROJ' },
        issuetype: { name: 'Bug' },
        summary: 'Login fails',
        description: {
          type: 'doc',
          version: 1,
          content: [
            { type: 'paragraph', content: [{ type: 'text', text: 'Steps:' }, { type: 'hardBreak' }, { type: 'text', text: '1. open' }, { type: 'hardBreak' }, { type: 'text', text: '2. click' }] },
            { type: 'paragraph', content: [{ type: 'text', text: 'Expected: works' }] },
          ],
        },
        labels: ['auth'],
        priority: { name: 'High' },
        assignee: { accountId: GRACE },
      },
    });
    const { text, data } = ok('create_issue', result);
    expect(data).toMatchObject({ key: 'PROJ-6', project_key: 'PROJ', issue_type: 'Bug', assignee_account_id: GRACE, url: 'https://acme.atlassian.net/browse/PROJ-6' });
    expect(text).toContain('Created Bug PROJ-6');

    const found = ok('search_issues', await s.callTool('search_issues', { jql: 'labels = auth', include_description: true }, signal())).data.issues as { key: string; description: string }[];
    expect(found).toEqual([expect.objectContaining({ key: 'PROJ-6', description: 'Steps:\n1. open\n2. click\n\nExpected: works' })]);
  });

  it('create_issue: explicit arguments override defaults; a hidden-email user still resolves; "unassigned" skips the default', async () => {
    const s = await open({ default_assignee: 'grace@example.com' });
    const a = await capture(fake, () => s.callTool('create_issue', { summary: 'Ops work', project_key: 'OPS', issue_type: 'Task', assignee: 'hidden@example.com' }, signal()));
    expect((a.sent[1]?.body as { fields: Record<string, unknown> }).fields).toMatchObject({ project: { key: 'OPS' }, issuetype: { name: 'Task' }, assignee: { accountId: HIDDEN } });
    expect(ok('create_issue', a.result).data.key).toBe('OPS-2');

    const b = await capture(fake, () => s.callTool('create_issue', { summary: 'Nobody', assignee: 'unassigned' }, signal()));
    expect(b.sent.map((r) => r.path)).toEqual(['/rest/api/3/issue']);
    expect((b.sent[0]?.body as { fields: Record<string, unknown> }).fields.assignee).toBeUndefined();
    expect(ok('create_issue', b.result).data.assignee_account_id).toBeNull();
  });

  it('create_issue without a project (argument or default) is refused without a request', async () => {
    const s = await open({ project_key: undefined });
    const { result, sent } = await capture(fake, () => s.callTool('create_issue', { summary: 'x' }, signal()));
    expect(errText(result)).toMatch(/project_key is required/);
    expect(sent).toHaveLength(0);
    const multi = await capture(fake, () => s.callTool('create_issue', { summary: 'a\nb', project_key: 'PROJ' }, signal()));
    expect(errText(multi.result)).toMatch(/summary: must be a single line/);
    expect(multi.sent).toHaveLength(0);
  });

  it('create_issue surfaces Jira field errors (unknown issue type) as validation', async () => {
    const s = await open({ issue_type: 'Epic' });
    const e = await s.callTool('create_issue', { summary: 'x' }, signal()).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UpstreamError);
    expect((e as UpstreamError).kind).toBe('validation');
    expect((e as UpstreamError).message).toContain('issuetype');
  });

  it('update_issue edits the given fields only', async () => {
    const s = await open();
    const { result, sent } = await capture(fake, () => s.callTool('update_issue', { key: 'PROJ-4', summary: 'Renamed', description: 'New text', labels: [] }, signal()));
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ method: 'PUT', path: '/rest/api/3/issue/PROJ-4' });
    expect(sent[0]?.body).toEqual({ fields: { summary: 'Renamed', description: textToAdf('New text'), labels: [] } });
    const { text, data } = ok('update_issue', result);
    expect(data).toEqual({ key: 'PROJ-4', url: 'https://acme.atlassian.net/browse/PROJ-4', updated_fields: ['summary', 'description', 'labels'] });
    expect(text).toBe('Updated PROJ-4: summary, description, labels');
    expect(fake.state.issues.find((i) => i.key === 'PROJ-4')).toMatchObject({ summary: 'Renamed', labels: [] });

    const none = await capture(fake, () => s.callTool('update_issue', { key: 'PROJ-4' }, signal()));
    expect(errText(none.result)).toMatch(/at least one/);
    expect(none.sent).toHaveLength(0);
  });

  it('add_comment posts an ADF body', async () => {
    const s = await open();
    const { result, sent } = await capture(fake, () => s.callTool('add_comment', { key: 'PROJ-1', body: 'First\n\nSecond' }, signal()));
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ method: 'POST', path: '/rest/api/3/issue/PROJ-1/comment', body: { body: textToAdf('First\n\nSecond') } });
    const { text, data } = ok('add_comment', result);
    expect(data).toMatchObject({ key: 'PROJ-1', author: 'Ada Lovelace', body: 'First\n\nSecond' });
    expect(text).toMatch(/^Commented on PROJ-1/);
    expect(fake.state.issues.find((i) => i.key === 'PROJ-1')?.comments).toHaveLength(1);
  });
});

describe('workflow and people', () => {
  it('list_transitions shows the available transitions', async () => {
    const s = await open();
    const { result, sent } = await capture(fake, () => s.callTool('list_transitions', { key: 'PROJ-1' }, signal()));
    expect(sent[0]).toMatchObject({ method: 'GET', path: '/rest/api/3/issue/PROJ-1/transitions' });
    const { text, data } = ok('list_transitions', result);
    expect(data.transitions).toEqual([
      { id: '21', name: 'Start progress', to_status: 'In Progress', to_status_category: 'In Progress' },
      { id: '31', name: 'Done', to_status: 'Done', to_status_category: 'Done' },
    ]);
    expect(text).toContain('21: Start progress → In Progress');
  });

  it('transition_issue by name looks the id up; by id posts directly', async () => {
    const s = await open();
    const byName = await capture(fake, () => s.callTool('transition_issue', { key: 'PROJ-5', transition: 'in progress' }, signal()));
    expect(byName.sent.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /rest/api/3/issue/PROJ-5/transitions', 'POST /rest/api/3/issue/PROJ-5/transitions']);
    expect(byName.sent[1]?.body).toEqual({ transition: { id: '21' } });
    expect(ok('transition_issue', byName.result).data).toEqual({ key: 'PROJ-5', transition_id: '21', transition_name: 'Start progress', to_status: 'In Progress' });
    expect(fake.state.issues.find((i) => i.key === 'PROJ-5')?.status).toBe('In Progress');

    const byId = await capture(fake, () => s.callTool('transition_issue', { key: 'PROJ-5', transition: '31' }, signal()));
    expect(byId.sent.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /rest/api/3/issue/PROJ-5/transitions']);
    expect(ok('transition_issue', byId.result).text).toBe('Transitioned PROJ-5 with transition 31');
    expect(fake.state.issues.find((i) => i.key === 'PROJ-5')?.status).toBe('Done');
  });

  it('transition_issue with an unknown name names the available ones and posts nothing', async () => {
    const s = await open();
    const { result, sent } = await capture(fake, () => s.callTool('transition_issue', { key: 'PROJ-1', transition: 'Shipped' }, signal()));
    expect(errText(result)).toMatch(/no transition named "Shipped"; available: Start progress \(21\), Done \(31\)/);
    expect(sent.map((r) => r.method)).toEqual(['GET']);
  });

  it('assign_issue resolves an email, accepts an accountId, and "unassigned" clears', async () => {
    const s = await open({ default_assignee: ADA });
    const a = await capture(fake, () => s.callTool('assign_issue', { key: 'PROJ-1', assignee: 'Grace@Example.com' }, signal()));
    expect(a.sent.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /rest/api/3/user/search', 'PUT /rest/api/3/issue/PROJ-1/assignee']);
    expect(a.sent[1]?.body).toEqual({ accountId: GRACE });
    expect(ok('assign_issue', a.result).data).toEqual({ key: 'PROJ-1', assignee_account_id: GRACE });

    const d = await capture(fake, () => s.callTool('assign_issue', { key: 'PROJ-1' }, signal()));
    expect(d.sent.map((r) => r.body)).toEqual([{ accountId: ADA }]);

    const u = await capture(fake, () => s.callTool('assign_issue', { key: 'PROJ-1', assignee: 'unassigned' }, signal()));
    expect(u.sent[0]?.body).toEqual({ accountId: null });
    const { text, data } = ok('assign_issue', u.result);
    expect(data.assignee_account_id).toBeNull();
    expect(text).toBe('Unassigned PROJ-1');
    expect(fake.state.issues.find((i) => i.key === 'PROJ-1')?.assignee).toBeNull();
  });

  it('assign_issue with an unknown email is refused after the lookup, without a PUT', async () => {
    const s = await open();
    const { result, sent } = await capture(fake, () => s.callTool('assign_issue', { key: 'PROJ-1', assignee: 'nobody@example.com' }, signal()));
    expect(errText(result)).toMatch(/No active Jira user matches the email nobody@example.com/);
    expect(sent.map((r) => r.method)).toEqual(['GET']);
  });

  it('list_projects follows startAt pages until isLast', async () => {
    const s = await open({}, apiKey, paged);
    const { result, sent } = await capture(paged, () => s.callTool('list_projects', {}, signal()));
    expect(sent.map((r) => r.query.startAt)).toEqual(['0', '2', '4']);
    expect(sent.every((r) => r.path === '/rest/api/3/project/search' && r.headers.authorization === BASIC)).toBe(true);
    const { text, data } = ok('list_projects', result);
    expect((data.projects as { key: string }[]).map((p) => p.key)).toEqual(['DATA', 'INFRA', 'OPS', 'PROJ', 'WEB']);
    expect(data.has_more).toBe(false);
    expect(text).toContain('- PROJ: Project');

    const cut = await capture(paged, () => s.callTool('list_projects', { limit: 3 }, signal()));
    expect(cut.sent.map((r) => r.query.startAt)).toEqual(['0', '2']);
    const cutData = ok('list_projects', cut.result).data;
    expect((cutData.projects as { key: string }[]).map((p) => p.key)).toEqual(['DATA', 'INFRA', 'OPS']);
    expect(cutData.has_more).toBe(true);

    const filtered = await capture(paged, () => s.callTool('list_projects', { query: 'web' }, signal()));
    expect(filtered.sent[0]?.query.query).toBe('web');
    expect((ok('list_projects', filtered.result).data.projects as { key: string }[]).map((p) => p.key)).toEqual(['WEB']);
  });

  it('get_myself returns the account behind the credentials, retrying a 502', async () => {
    const s = await open();
    fake.inject({ status: 502 });
    const { result, sent } = await capture(fake, () => s.callTool('get_myself', {}, signal()));
    expect(sent.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /rest/api/3/myself', 'GET /rest/api/3/myself']);
    const { text, data } = ok('get_myself', result);
    expect(data).toEqual({ account_id: ADA, display_name: 'Ada Lovelace', email: EMAIL, time_zone: 'Europe/London', active: true, account_type: 'atlassian' });
    expect(text).toBe(`Ada Lovelace <${EMAIL}> (accountId ${ADA})`);
  });
});
