import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { CallToolResult, Tool } from '@modelcontextprotocol/server';
import { githubConnector, GithubConfigSchema, type GithubConfig } from '../../connectors/github/index.js';
import { createHttpClientFactory, type ClosableHttpClientFactory } from '../../src/http/factory.js';
import { UpstreamError } from '../../src/domain/errors.js';
import { silentLogger } from '../../src/domain/logger.js';
import type { Credentials } from '../../src/domain/credentials.js';
import type { ConnectorSession } from '../../src/domain/connector.js';
import fc from 'fast-check';
import { staticCredentials } from '../helpers/credentials.js';
import { inScope, isAncestorOfScope, normalizeRepoPath } from '../../connectors/github/paths.js';
import { filterDiff } from '../../connectors/github/diff.js';
import { blobSha, FAKE_GITHUB_TOKEN, startFakeGithub, type FakeGithub, type RecordedRequest } from '../fakes/github.js';

const REVOCABLE = 'ghp_revocableTokenForTests000000000000000';
let fake: FakeGithub;
let http: ClosableHttpClientFactory;
let scoped: ConnectorSession;
let open: ConnectorSession;
const tools = new Map<string, Tool>(githubConnector.tools.map((t) => [t.name, t]));

async function openSession(config: Partial<GithubConfig>, credentials: Credentials = { type: 'api_key', api_key: FAKE_GITHUB_TOKEN }) {
  return githubConnector.open({
    configurationId: 'pconf_test1',
    configurationName: 'Test',
    config: GithubConfigSchema.parse({ api_base_url: fake.url, ...config }),
    credentials: staticCredentials(credentials),
    http,
    network: { allowLoopback: true, allowPrivate: false },
    signal: new AbortController().signal,
    log: silentLogger,
  });
}

/** Calls a tool and returns its result plus the requests the fake received meanwhile. */
async function call(session: ConnectorSession, name: string, args: Record<string, unknown>) {
  const before = fake.requests.length;
  const result = await session.callTool(name, args, { signal: new AbortController().signal });
  return { result, sent: fake.requests.slice(before) };
}

function text(r: CallToolResult): string {
  const first = r.content[0];
  return first?.type === 'text' ? first.text : '';
}

/** A successful result whose structuredContent matches the tool's published outputSchema. */
function ok(r: CallToolResult, tool: string): Record<string, unknown> {
  expect(r.isError, text(r)).toBeFalsy();
  const schema = tools.get(tool)?.outputSchema;
  expect(schema).toBeDefined();
  const parsed = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]).safeParse(r.structuredContent);
  expect(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues)).toBe(true);
  return (r.structuredContent ?? {}) as Record<string, unknown>;
}

function only(sent: RecordedRequest[]): RecordedRequest {
  expect(sent).toHaveLength(1);
  return sent[0] as RecordedRequest;
}

async function refused(session: ConnectorSession, name: string, args: Record<string, unknown>, message: RegExp) {
  const { result, sent } = await call(session, name, args);
  expect(result.isError).toBe(true);
  expect(text(result)).toMatch(message);
  expect(sent).toHaveLength(0);
}

beforeAll(async () => {
  fake = await startFakeGithub({ tokens: [FAKE_GITHUB_TOKEN, REVOCABLE] });
  http = createHttpClientFactory({ retry: { baseDelayMs: 5, maxDelayMs: 20 } });
  scoped = await openSession({ repository: 'acme/backend', branch: 'main', paths: ['src/', 'docs/'] });
  open = await openSession({});
});

afterAll(async () => {
  await http.close();
  await fake.close();
});

