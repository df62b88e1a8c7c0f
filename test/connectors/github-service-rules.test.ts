/**
 * GitHub behaviours that only the real service's rules expose: large files and the raw media
 * type, symlinks, GitHub App installation and user tokens, secondary rate limits, and response
 * fields the published schema allows to be empty. The fake follows GitHub's documented rules.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { CallToolResult, Tool } from '@modelcontextprotocol/server';
import { githubConnector, GithubConfigSchema, type GithubConfig } from '../../connectors/github/index.js';
import { createHttpClientFactory, type ClosableHttpClientFactory } from '../../src/http/factory.js';
import { UpstreamError } from '../../src/domain/errors.js';
import { silentLogger } from '../../src/domain/logger.js';
import type { ConnectorSession } from '../../src/domain/connector.js';
import { staticCredentials } from '../helpers/credentials.js';
import { blobSha, CONTENTS_JSON_LIMIT, CONTENTS_RAW_LIMIT, FAKE_GITHUB_TOKEN, startFakeGithub, type FakeGithub } from '../fakes/github.js';

const INSTALLATION = 'ghs_installationTokenForTests0000000000000';
const APP_USER = 'ghu_appUserTokenForTests000000000000000000';
const tools = new Map<string, Tool>(githubConnector.tools.map((t) => [t.name, t]));
let fake: FakeGithub;
let http: ClosableHttpClientFactory;
/** A client that accepts at most 3 MB from a service (limits.upstream_max_bytes). */
let smallHttp: ClosableHttpClientFactory;

async function openSession(config: Partial<GithubConfig>, token = FAKE_GITHUB_TOKEN, factory = http): Promise<ConnectorSession> {
  return githubConnector.open({
    configurationId: 'pconf_rules',
    configurationName: 'Rules',
    config: GithubConfigSchema.parse({ api_base_url: fake.url, ...config }),
    credentials: staticCredentials({ type: 'bearer', token }),
    http: factory,
    network: { allowLoopback: true, allowPrivate: false },
    signal: new AbortController().signal,
    log: silentLogger,
  });
}

async function call(session: ConnectorSession, name: string, args: Record<string, unknown>) {
  const before = fake.requests.length;
  const result = await session.callTool(name, args, { signal: new AbortController().signal });
  return { result, sent: fake.requests.slice(before) };
}

function text(r: CallToolResult): string {
  const first = r.content[0];
  return first?.type === 'text' ? first.text : '';
}

function ok(r: CallToolResult, tool: string): Record<string, unknown> {
  expect(r.isError, text(r)).toBeFalsy();
  const schema = tools.get(tool)?.outputSchema;
  const parsed = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]).safeParse(r.structuredContent);
  expect(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues)).toBe(true);
  return (r.structuredContent ?? {}) as Record<string, unknown>;
}

async function failure(p: Promise<unknown>): Promise<UpstreamError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(UpstreamError);
  return e as UpstreamError;
}

/** Adds files to the head of acme/backend's main branch. */
function addFiles(files: Record<string, { content?: Buffer; size?: number; symlink?: string; submodule?: string }>): void {
  const repo = fake.state.repo('acme/backend');
  const head = repo.commits.get(repo.branches.get('main') ?? '');
  if (!head) throw new Error('no head');
  for (const [path, f] of Object.entries(files)) {
    const content = f.content ?? Buffer.alloc(0);
    head.tree.set(path, { content, sha: blobSha(content), ...(f.size !== undefined ? { size: f.size } : {}), ...(f.symlink ? { symlink: f.symlink } : {}), ...(f.submodule ? { submodule: f.submodule } : {}) });
  }
}

const bigText = Buffer.from('line of a large generated file\n'.repeat(Math.ceil((CONTENTS_JSON_LIMIT * 1.5) / 31)), 'utf8');
const bigBinary = Buffer.alloc(CONTENTS_JSON_LIMIT + 4096, 0xfe);
const tooBigForGateway = Buffer.alloc(4 * 1024 * 1024, 0x61);

beforeAll(async () => {
  fake = await startFakeGithub({ tokens: [FAKE_GITHUB_TOKEN, INSTALLATION, APP_USER] });
  http = createHttpClientFactory({ retry: { baseDelayMs: 5, maxDelayMs: 20 } });
  smallHttp = createHttpClientFactory({ retry: { baseDelayMs: 5, maxDelayMs: 20 }, defaultMaxBytes: 3 * 1024 * 1024 });
  addFiles({
    'src/generated/big.txt': { content: bigText },
    'src/generated/big.bin': { content: bigBinary },
    'src/generated/huge.bin': { size: CONTENTS_RAW_LIMIT + 1 },
    'src/generated/over-gateway-limit.txt': { content: tooBigForGateway },
    'src/link-to-secrets': { symlink: 'secrets/prod.env' },
    'src/link-to-util': { symlink: 'src/util/math.ts' },
    'src/link-outside': { symlink: '../elsewhere' },
    'src/vendor/lib': { submodule: 'https://github.com/octo-org/lib.git' },
  });
});

