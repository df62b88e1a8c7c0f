/** GitHub through the gateway: MCP client → gateway (HTTP) → pc_github → the loopback GitHub fake. */
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { githubConnector } from '../../connectors/github/index.js';
import { FAKE_GITHUB_TOKEN, startFakeGithub, type FakeGithub } from '../fakes/github.js';
import { cliJson, tempEnv } from '../helpers/cli.js';
import {
  connectClient,
  expectNamespacedTools,
  expectOk,
  expectRevocationReported,
  freshUser,
  healthOf,
  restartedHarness,
  rpcErrorCode,
  routeOf,
  startConnectorE2E,
  textOf,
  type ConnectorE2E,
} from '../helpers/connector-e2e.js';

const REVOCABLE = 'ghp_revocableE2eTokenForTests00000000000';
const INSTALLATION = 'ghs_installationE2eTokenForTests0000000000';
let env: ConnectorE2E<FakeGithub>;

beforeAll(async () => {
  env = await startConnectorE2E({
    startFake: () => startFakeGithub({ tokens: [FAKE_GITHUB_TOKEN, REVOCABLE, INSTALLATION] }),
    connector: 'pc_github',
    name: 'My GitHub',
    configuration: (f) => ({ api_base_url: f.url, repository: 'acme/backend' }),
    credentials: () => ({ type: 'api_key', api_key: FAKE_GITHUB_TOKEN }),
  });
});
afterAll(async () => {
  await env?.close();
});

const call = (name: string, args: Record<string, unknown>) => env.client.callTool({ name, arguments: args });