describe('GitHub configuration schema', () => {
  it('accepts the spec example and the common fields', () => {
    expect(GithubConfigSchema.parse({ repository: 'acme/backend', branch: 'main', paths: ['src/', 'docs/'] })).toEqual({ repository: 'acme/backend', branch: 'main', paths: ['src/', 'docs/'] });
    expect(GithubConfigSchema.safeParse({ api_base_url: 'https://ghe.example.com/api/v3', read_only: true }).success).toBe(true);
  });

  it.each([
    [{ repo: 'acme/backend' }, 'repo'],
    [{ repository: 'acme' }, 'repository'],
    [{ repository: 'acme/back end' }, 'repository'],
    [{ branch: 'a..b' }, 'branch'],
    [{ branch: 'feature/' }, 'branch'],
    [{ paths: ['../etc'] }, 'paths'],
    [{ paths: ['/abs'] }, 'paths'],
    [{ paths: ['src/../secrets'] }, 'paths'],
    [{ paths: [] }, 'paths'],
    [{ api_base_url: 'ftp://example.com' }, 'api_base_url'],
    [{ read_only: 'yes' }, 'read_only'],
  ])('refuses %j (names %s)', (config, field) => {
    const r = GithubConfigSchema.safeParse(config);
    expect(r.success).toBe(false);
    expect(r.error?.issues.some((i) => i.path[0] === field || (i.code === 'unrecognized_keys' && i.keys.includes(field)))).toBe(true);
  });
});

describe('GitHub session', () => {
  it('lists every tool with schemas and annotations', async () => {
    const list = await scoped.listTools(new AbortController().signal);
    expect(list.map((t) => t.name).sort()).toEqual(
      [
        'get_me', 'search_repositories', 'get_file_contents', 'create_or_update_file', 'list_branches', 'create_branch', 'list_commits',
        'search_code', 'list_issues', 'get_issue', 'create_issue', 'update_issue', 'add_issue_comment', 'search_issues',
        'list_pull_requests', 'get_pull_request', 'get_pull_request_diff', 'create_pull_request', 'merge_pull_request',
      ].sort(),
    );
    for (const t of list) {
      expect(t.inputSchema.type).toBe('object');
      expect(t.outputSchema?.type).toBe('object');
      expect(t.annotations?.openWorldHint).toBe(true);
    }
    expect(list.find((t) => t.name === 'create_or_update_file')?.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true });
    expect(list.find((t) => t.name === 'get_issue')?.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false });
  });

  it('health check: GET the configured repository with the GitHub headers', async () => {
    const before = fake.requests.length;
    await scoped.check(new AbortController().signal);
    const req = only(fake.requests.slice(before));
    expect(req).toMatchObject({ method: 'GET', path: '/repos/acme/backend' });
    expect(req.headers.authorization).toBe(`Bearer ${FAKE_GITHUB_TOKEN}`);
    expect(req.headers.accept).toBe('application/vnd.github+json');
    expect(req.headers['x-github-api-version']).toBe('2022-11-28');
    expect(req.headers['user-agent']).toMatch(/\S/);
  });

  it('health check fails with kind credentials once the token is revoked, without leaking it', async () => {
    const session = await openSession({}, { type: 'bearer', token: REVOCABLE });
    await session.check(new AbortController().signal);
    fake.revokeToken(REVOCABLE);
    const err = await session.check(new AbortController().signal).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).kind).toBe('credentials');
    expect((err as UpstreamError).message).toMatch(/401.*Bad credentials/);
    expect((err as UpstreamError).message).not.toContain(REVOCABLE);
  });

  it.each<[string, Credentials]>([
    ['api_key', { type: 'api_key', api_key: FAKE_GITHUB_TOKEN }],
    ['oauth2', { type: 'oauth2', access_token: FAKE_GITHUB_TOKEN }],
    ['bearer', { type: 'bearer', token: FAKE_GITHUB_TOKEN }],
  ])('sends %s credentials as Authorization: Bearer', async (_type, creds) => {
    const session = await openSession({}, creds);
    const { result, sent } = await call(session, 'get_me', {});
    ok(result, 'get_me');
    expect(only(sent).headers.authorization).toBe(`Bearer ${FAKE_GITHUB_TOKEN}`);
  });
});

