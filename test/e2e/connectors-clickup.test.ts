/** ClickUp through the gateway: MCP client → gateway (HTTP) → pc_clickup → the loopback ClickUp fake. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickupConnector } from '../../connectors/clickup/index.js';
import { FAKE_PERSONAL_TOKEN, startFakeClickup, type FakeClickup } from '../fakes/clickup.js';
import { expectNamespacedTools, expectOk, expectRevocationReported, freshUser, rpcErrorCode, routeOf, startConnectorE2E, textOf, type ConnectorE2E } from '../helpers/connector-e2e.js';

const REVOCABLE = 'pk_184_REVOCABLEE2ETOKEN00000000';
let env: ConnectorE2E<FakeClickup>;

beforeAll(async () => {
  env = await startConnectorE2E({
    startFake: () => startFakeClickup({ personalTokens: [FAKE_PERSONAL_TOKEN, REVOCABLE] }),
    connector: 'pc_clickup',
    name: 'Work ClickUp',
    configuration: (f) => ({ api_base_url: f.url, workspace_id: '12345', list_id: '67890', default_priority: 3 }),
    credentials: () => ({ type: 'api_key', api_key: FAKE_PERSONAL_TOKEN }),
  });
});
afterAll(async () => {
  await env?.close();
});

const call = (name: string, args: Record<string, unknown>) => env.client.callTool({ name, arguments: args });

describe('ClickUp through the gateway', () => {
  it('lists every tool as work_clickup_<tool>, naming the configuration, with ClickUp’s annotations', async () => {
    const { tools } = await env.client.listTools();
    expectNamespacedTools(tools, { slug: 'work_clickup', configuration: env.configuration, connectorName: 'ClickUp', upstream: clickupConnector.tools });
    expect(tools.find((t) => t.name === 'work_clickup_get_task')?.annotations).toMatchObject({ readOnlyHint: true });
    expect(tools.find((t) => t.name === 'work_clickup_delete_task')?.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true });
  });

  it('a read call sends the personal token bare, as ClickUp requires', async () => {
    const before = env.fake.requests.length;
    const r = await call('work_clickup_get_task', { task_id: 'abc1' });
    expect(expectOk(r)).toMatchObject({ id: 'abc1', name: 'Fix login bug' });
    expect(textOf(r)).toContain('Fix login bug');
    const sent = env.fake.requests.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ method: 'GET', path: '/task/abc1' });
    expect(sent[0]?.headers.authorization).toBe(FAKE_PERSONAL_TOKEN);
  });

  it('a write call creates the task in the configured list with the configured priority', async () => {
    const before = env.fake.requests.length;
    const r = await call('work_clickup_create_task', { name: 'Filed through MCP' });
    const out = expectOk(r) as { id: string };
    const sent = env.fake.requests.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ method: 'POST', path: '/list/67890/task', body: { name: 'Filed through MCP', priority: 3 } });
    expect(sent[0]?.headers.authorization).toBe(FAKE_PERSONAL_TOKEN);
    expect(env.fake.state.tasks.find((t) => t.id === out.id)).toMatchObject({ list_id: '67890', priority: 3 });
  });

  it('a 429 is waited out until X-RateLimit-Reset and the call succeeds', async () => {
    const before = env.fake.requests.length;
    // ClickUp signals the wait with X-RateLimit-Reset (epoch seconds), at least one second ahead here.
    env.fake.inject({ status: 429, resetInSeconds: 1 });
    const r = await call('work_clickup_get_task', { task_id: 'abc2' });
    expect(expectOk(r)).toMatchObject({ id: 'abc2' });
    const sent = env.fake.requests.slice(before);
    expect(sent.map((s) => `${s.method} ${s.path}`)).toEqual(['GET /task/abc2', 'GET /task/abc2']);
    expect((sent[1]?.at ?? 0) - (sent[0]?.at ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it('reads three pages of tasks (page=0,1,2) until last_page', async () => {
    const before = env.fake.requests.length;
    const r = await call('work_clickup_list_tasks', { list_id: '67892', max_pages: 5 });
    const out = expectOk(r) as { tasks: { id: string }[]; pages_read: number; next_page: number | null };
    const sent = env.fake.requests.slice(before);
    expect(sent.map((s) => `${s.method} ${s.path} ${String(s.query.page)}`)).toEqual(['GET /list/67892/task 0', 'GET /list/67892/task 1', 'GET /list/67892/task 2']);
    expect(out.tasks).toHaveLength(250);
    expect(new Set(out.tasks.map((t) => t.id)).size).toBe(250);
    expect(out).toMatchObject({ pages_read: 3, next_page: null });
  });

  it('bad arguments come back as isError and send nothing to ClickUp', async () => {
    const before = env.fake.requests.length;
    const r = await call('work_clickup_list_tasks', { max_pages: 50 });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/max_pages/);
    const bad = await call('work_clickup_get_task', { task_id: '../team/12345' });
    expect(bad.isError).toBe(true);
    expect(textOf(bad)).toMatch(/task_id/);
    expect(env.fake.requests.length).toBe(before);
  });

  it('a revoked token turns the configuration unhealthy with a useful last_error', async () => {
    const user = freshUser('curevoke');
    const conf = await env.addConfiguration({ user, connector: 'pc_clickup', name: 'Revocable', configuration: { api_base_url: env.fake.url }, credentials: { type: 'api_key', api_key: REVOCABLE } });
    await expectRevocationReported(env.h, { client: await env.connect(user), tool: 'revocable_list_workspaces', configuration: conf, revoke: () => env.fake.revokeToken(REVOCABLE), secrets: [REVOCABLE] });
  });

  it('read_only: write tools are neither listed nor callable', async () => {
    const user = freshUser('curo');
    await env.addConfiguration({ user, connector: 'pc_clickup', name: 'Reader', configuration: { api_base_url: env.fake.url, list_id: '67890', read_only: true }, credentials: { type: 'api_key', api_key: FAKE_PERSONAL_TOKEN } });
    const c = await env.connect(user);
    const names = (await c.listTools()).tools.map((t) => t.name).sort();
    expect(names).toEqual(['reader_get_task', 'reader_list_comments', 'reader_list_lists', 'reader_list_spaces', 'reader_list_tasks', 'reader_list_workspaces', 'reader_search_tasks']);
    const before = env.fake.requests.length;
    for (const write of ['create_task', 'update_task', 'delete_task', 'add_comment']) {
      expect(await rpcErrorCode(c.callTool({ name: `reader_${write}`, arguments: { task_id: 'abc1', name: 'x', comment_text: 'x' } }))).toBe(-32602);
    }
    expect(env.fake.requests.length).toBe(before);
  });

  it('two configurations with the same name get distinct tool names', async () => {
    const user = freshUser('cutwins');
    const a = await env.addConfiguration({ user, connector: 'pc_clickup', name: 'Tasks', configuration: { api_base_url: env.fake.url, list_id: '67890' }, credentials: { type: 'api_key', api_key: FAKE_PERSONAL_TOKEN } });
    const b = await env.addConfiguration({ user, connector: 'pc_clickup', name: 'Tasks', configuration: { api_base_url: env.fake.url, list_id: '67891' }, credentials: { type: 'api_key', api_key: FAKE_PERSONAL_TOKEN } });
    const c = await env.connect(user);
    const listTasks = (await c.listTools()).tools.filter((t) => routeOf(t).upstream_tool === 'list_tasks');
    const nameOf = (id: string) => listTasks.find((t) => routeOf(t).configuration_id === id)?.name ?? '';
    expect(nameOf(a.id)).toBe('tasks_list_tasks');
    expect(nameOf(b.id)).toMatch(/^tasks_[0-9a-f]{6}_list_tasks$/);
    // Each reaches its own default list.
    const before = env.fake.requests.length;
    expectOk(await c.callTool({ name: nameOf(b.id), arguments: {} }));
    expect(env.fake.requests.slice(before).map((s) => s.path)).toEqual(['/list/67891/task']);
    const again = await env.connect(user);
    expect((await again.listTools()).tools.filter((t) => routeOf(t).upstream_tool === 'list_tasks').map((t) => t.name)).toEqual(listTasks.map((t) => t.name));
  });
});