describe('GitHub through the gateway', () => {
  it('lists every tool as my_github_<tool>, naming the configuration, with GitHub’s annotations', async () => {
    const { tools } = await env.client.listTools();
    expectNamespacedTools(tools, { slug: 'my_github', configuration: env.configuration, connectorName: 'GitHub', upstream: githubConnector.tools });
    expect(tools.find((t) => t.name === 'my_github_get_issue')?.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false });
    expect(tools.find((t) => t.name === 'my_github_create_issue')?.annotations).toMatchObject({ readOnlyHint: false });
    expect(tools.find((t) => t.name === 'my_github_merge_pull_request')?.annotations?.readOnlyHint).toBe(false);
  });

  it('a read call reaches GitHub with the token and the API headers', async () => {
    const before = env.fake.requests.length;
    const r = await call('my_github_get_issue', { issue_number: 1 });
    expect(expectOk(r)).toMatchObject({ repository: 'acme/backend', issue: { number: 1, title: 'Issue number 1' } });
    expect(textOf(r)).toContain('Issue number 1');
    const sent = env.fake.requests.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ method: 'GET', path: '/repos/acme/backend/issues/1' });
    expect(sent[0]?.headers.authorization).toBe(`Bearer ${FAKE_GITHUB_TOKEN}`);
    expect(sent[0]?.headers['x-github-api-version']).toBe('2022-11-28');
  });

  it('a write call creates the issue in the configured repository', async () => {
    const before = env.fake.requests.length;
    const r = await call('my_github_create_issue', { title: 'Filed through MCP', body: 'From the e2e test' });
    const out = expectOk(r) as { issue: { number: number } };
    const sent = env.fake.requests.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ method: 'POST', path: '/repos/acme/backend/issues', body: { title: 'Filed through MCP', body: 'From the e2e test' } });
    expect(sent[0]?.headers.authorization).toBe(`Bearer ${FAKE_GITHUB_TOKEN}`);
    expect(env.fake.state.repo('acme/backend').issues.some((i) => i.title === 'Filed through MCP' && i.number === out.issue.number)).toBe(true);
  });

  it('a 429 with Retry-After: 1 is waited out and the call succeeds', async () => {
    const before = env.fake.requests.length;
    env.fake.inject({ kind: 'rate_limit_429', retryAfterSeconds: 1 });
    const r = await call('my_github_get_issue', { issue_number: 2 });
    expect(expectOk(r)).toMatchObject({ issue: { number: 2 } });
    const sent = env.fake.requests.slice(before);
    expect(sent.map((s) => `${s.method} ${s.path}`)).toEqual(['GET /repos/acme/backend/issues/2', 'GET /repos/acme/backend/issues/2']);
    // A lower bound only: the retry must not come before the wait the service asked for.
    expect((sent[1]?.at ?? 0) - (sent[0]?.at ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it('a secondary rate limit without Retry-After tells the caller to wait a minute, and the configuration stays healthy', async () => {
    const before = env.fake.requests.length;
    env.fake.inject({ kind: 'secondary_rate_limit', status: 403 });
    const r = await call('my_github_get_issue', { issue_number: 3 });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/403 Forbidden for GET \/repos\/acme\/backend\/issues\/3: You have exceeded a secondary rate limit.*\(retry in 60 s\)/);
    expect(env.fake.requests.length - before).toBe(1);
    expect((await healthOf(env.h, env.configuration.id)).health_status).toBe('healthy');
  });

  it('a GitHub App installation token: get_me names the installation, and the configuration stays healthy', async () => {
    const user = freshUser('ghapp');
    const conf = await env.addConfiguration({ user, connector: 'pc_github', name: 'App', configuration: { api_base_url: env.fake.url }, credentials: { type: 'bearer', token: INSTALLATION } });
    const c = await env.connect(user);
    const r = await c.callTool({ name: 'app_get_me', arguments: {} });
    expect(expectOk(r)).toMatchObject({ actor: 'app_installation', login: null, repositories: { full_names: ['acme/backend', 'acme/frontend'] } });
    expect((await healthOf(env.h, conf.id)).health_status).toBe('healthy');
  });

  it('configs test (the built binary) reports an installation token healthy, with and without a repository', async () => {
    // Its own fake: the other tests count the shared fake's requests.
    const own = await startFakeGithub({ tokens: [INSTALLATION] });
    onTestFinished(() => own.close());
    const cliEnv = tempEnv();
    for (const configuration of [{ api_base_url: own.url }, { api_base_url: own.url, repository: 'acme/backend' }]) {
      const created = await cliJson<{ id: string }>(
        ['configs', 'create', '--connector', 'pc_github', '--name', 'App', '--config', JSON.stringify(configuration), '--credentials', JSON.stringify({ type: 'bearer', token: INSTALLATION })],
        cliEnv,
      );
      const tested = await cliJson<{ health_status: string; last_error?: string }>(['configs', 'test', created.id], cliEnv);
      expect(tested.last_error).toBeUndefined();
      expect(tested.health_status).toBe('healthy');
    }
  });

  it('follows Link: rel="next" across three pages', async () => {
    const before = env.fake.requests.length;
    const r = await call('my_github_list_issues', { state: 'all', per_page: 2, max_pages: 3 });
    const out = expectOk(r) as { issues: { number: number }[]; pages_fetched: number; next_page: number | null };
    const sent = env.fake.requests.slice(before);
    expect(sent.map((s) => s.query.page ?? '1')).toEqual(['1', '2', '3']);
    expect(sent.every((s) => s.method === 'GET' && s.path === '/repos/acme/backend/issues')).toBe(true);
    expect(out.pages_fetched).toBe(3);
    expect(out.issues).toHaveLength(6);
    expect(new Set(out.issues.map((i) => i.number)).size).toBe(6);
    expect(out.next_page).toBe(4);
  });

  it('bad arguments come back as isError and send nothing to GitHub', async () => {
    const before = env.fake.requests.length;
    const r = await call('my_github_get_issue', { issue_number: 'one' });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/issue_number/);
    const other = await call('my_github_get_issue', { issue_number: 1, owner: 'octo-org', repo: 'tools' });
    expect(other.isError).toBe(true);
    expect(textOf(other)).toMatch(/acme\/backend/);
    expect(env.fake.requests.length).toBe(before);
  });

  it('a revoked token turns the configuration unhealthy with a useful last_error', async () => {
    const user = freshUser('ghrevoke');
    const conf = await env.addConfiguration({ user, connector: 'pc_github', name: 'Revocable', configuration: { api_base_url: env.fake.url }, credentials: { type: 'bearer', token: REVOCABLE } });
    const { result, after } = await expectRevocationReported(env.h, {
      client: await env.connect(user),
      tool: 'revocable_get_me',
      configuration: conf,
      revoke: () => env.fake.revokeToken(REVOCABLE),
      secrets: [REVOCABLE],
      afterFirstCall: async () => expect((await healthOf(env.h, conf.id)).health_status).toBe('healthy'),
    });
    expect(textOf(result)).toContain(conf.id);
    expect(after.last_error).toMatch(/Bad credentials/);
  });

  it('read_only: write tools are neither listed nor callable', async () => {
    const user = freshUser('ghro');
    await env.addConfiguration({ user, connector: 'pc_github', name: 'Reader', configuration: { api_base_url: env.fake.url, repository: 'acme/backend', read_only: true }, credentials: { type: 'api_key', api_key: FAKE_GITHUB_TOKEN } });
    const c = await env.connect(user);
    const { tools } = await c.listTools();
    const readOnly = githubConnector.tools.filter((t) => t.annotations?.readOnlyHint === true);
    expect(tools.map((t) => t.name).sort()).toEqual(readOnly.map((t) => `reader_${t.name}`).sort());
    expect(tools.every((t) => t.annotations?.readOnlyHint === true)).toBe(true);
    const before = env.fake.requests.length;
    expect(await rpcErrorCode(c.callTool({ name: 'reader_create_issue', arguments: { title: 'nope' } }))).toBe(-32602);
    expect(env.fake.requests.length).toBe(before);
    expectOk(await c.callTool({ name: 'reader_get_issue', arguments: { issue_number: 1 } }));
  });

  it('two configurations with the same name get distinct tool names that survive a restart', async () => {
    const user = freshUser('ghtwins');
    const first = await env.addConfiguration({ user, connector: 'pc_github', name: 'Work GitHub', configuration: { api_base_url: env.fake.url, repository: 'acme/backend' }, credentials: { type: 'api_key', api_key: FAKE_GITHUB_TOKEN } });
    const second = await env.addConfiguration({ user, connector: 'pc_github', name: 'Work GitHub', configuration: { api_base_url: env.fake.url, repository: 'acme/frontend' }, credentials: { type: 'api_key', api_key: FAKE_GITHUB_TOKEN } });
    const c = await env.connect(user);
    const { tools } = await c.listTools();
    const getMe = tools.filter((t) => routeOf(t).upstream_tool === 'get_me');
    expect(getMe).toHaveLength(2);
    const byConfig = new Map(getMe.map((t) => [routeOf(t).configuration_id, t.name]));
    expect(byConfig.get(first.id)).toBe('work_github_get_me');
    expect(byConfig.get(second.id)).toMatch(/^work_github_[0-9a-f]{6}_get_me$/);
    expect(new Set(tools.map((t) => t.name)).size).toBe(tools.length);

    // Each name reaches its own repository.
    const secondRepo = tools.find((t) => routeOf(t).configuration_id === second.id && routeOf(t).upstream_tool === 'list_issues');
    const before = env.fake.requests.length;
    expectOk(await c.callTool({ name: secondRepo?.name ?? '', arguments: {} }));
    expect(env.fake.requests.slice(before).map((s) => s.path)).toEqual(['/repos/acme/frontend/issues']);

    // A new gateway over the same records names them the same.
    const restarted = await restartedHarness(env.h, [first, second]);
    try {
      const again = await connectClient(restarted.url, user);
      const names = (await again.listTools()).tools.map((t) => t.name);
      expect(names).toEqual(tools.map((t) => t.name));
      await again.close();
    } finally {
      await restarted.close();
    }
  });
});