describe('GitHub tools', () => {
  it('get_me', async () => {
    const { result, sent } = await call(scoped, 'get_me', {});
    expect(only(sent)).toMatchObject({ method: 'GET', path: '/user' });
    expect(ok(result, 'get_me')).toMatchObject({ login: 'octocat', name: 'The Octocat', html_url: 'https://github.com/octocat' });
    expect(text(result)).toContain('octocat (The Octocat)');
  });

  it('search_repositories scopes the query to the configured repository', async () => {
    const { result, sent } = await call(scoped, 'search_repositories', { query: 'acme' });
    expect(only(sent)).toMatchObject({ method: 'GET', path: '/search/repositories', query: { q: 'acme repo:acme/backend', per_page: '30', page: '1' } });
    const out = ok(result, 'search_repositories');
    expect(out).toMatchObject({ total_count: 1, incomplete_results: false, query: 'acme repo:acme/backend', next_page: null });
    expect(out.items).toEqual([expect.objectContaining({ full_name: 'acme/backend', private: true, stars: 42, default_branch: 'main' })]);
    expect(text(result)).toContain('acme/backend — Backend services for Acme');
  });

  it('search_repositories without a configured repository searches everything', async () => {
    const { result, sent } = await call(open, 'search_repositories', { query: 'acme' });
    expect(only(sent).query.q).toBe('acme');
    expect((ok(result, 'search_repositories').items as unknown[]).length).toBe(2);
  });

  it('get_file_contents: a file is decoded, with its sha, from the configured branch', async () => {
    const { result, sent } = await call(scoped, 'get_file_contents', { path: 'src/index.ts' });
    expect(only(sent)).toMatchObject({ method: 'GET', path: '/repos/acme/backend/contents/src/index.ts', query: { ref: 'main' } });
    const out = ok(result, 'get_file_contents');
    const sha = blobSha(Buffer.from("export const hello = 'world';\n"));
    expect(out).toMatchObject({ repository: 'acme/backend', ref: 'main', type: 'file', file: { path: 'src/index.ts', sha, encoding: 'utf-8', content: "export const hello = 'world';\n" } });
    expect(text(result)).toContain("export const hello = 'world';");
  });

  it('get_file_contents: binary files come back as base64', async () => {
    const { result } = await call(scoped, 'get_file_contents', { path: 'docs/logo.png' });
    const file = ok(result, 'get_file_contents').file as { encoding: string; content: string };
    expect(file.encoding).toBe('base64');
    expect(Buffer.from(file.content, 'base64')).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0xff, 0xfe]));
  });

  it('get_file_contents: the root lists only the way to the allowed paths', async () => {
    const { result, sent } = await call(scoped, 'get_file_contents', {});
    expect(only(sent).path).toBe('/repos/acme/backend/contents');
    const out = ok(result, 'get_file_contents');
    expect(out.type).toBe('dir');
    expect((out.entries as { path: string }[]).map((e) => e.path)).toEqual(['docs', 'src']);
  });

  it('get_file_contents: paths outside the scope, traversal and absolute paths are refused before any request', async () => {
    await refused(scoped, 'get_file_contents', { path: 'secrets/prod.env' }, /path: secrets\/prod\.env is outside the paths this configuration allows \(src\/, docs\/\)/);
    await refused(scoped, 'get_file_contents', { path: 'src/../secrets/prod.env' }, /path: must not contain \.\. segments/);
    await refused(scoped, 'get_file_contents', { path: '/etc/passwd' }, /path: must be relative/);
    await refused(scoped, 'get_file_contents', { path: 'README.md' }, /outside the paths/);
  });

  it('create_or_update_file creates, then updates with the sha, on the configured branch', async () => {
    const created = await call(scoped, 'create_or_update_file', { path: 'docs/new.md', content: 'héllo\n', message: 'Add new doc' });
    const put = only(created.sent);
    expect(put).toMatchObject({ method: 'PUT', path: '/repos/acme/backend/contents/docs/new.md' });
    expect(put.body).toEqual({ message: 'Add new doc', content: Buffer.from('héllo\n').toString('base64'), branch: 'main' });
    expect(put.headers['content-type']).toBe('application/json');
    const first = ok(created.result, 'create_or_update_file');
    expect(first).toMatchObject({ created: true, path: 'docs/new.md', branch: 'main', content_sha: blobSha(Buffer.from('héllo\n')) });
    expect(text(created.result)).toMatch(/^Created acme\/backend:docs\/new\.md on main in commit/);

    const updated = await call(scoped, 'create_or_update_file', { path: 'docs/new.md', content: 'v2\n', message: 'Update doc', sha: first.content_sha });
    expect(only(updated.sent).body).toMatchObject({ sha: first.content_sha });
    expect(ok(updated.result, 'create_or_update_file')).toMatchObject({ created: false, content_sha: blobSha(Buffer.from('v2\n')) });
    const main = fake.state.repo('acme/backend');
    expect(main.commits.get(main.branches.get('main') ?? '')?.tree.get('docs/new.md')?.content.toString()).toBe('v2\n');
  });

  it('create_or_update_file: GitHub\'s 422 for a missing sha comes back as a validation UpstreamError', async () => {
    const err = await scoped
      .callTool('create_or_update_file', { path: 'src/index.ts', content: 'x', message: 'm' }, { signal: new AbortController().signal })
      .then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).kind).toBe('validation');
    expect((err as UpstreamError).message).toMatch(/422.*"sha" wasn't supplied/);
  });

  it('create_or_update_file refuses paths outside the scope', async () => {
    await refused(scoped, 'create_or_update_file', { path: 'secrets/x.env', content: 'x', message: 'm' }, /outside the paths/);
    await refused(scoped, 'create_or_update_file', { path: 'docs//x.md', content: 'x', message: 'm' }, /empty segments/);
  });

  it('list_branches', async () => {
    const { result, sent } = await call(scoped, 'list_branches', { per_page: 10 });
    expect(only(sent)).toMatchObject({ method: 'GET', path: '/repos/acme/backend/branches', query: { per_page: '10', page: '1' } });
    const out = ok(result, 'list_branches');
    const names = (out.branches as { name: string; protected: boolean }[]).map((b) => b.name);
    expect(names).toEqual(expect.arrayContaining(['feature/login', 'main', 'release']));
    expect((out.branches as { name: string; protected: boolean }[]).find((b) => b.name === 'main')?.protected).toBe(true);
    expect(text(result)).toMatch(/main [0-9a-f]{7} \(protected\)/);
  });

  it('create_branch from the configured branch: GET the ref, then POST /git/refs', async () => {
    const main = fake.state.repo('acme/backend').branches.get('main');
    const { result, sent } = await call(scoped, 'create_branch', { branch: 'feature/new-1' });
    expect(sent.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /repos/acme/backend/git/ref/heads/main', 'POST /repos/acme/backend/git/refs']);
    expect(sent[1]?.body).toEqual({ ref: 'refs/heads/feature/new-1', sha: main });
    expect(ok(result, 'create_branch')).toEqual({ repository: 'acme/backend', branch: 'feature/new-1', ref: 'refs/heads/feature/new-1', sha: main, from: 'main' });
    expect(fake.state.repo('acme/backend').branches.get('feature/new-1')).toBe(main);
  });

  it('create_branch from a sha sends one request; without any default it reads the default branch', async () => {
    const release = fake.state.repo('acme/backend').branches.get('release') ?? '';
    const fromSha = await call(scoped, 'create_branch', { branch: 'from-sha', from_sha: release });
    expect(only(fromSha.sent).body).toEqual({ ref: 'refs/heads/from-sha', sha: release });
    ok(fromSha.result, 'create_branch');

    const noDefault = await call(open, 'create_branch', { owner: 'acme', repo: 'frontend', branch: 'topic' });
    expect(noDefault.sent.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /repos/acme/frontend',
      'GET /repos/acme/frontend/git/ref/heads/main',
      'POST /repos/acme/frontend/git/refs',
    ]);
    expect(ok(noDefault.result, 'create_branch').from).toBe('main');
    await refused(scoped, 'create_branch', { branch: 'bad name' }, /branch: must be a valid branch name/);
  });

  it('list_commits defaults sha to the configured branch and passes filters', async () => {
    const { result, sent } = await call(scoped, 'list_commits', { path: 'docs/guide.md', per_page: 5 });
    expect(only(sent)).toMatchObject({ method: 'GET', path: '/repos/acme/backend/commits', query: { sha: 'main', path: 'docs/guide.md', per_page: '5', page: '1' } });
    const out = ok(result, 'list_commits');
    const messages = (out.commits as { message: string }[]).map((c) => c.message);
    expect(messages).toEqual(['Explain setup\n\nLonger body.', 'Initial commit']);
    expect(text(result)).toMatch(/[0-9a-f]{7} Explain setup \(octocat\)/);
    await refused(scoped, 'list_commits', { path: 'secrets' }, /outside the paths/);
  });

  it('search_code scopes to the repository and leaves out hits outside the paths', async () => {
    const { result, sent } = await call(scoped, 'search_code', { query: 'DATABASE_PASSWORD OR export' });
    expect(only(sent).query.q).toBe('DATABASE_PASSWORD OR export repo:acme/backend');
    ok(result, 'search_code');
    const hello = await call(scoped, 'search_code', { query: 'hunter2' });
    const out = ok(hello.result, 'search_code');
    expect(out).toMatchObject({ total_count: 1, omitted_outside_paths: 1, items: [] });
    expect(text(hello.result)).toContain('1 results outside the configured paths omitted');
    const found = await call(scoped, 'search_code', { query: 'hello' });
    expect(ok(found.result, 'search_code').items).toEqual([expect.objectContaining({ repository: 'acme/backend', path: 'src/index.ts' })]);
  });

  it('search tools refuse qualifiers that would widen the configured scope', async () => {
    await refused(scoped, 'search_code', { query: 'token repo:octo-org/tools' }, /repo:octo-org\/tools is refused: this configuration is limited to acme\/backend/);
    await refused(scoped, 'search_issues', { query: 'bug org:octo-org' }, /org:octo-org is refused/);
    const same = await call(scoped, 'search_issues', { query: 'login repo:ACME/backend' });
    expect(only(same.sent).query.q).toBe('login repo:ACME/backend is:issue');
  });

  it('list_issues sends state and labels and marks pull requests', async () => {
    const { result, sent } = await call(scoped, 'list_issues', { labels: ['bug'], state: 'all' });
    expect(only(sent)).toMatchObject({ method: 'GET', path: '/repos/acme/backend/issues', query: { state: 'all', labels: 'bug', per_page: '30', page: '1' } });
    const issues = ok(result, 'list_issues').issues as { number: number; labels: string[]; is_pull_request: boolean }[];
    expect(issues.map((i) => i.number)).toEqual([7, 5, 3, 1]);
    expect(issues.every((i) => i.labels.includes('bug') && !i.is_pull_request)).toBe(true);
    const all = await call(scoped, 'list_issues', { per_page: 100 });
    const withPr = ok(all.result, 'list_issues').issues as { number: number; is_pull_request: boolean }[];
    expect(withPr.find((i) => i.number === 8)?.is_pull_request).toBe(true);
    expect(text(all.result)).toContain('#8 Add a login screen (pull request)');
  });

  it('list_issues follows the Link header across 3 pages and reports the next page', async () => {
    const { result, sent } = await call(open, 'list_issues', { owner: 'acme', repo: 'backend', per_page: 2, max_pages: 3, direction: 'asc' });
    expect(sent.map((r) => r.query.page)).toEqual(['1', '2', '3']);
    expect(sent.every((r) => r.path === '/repos/acme/backend/issues' && r.query.per_page === '2' && r.query.direction === 'asc')).toBe(true);
    expect(sent.every((r) => r.headers.authorization === `Bearer ${FAKE_GITHUB_TOKEN}`)).toBe(true);
    const out = ok(result, 'list_issues');
    expect((out.issues as { number: number }[]).map((i) => i.number)).toEqual([1, 2, 3, 5, 6, 7]);
    expect(out).toMatchObject({ pages_fetched: 3, next_page: 4 });
  });

  it('get_issue', async () => {
    const { result, sent } = await call(scoped, 'get_issue', { issue_number: 2 });
    expect(only(sent)).toMatchObject({ method: 'GET', path: '/repos/acme/backend/issues/2' });
    expect(ok(result, 'get_issue').issue).toMatchObject({ number: 2, title: 'Issue number 2', body: 'Body of issue 2', user: 'monalisa', labels: ['enhancement'], repository: 'acme/backend' });
    expect(text(result)).toContain('Body of issue 2');
  });

  it('get_issue: a missing issue is a not_found UpstreamError', async () => {
    const err = await scoped.callTool('get_issue', { issue_number: 999 }, { signal: new AbortController().signal }).then(() => undefined, (e: unknown) => e);
    expect((err as UpstreamError).kind).toBe('not_found');
  });

  it('create_issue', async () => {
    const { result, sent } = await call(scoped, 'create_issue', { title: 'Crash on login', body: 'Steps…', labels: ['bug'], assignees: ['hubot'] });
    const req = only(sent);
    expect(req).toMatchObject({ method: 'POST', path: '/repos/acme/backend/issues' });
    expect(req.body).toEqual({ title: 'Crash on login', body: 'Steps…', labels: ['bug'], assignees: ['hubot'] });
    const issue = ok(result, 'create_issue').issue as { number: number; html_url: string };
    expect(issue).toMatchObject({ title: 'Crash on login', state: 'open', assignees: ['hubot'], labels: ['bug'] });
    expect(text(result)).toBe(`Created acme/backend#${issue.number} Crash on login: ${issue.html_url}`);
    const listed = await call(scoped, 'list_issues', { per_page: 1 });
    expect((ok(listed.result, 'list_issues').issues as { number: number }[])[0]?.number).toBe(issue.number);
  });

  it('create_issue: GitHub validation errors name the field', async () => {
    const err = await scoped
      .callTool('create_issue', { title: 'x', assignees: ['ghost'] }, { signal: new AbortController().signal })
      .then(() => undefined, (e: unknown) => e);
    expect((err as UpstreamError).kind).toBe('validation');
    expect((err as UpstreamError).message).toMatch(/422.*Validation Failed.*assignees invalid/);
  });

  it('update_issue sends only the given fields', async () => {
    const { result, sent } = await call(scoped, 'update_issue', { issue_number: 3, state: 'closed', state_reason: 'not_planned', labels: ['wontfix'] });
    const req = only(sent);
    expect(req).toMatchObject({ method: 'PATCH', path: '/repos/acme/backend/issues/3' });
    expect(req.body).toEqual({ state: 'closed', state_reason: 'not_planned', labels: ['wontfix'] });
    expect(ok(result, 'update_issue').issue).toMatchObject({ number: 3, state: 'closed', state_reason: 'not_planned', labels: ['wontfix'] });
    await refused(scoped, 'update_issue', { issue_number: 3 }, /at least one of title, body/);
  });

  it('add_issue_comment', async () => {
    const { result, sent } = await call(scoped, 'add_issue_comment', { issue_number: 1, body: 'Looking into it.' });
    const req = only(sent);
    expect(req).toMatchObject({ method: 'POST', path: '/repos/acme/backend/issues/1/comments', body: { body: 'Looking into it.' } });
    const out = ok(result, 'add_issue_comment');
    expect(out).toMatchObject({ repository: 'acme/backend', issue_number: 1, user: 'octocat' });
    expect(out.html_url).toMatch(/issues\/1#issuecomment-\d+$/);
    expect(fake.state.repo('acme/backend').issues.find((i) => i.number === 1)?.comments).toBe(1);
  });

  it('search_issues', async () => {
    const { result, sent } = await call(scoped, 'search_issues', { query: 'is:pr login' });
    expect(only(sent)).toMatchObject({ method: 'GET', path: '/search/issues', query: { q: 'is:pr login repo:acme/backend is:pull-request' } });
    const out = ok(result, 'search_issues');
    expect(out.items).toEqual([expect.objectContaining({ number: 8, is_pull_request: true, repository: 'acme/backend' })]);
    expect(text(result)).toContain('acme/backend#8 Add a login screen (open)');
  });

  it('list_pull_requests', async () => {
    const { result, sent } = await call(scoped, 'list_pull_requests', { base: 'main' });
    expect(only(sent)).toMatchObject({ method: 'GET', path: '/repos/acme/backend/pulls', query: { state: 'open', base: 'main' } });
    const pulls = ok(result, 'list_pull_requests').pull_requests as { number: number; head: { ref: string } }[];
    expect(pulls[0]).toMatchObject({ number: 8, head: { ref: 'feature/login' }, base: { ref: 'main' }, merged: null });
    expect(text(result)).toContain('#8 Add a login screen (feature/login → main)');
  });

  it('get_pull_request', async () => {
    const { result, sent } = await call(scoped, 'get_pull_request', { pull_number: 8 });
    expect(only(sent)).toMatchObject({ method: 'GET', path: '/repos/acme/backend/pulls/8' });
    expect(ok(result, 'get_pull_request').pull_request).toMatchObject({ number: 8, merged: false, mergeable: true, body: 'Adds the login screen.' });
  });

  it('get_pull_request_diff asks for the diff media type and drops files outside the paths', async () => {
    const { result, sent } = await call(scoped, 'get_pull_request_diff', { pull_number: 8 });
    const req = only(sent);
    expect(req).toMatchObject({ method: 'GET', path: '/repos/acme/backend/pulls/8' });
    expect(req.headers.accept).toBe('application/vnd.github.diff');
    const out = ok(result, 'get_pull_request_diff');
    expect(out).toMatchObject({ files: ['src/index.ts'], omitted_files: ['secrets/prod.env'] });
    expect(out.diff).toContain("+export const hello = 'login';");
    expect(out.diff).not.toContain('DATABASE_PASSWORD');
    expect(text(result)).not.toContain('DATABASE_PASSWORD');

    const whole = await call(open, 'get_pull_request_diff', { owner: 'acme', repo: 'backend', pull_number: 8 });
    expect(ok(whole.result, 'get_pull_request_diff').files).toEqual(['secrets/prod.env', 'src/index.ts']);
  });

  it('create_pull_request defaults base to the configured branch', async () => {
    await call(scoped, 'create_or_update_file', { path: 'src/pr.ts', content: 'export {};\n', message: 'pr work', branch: 'feature/new-1' });
    const { result, sent } = await call(scoped, 'create_pull_request', { title: 'New work', head: 'feature/new-1', draft: false });
    const req = only(sent);
    expect(req).toMatchObject({ method: 'POST', path: '/repos/acme/backend/pulls' });
    expect(req.body).toEqual({ title: 'New work', head: 'feature/new-1', base: 'main', draft: false });
    expect(ok(result, 'create_pull_request').pull_request).toMatchObject({ title: 'New work', state: 'open', head: { ref: 'feature/new-1' }, base: { ref: 'main' } });
  });

  it('create_pull_request without a base and no configured branch is refused before any request', async () => {
    await refused(open, 'create_pull_request', { owner: 'acme', repo: 'backend', title: 't', head: 'x' }, /base: required, because this configuration has no default branch/);
  });

  it('merge_pull_request with a merge method and the reviewed sha', async () => {
    const repo = fake.state.repo('acme/backend');
    const head = repo.branches.get('feature/login');
    const { result, sent } = await call(scoped, 'merge_pull_request', { pull_number: 8, merge_method: 'squash', sha: head });
    const req = only(sent);
    expect(req).toMatchObject({ method: 'PUT', path: '/repos/acme/backend/pulls/8/merge' });
    expect(req.body).toEqual({ merge_method: 'squash', sha: head });
    const out = ok(result, 'merge_pull_request');
    expect(out).toMatchObject({ merged: true, merge_method: 'squash', message: 'Pull Request successfully merged' });
    expect(repo.branches.get('main')).toBe(out.sha);
    const again = await scoped.callTool('merge_pull_request', { pull_number: 8 }, { signal: new AbortController().signal }).then(() => undefined, (e: unknown) => e);
    expect((again as UpstreamError).message).toMatch(/405.*not mergeable/);
  });
});

