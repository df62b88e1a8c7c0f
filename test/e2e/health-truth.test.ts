/**
 * Health that tells the truth (issue 13 §1), through the gateway a user has: an MCP client → the
 * gateway → a built-in connector → the service's loopback fake.
 * - Listing a static catalog is not a health check: never checked stays `unknown`, refused stays
 *   `unhealthy`, whichever process lists the tools.
 * - A call the service answered makes a configuration `healthy`.
 * - A permission refusal for one resource (GitHub 403, ClickUp's 401 "Team not authorized") fails
 *   that call with the service's reason and leaves health alone; a refused token (401) does not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_GITHUB_TOKEN, startFakeGithub, type FakeGithub } from '../fakes/github.js';
import { FAKE_PERSONAL_TOKEN, startFakeClickup } from '../fakes/clickup.js';
import { connectClient, expectOk, freshUser, healthOf, restartedHarness, startConnectorE2E, textOf, type ConnectorE2E } from '../helpers/connector-e2e.js';

const REVOCABLE = 'ghp_revocableHealthTokenForTests000000000';
let env: ConnectorE2E<FakeGithub>;

beforeAll(async () => {
  env = await startConnectorE2E({
    startFake: () => startFakeGithub({ tokens: [FAKE_GITHUB_TOKEN, REVOCABLE] }),
    connector: 'pc_github',
    name: 'Never Checked',
    configuration: (f) => ({ api_base_url: f.url, repository: 'acme/backend' }),
    credentials: () => ({ type: 'api_key', api_key: FAKE_GITHUB_TOKEN }),
  });
});
afterAll(async () => {
  await env?.close();
});

describe('listing a static catalog is not a health check', () => {
  it('a configuration never checked stays unknown after tools/list, and becomes healthy after a call GitHub answered', async () => {
    const before = env.fake.requests.length;
    const { tools } = await env.client.listTools();
    expect(tools.some((t) => t.name === 'never_checked_get_issue')).toBe(true);
    // Listing asked GitHub nothing, so it can say nothing about the credentials.
    expect(env.fake.requests.length).toBe(before);
    const listed = await healthOf(env.h, env.configuration.id);
    expect(listed.health_status).toBe('unknown');
    expect(listed.last_sync_at).toBeUndefined();

    expectOk(await env.client.callTool({ name: 'never_checked_get_issue', arguments: { issue_number: 1 } }));
    const called = await healthOf(env.h, env.configuration.id);
    expect(called.health_status).toBe('healthy');
    expect(called.last_sync_at).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('a configuration whose token GitHub refused stays unhealthy when this or another gateway lists its tools', async () => {
    const user = freshUser('ghrefused');
    const conf = await env.addConfiguration({ user, connector: 'pc_github', name: 'Refused', configuration: { api_base_url: env.fake.url }, credentials: { type: 'bearer', token: REVOCABLE } });
    const client = await env.connect(user);
    env.fake.revokeToken(REVOCABLE);
    const r = await client.callTool({ name: 'refused_get_me', arguments: {} });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/401 Unauthorized.*Bad credentials/);
    const refused = await healthOf(env.h, conf.id);
    expect(refused.health_status).toBe('unhealthy');
    expect(refused.last_error).toMatch(/Bad credentials/);

    // The same gateway re-reads the store (another process wrote): the rebuild lists again.
    const g = env.h.gateway.forOwner({ organization_id: 'org_test', user_id: user });
    g.noteReload();
    expect((await client.listTools()).tools.some((t) => t.name === 'refused_get_me')).toBe(true);
    expect(await healthOf(env.h, conf.id)).toMatchObject({ health_status: 'unhealthy', last_error: refused.last_error });

    // A second gateway over the same records (Claude Desktop's stdio process, say) lists the tools.
    const current = await healthOf(env.h, conf.id);
    const other = await restartedHarness(env.h, [current]);
    try {
      const c2 = await connectClient(other.url, user);
      expect((await c2.listTools()).tools.some((t) => t.name === 'refused_get_me')).toBe(true);
      await c2.close();
      expect(await healthOf(other, conf.id)).toMatchObject({ health_status: 'unhealthy', last_error: refused.last_error });
    } finally {
      await other.close();
    }
  });
});

describe('permission is not authentication', () => {
  it('GitHub 403 "Resource not accessible" fails that call with GitHub’s reason and leaves a healthy configuration healthy', async () => {
    const user = freshUser('ghperm');
    const conf = await env.addConfiguration({ user, connector: 'pc_github', name: 'Scoped', configuration: { api_base_url: env.fake.url, repository: 'acme/backend' }, credentials: { type: 'api_key', api_key: FAKE_GITHUB_TOKEN } });
    const client = await env.connect(user);
    expectOk(await client.callTool({ name: 'scoped_get_issue', arguments: { issue_number: 1 } }));
    expect((await healthOf(env.h, conf.id)).health_status).toBe('healthy');

    env.fake.inject({ kind: 'resource_not_accessible' });
    const r = await client.callTool({ name: 'scoped_create_issue', arguments: { title: 'not allowed' } });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/403 Forbidden for POST \/repos\/acme\/backend\/issues: Resource not accessible by personal access token/);
    const after = await healthOf(env.h, conf.id);
    expect(after.health_status).toBe('healthy');
    expect(after.last_error).toBeUndefined();
  });

  it('ClickUp 401 "Team not authorized" (OAUTH_027) is a permission refusal: the configuration stays healthy; "Token invalid" is not', async () => {
    const fake = await startFakeClickup();
    const h = env.h;
    try {
      const user = freshUser('cuperm');
      const created = await h.store.createConfiguration({
        id: `pconf_cuperm${Date.now()}`,
        object: 'personal_connector.configuration',
        organization_id: 'org_test',
        user_id: user,
        personal_connector_id: 'pc_clickup',
        name: 'Team Scoped',
        configuration: { api_base_url: fake.url, workspace_id: fake.state.team.id },
        enabled: true,
        health_status: 'healthy',
        metadata: {},
        created_at: new Date().toISOString(),
        updated_at: new Date().toISOString(),
      });
      h.credentials.byId.set(created.id, { type: 'api_key', api_key: FAKE_PERSONAL_TOKEN });
      const client = await env.connect(user);
      const r = await client.callTool({ name: 'team_scoped_get_task', arguments: { task_id: 'CU-1', custom_task_id: true, workspace_id: '999999' } });
      expect(r.isError).toBe(true);
      expect(textOf(r)).toMatch(/401 Unauthorized.*Team not authorized \(OAUTH_027\)/);
      expect((await healthOf(h, created.id)).health_status).toBe('healthy');

      fake.revokeToken(FAKE_PERSONAL_TOKEN);
      const refused = await client.callTool({ name: 'team_scoped_list_workspaces', arguments: {} });
      expect(refused.isError).toBe(true);
      const after = await healthOf(h, created.id);
      expect(after.health_status).toBe('unhealthy');
      expect(after.last_error).toMatch(/Token invalid \(OAUTH_025\)/);
    } finally {
      await fake.close();
    }
  });
});