afterAll(async () => {
  await http.close();
  await smallHttp.close();
  await fake.close();
});

describe('get_file_contents and GitHub\'s size limits', () => {
  it('a file between 1 and 100 MB is read with the raw media type, byte for byte', async () => {
    const session = await openSession({ repository: 'acme/backend', paths: ['src/'] });
    const { result, sent } = await call(session, 'get_file_contents', { path: 'src/generated/big.txt' });
    const out = ok(result, 'get_file_contents');
    expect(sent.map((r) => r.headers.accept)).toEqual(['application/vnd.github+json', 'application/vnd.github.raw+json']);
    expect(out.file).toMatchObject({ path: 'src/generated/big.txt', size: bigText.length, sha: blobSha(bigText), encoding: 'utf-8' });
    expect((out.file as { content: string }).content).toBe(bigText.toString('utf8'));
  });

  it('a large binary file keeps its bytes (base64)', async () => {
    const session = await openSession({ repository: 'acme/backend' });
    const { result } = await call(session, 'get_file_contents', { path: 'src/generated/big.bin' });
    const file = ok(result, 'get_file_contents').file as { encoding: string; content: string };
    expect(file.encoding).toBe('base64');
    expect(Buffer.from(file.content, 'base64').equals(bigBinary)).toBe(true);
  });

  it('a file over 100 MB is refused as this call\'s problem, not a credentials failure', async () => {
    const session = await openSession({ repository: 'acme/backend' });
    const { result, sent } = await call(session, 'get_file_contents', { path: 'src/generated/huge.bin' });
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/src\/generated\/huge\.bin is too large for GitHub's contents API \(over 100 MB\)/);
    expect(sent).toHaveLength(1);
  });

  it('a file over the gateway\'s own body limit is refused with the setting to change', async () => {
    const session = await openSession({ repository: 'acme/backend' }, FAKE_GITHUB_TOKEN, smallHttp);
    const { result } = await call(session, 'get_file_contents', { path: 'src/generated/over-gateway-limit.txt' });
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/larger than this gateway accepts from a service \(limits\.upstream_max_bytes\)/);
  });
});

describe('get_file_contents and symlinks', () => {
  it('a symlink under an allowed path that leads outside it is refused, and its target is not returned', async () => {
    const session = await openSession({ repository: 'acme/backend', paths: ['src/'] });
    const { result } = await call(session, 'get_file_contents', { path: 'src/link-to-secrets' });
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/src\/link-to-secrets leads to secrets\/prod\.env, which is outside the paths/);
    expect(JSON.stringify(result)).not.toContain('hunter2');
  });

  it('a symlink to a file inside the allowed paths reads that file', async () => {
    const session = await openSession({ repository: 'acme/backend', paths: ['src/'] });
    const out = ok((await call(session, 'get_file_contents', { path: 'src/link-to-util' })).result, 'get_file_contents');
    expect(out).toMatchObject({ type: 'file', path: 'src/util/math.ts' });
  });

  it('a symlink to no file comes back as a symlink with its target; a submodule with its URL', async () => {
    const session = await openSession({ repository: 'acme/backend' });
    const link = ok((await call(session, 'get_file_contents', { path: 'src/link-outside' })).result, 'get_file_contents');
    expect(link).toMatchObject({ type: 'symlink', target: '../elsewhere' });
    const sub = ok((await call(session, 'get_file_contents', { path: 'src/vendor/lib' })).result, 'get_file_contents');
    expect(sub).toMatchObject({ type: 'submodule', target: 'https://github.com/octo-org/lib.git' });
  });
});