describe('GitHub scope, read-only mode and bad input', () => {
  it('refuses another repository when one is configured', async () => {
    await refused(scoped, 'get_issue', { owner: 'octo-org', repo: 'tools', issue_number: 1 }, /octo-org\/tools is refused: this configuration is limited to acme\/backend/);
    await refused(scoped, 'create_issue', { repo: 'frontend', title: 'x' }, /limited to acme\/backend/);
    const sameDifferentCase = await call(scoped, 'get_issue', { owner: 'Acme', repo: 'Backend', issue_number: 1 });
    expect(only(sameDifferentCase.sent).path).toBe('/repos/acme/backend/issues/1');
  });

  it('requires owner and repo when no repository is configured', async () => {
    await refused(open, 'list_issues', {}, /owner and repo are required/);
  });

  it('schema failures name the field and send nothing', async () => {
    await refused(scoped, 'get_issue', { issue_number: 'seven' }, /Invalid arguments for get_issue: issue_number:/);
    await refused(scoped, 'list_issues', { per_page: 500 }, /per_page: must be at most 100/);
    await refused(scoped, 'get_me', { extra: true }, /Invalid arguments for get_me/);
    await refused(scoped, 'merge_pull_request', { pull_number: 1, merge_method: 'fast-forward' }, /merge_method/);
  });

  it('read_only hides and refuses write tools', async () => {
    const ro = await openSession({ repository: 'acme/backend', read_only: true });
    const names = (await ro.listTools(new AbortController().signal)).map((t) => t.name);
    expect(names).toContain('get_file_contents');
    for (const w of ['create_or_update_file', 'create_branch', 'create_issue', 'update_issue', 'add_issue_comment', 'create_pull_request', 'merge_pull_request']) {
      expect(names).not.toContain(w);
    }
    await refused(ro, 'create_issue', { title: 'x' }, /read-only/);
  });
});

describe('GitHub faults', () => {
  it('retries a 429 after the Retry-After wait', async () => {
    fake.inject({ kind: 'rate_limit_429', retryAfterSeconds: 1 });
    const { result, sent } = await call(scoped, 'get_issue', { issue_number: 1 });
    ok(result, 'get_issue');
    expect(sent).toHaveLength(2);
    expect(sent[0]?.path).toBe(sent[1]?.path);
    // The retry must not come before the second the service asked for.
    expect((sent[1]?.at ?? 0) - (sent[0]?.at ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it('retries a 403 primary rate limit (x-ratelimit-remaining: 0) and a 502', async () => {
    fake.inject({ kind: 'rate_limit_403', resetInSeconds: 0 });
    fake.inject({ kind: 'server_error', status: 502 });
    const { result, sent } = await call(scoped, 'list_branches', {});
    ok(result, 'list_branches');
    expect(sent).toHaveLength(3);
  });

  it('does not repeat a POST after a 500', async () => {
    fake.inject({ kind: 'server_error', status: 500 });
    const before = fake.requests.length;
    const err = await scoped.callTool('create_issue', { title: 'once' }, { signal: new AbortController().signal }).then(() => undefined, (e: unknown) => e);
    expect((err as UpstreamError).kind).toBe('server');
    expect(fake.requests.length - before).toBe(1);
  });
});

describe('GitHub path scope', () => {
  it('normalises and refuses escapes', () => {
    expect(normalizeRepoPath('src/')).toEqual({ ok: true, path: 'src' });
    expect(normalizeRepoPath('')).toEqual({ ok: true, path: '' });
    expect(normalizeRepoPath('src/./a').ok).toBe(false);
    expect(normalizeRepoPath('src\\a').ok).toBe(false);
    expect(inScope('src', ['src/'])).toBe(true);
    expect(inScope('srcfoo/a', ['src/'])).toBe(false);
    expect(isAncestorOfScope('docs', ['docs/api/'])).toBe(true);
    expect(isAncestorOfScope('doc', ['docs/api/'])).toBe(false);
  });

  it('no accepted path escapes its prefix, whatever the segments', () => {
    const segment = fc.constantFrom('src', 'docs', 'secrets', '..', '.', '', 'a', 'src..', '...');
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 6 }), (segments) => {
        const n = normalizeRepoPath(segments.join('/'));
        if (n.ok && inScope(n.path, ['src/'])) {
          expect(n.path === 'src' || n.path.startsWith('src/')).toBe(true);
          expect(n.path.split('/')).not.toContain('..');
        }
      }),
    );
  });

  it('filterDiff keeps a rename only when both sides are in scope', () => {
    const diff = 'diff --git a/secrets/k b/src/k\nrename from secrets/k\nrename to src/k\ndiff --git a/src/a b/src/a\n@@ -1 +1 @@\n-x\n+y\n';
    const f = filterDiff(diff, ['src/']);
    expect(f.files).toEqual(['src/a']);
    expect(f.omitted).toEqual(['src/k']);
    expect(f.diff).not.toContain('secrets');
  });
});

describe('GitHub repository names', () => {
  it('refuses . and .. as repository names, which would change the endpoint', async () => {
    await refused(open, 'get_issue', { owner: 'acme', repo: '..', issue_number: 1 }, /repo: must be a repository name/);
    expect(GithubConfigSchema.safeParse({ repository: 'acme/..' }).success).toBe(false);
  });
});