describe('GitHub App installation tokens', () => {
  it('GitHub itself refuses GET /user for an installation token', async () => {
    const res = await fetch(`${fake.url}/user`, { headers: { authorization: `Bearer ${INSTALLATION}`, 'user-agent': 'test' } });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { message: string }).message).toBe('Resource not accessible by integration');
  });

  it('the health check passes for an installation token: GET /rate_limit without a repository', async () => {
    const session = await openSession({}, INSTALLATION);
    const before = fake.requests.length;
    await session.check(new AbortController().signal);
    expect(fake.requests.slice(before).map((r) => `${r.method} ${r.path}`)).toEqual(['GET /rate_limit']);
  });

  it('with a repository configured, the health check reads that repository, and says so when it is not visible', async () => {
    const session = await openSession({ repository: 'acme/backend' }, INSTALLATION);
    const before = fake.requests.length;
    await session.check(new AbortController().signal);
    expect(fake.requests.slice(before).map((r) => `${r.method} ${r.path}`)).toEqual(['GET /repos/acme/backend']);
    const missing = await openSession({ repository: 'acme/nothing-here' }, INSTALLATION);
    const err = await failure(missing.check(new AbortController().signal));
    expect(err.kind).toBe('not_found');
    expect(err.message).toMatch(/the configured repository acme\/nothing-here does not exist or these credentials cannot see it/);
  });

  it('the health check still fails with kind credentials for a refused token', async () => {
    const session = await openSession({}, 'ghs_notAValidTokenAtAll00000000000000000');
    const err = await failure(session.check(new AbortController().signal));
    expect(err.kind).toBe('credentials');
    expect(err.message).not.toContain('ghs_notAValidTokenAtAll');
  });

  it('get_me says the token acts as the app, and which repositories it reaches', async () => {
    const session = await openSession({}, INSTALLATION);
    const { result, sent } = await call(session, 'get_me', {});
    const out = ok(result, 'get_me');
    expect(sent.map((r) => r.path)).toEqual(['/user', '/installation/repositories']);
    expect(out).toMatchObject({ actor: 'app_installation', login: null, repositories: { total_count: 2, full_names: ['acme/backend', 'acme/frontend'] } });
    expect(text(result)).toMatch(/GitHub App installation token: they act as the app, not as a user/);
  });

  it('get_me for a user token is the user', async () => {
    const session = await openSession({});
    expect(ok((await call(session, 'get_me', {})).result, 'get_me')).toMatchObject({ actor: 'user', login: 'octocat' });
  });
});

describe('search_issues and GitHub App user tokens', () => {
  it('GitHub refuses a mixed issue search for an app user token', async () => {
    const res = await fetch(`${fake.url}/search/issues?q=login`, { headers: { authorization: `Bearer ${APP_USER}`, 'user-agent': 'test' } });
    expect(res.status).toBe(422);
  });

  it('the tool always names the kind: is:issue by default, is:pull-request for type or is:pr', async () => {
    const session = await openSession({ repository: 'acme/backend' }, APP_USER);
    const issues = await call(session, 'search_issues', { query: 'issue' });
    expect(issues.sent[0]?.query.q).toBe('issue repo:acme/backend is:issue');
    expect((ok(issues.result, 'search_issues').items as unknown[]).length).toBeGreaterThan(0);
    const pulls = await call(session, 'search_issues', { query: 'login', type: 'pull_request' });
    expect(pulls.sent[0]?.query.q).toBe('login repo:acme/backend is:pull-request');
    expect(ok(pulls.result, 'search_issues').items).toEqual([expect.objectContaining({ number: 8, is_pull_request: true })]);
    const alias = await call(session, 'search_issues', { query: 'is:pr login' });
    expect(alias.sent[0]?.query.q).toBe('is:pr login repo:acme/backend is:pull-request');
    ok(alias.result, 'search_issues');
  });

  it('a query that already says is:issue is sent as it is; contradictions are refused before any request', async () => {
    const session = await openSession({ repository: 'acme/backend' }, APP_USER);
    const same = await call(session, 'search_issues', { query: 'is:issue bug' });
    expect(same.sent[0]?.query.q).toBe('is:issue bug repo:acme/backend');
    for (const args of [{ query: 'is:issue is:pr x' }, { query: 'is:issue x', type: 'pull_request' }]) {
      const r = await call(session, 'search_issues', args);
      expect(r.result.isError).toBe(true);
      expect(r.sent).toHaveLength(0);
    }
  });
});

describe('GitHub secondary rate limits', () => {
  it.each([403, 429] as const)('a %i secondary limit without Retry-After means a minute, not the hourly reset, and is not retried early', async (status) => {
    const session = await openSession({ repository: 'acme/backend' });
    fake.inject({ kind: 'secondary_rate_limit', status });
    const before = fake.requests.length;
    const err = await failure(session.callTool('get_issue', { issue_number: 1 }, { signal: new AbortController().signal }));
    expect(err.kind).toBe('rate_limited');
    expect(err.retryAfterMs).toBe(60_000);
    expect(err.message).toMatch(/secondary rate limit.*\(retry in 60 s\)/);
    expect(fake.requests.length - before).toBe(1);
  });
});

describe('fields GitHub\'s schema lets be empty', () => {
  it('list_commits reads a commit whose author has no GitHub account (author {})', async () => {
    const session = await openSession({ repository: 'acme/backend' });
    const out = ok((await call(session, 'list_commits', { sha: 'main' })).result, 'list_commits');
    const bot = (out.commits as { message: string; author_login: string | null; author_name: string | null }[]).find((c) => c.message === 'Add logo');
    expect(bot).toMatchObject({ author_login: null, author_name: 'Build Bot' });
  });
});
