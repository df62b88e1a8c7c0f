import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { CallToolResult, Tool } from '@modelcontextprotocol/server';
import { clickupConnector, ClickupConfigSchema, type ClickupConfig } from '../../connectors/clickup/index.js';
import type { Credentials } from '../../src/domain/credentials.js';
import type { ConnectorSession } from '../../src/domain/connector.js';
import { UpstreamError } from '../../src/domain/errors.js';
import { silentLogger } from '../../src/domain/logger.js';
import { createHttpClientFactory } from '../../src/http/factory.js';
import { FAKE_OAUTH_TOKEN, FAKE_PERSONAL_TOKEN, startFakeClickup, type FakeClickup } from '../fakes/clickup.js';
import { staticCredentials } from '../helpers/credentials.js';

const signal = new AbortController().signal;
// Short backoff: the 5xx retries are real, only their waits are shortened.
const http = createHttpClientFactory({ retry: { baseDelayMs: 5, maxDelayMs: 20 } });
const PK: Credentials = { type: 'api_key', api_key: FAKE_PERSONAL_TOKEN };

let fake: FakeClickup;
let session: ConnectorSession;
let tools: Tool[];

async function open(config: Omit<ClickupConfig, 'api_base_url'>, credentials: Credentials = PK, f: FakeClickup = fake): Promise<ConnectorSession> {
  return clickupConnector.open({
    configurationId: 'pconf_test1',
    configurationName: 'Test',
    config: { api_base_url: f.url, ...config },
    credentials: staticCredentials(credentials),
    http,
    network: { allowLoopback: true, allowPrivate: false },
    signal,
    log: silentLogger,
  });
}

const call = (name: string, args: Record<string, unknown> = {}, s: ConnectorSession = session) => s.callTool(name, args, { signal });

/** The structured content must satisfy the outputSchema the tool advertises to MCP clients. */
function structured<T = Record<string, unknown>>(name: string, result: CallToolResult): T {
  expect(result.isError, JSON.stringify(result.content)).not.toBe(true);
  const tool = tools.find((t) => t.name === name);
  if (!tool?.outputSchema) throw new Error(`no outputSchema for ${name}`);
  const parsed = z.fromJSONSchema(tool.outputSchema as Parameters<typeof z.fromJSONSchema>[0]).safeParse(result.structuredContent);
  expect(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues)).toBe(true);
  return result.structuredContent as T;
}

function text(result: CallToolResult): string {
  const first = result.content[0];
  return first?.type === 'text' ? first.text : '';
}

/** The one request the fake received, which must carry the credentials as ClickUp wants them. */
function only(f: FakeClickup = fake, authorization: string = FAKE_PERSONAL_TOKEN) {
  expect(f.requests).toHaveLength(1);
  const req = f.requests[0]!;
  expect(req.headers.authorization).toBe(authorization);
  return req;
}

beforeAll(async () => {
  fake = await startFakeClickup();
  session = await open({ workspace_id: '12345', list_id: '67890', default_priority: 3 });
  tools = await session.listTools(signal);
});
beforeEach(() => {
  fake.requests.length = 0;
});
afterAll(async () => {
  await session.close();
  await fake.close();
  await http.close();
});

describe('ClickUp catalog', () => {
  it('lists every tool with honest annotations and schemas', () => {
    expect(tools.map((t) => t.name).sort()).toEqual(
      ['add_comment', 'create_task', 'delete_task', 'get_task', 'list_comments', 'list_lists', 'list_spaces', 'list_tasks', 'list_workspaces', 'search_tasks', 'update_task'],
    );
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    expect(byName.delete_task?.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true });
    expect(byName.create_task?.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: false, idempotentHint: false });
    expect(byName.list_tasks?.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false });
    expect(byName.list_tasks?.inputSchema.properties).toHaveProperty('statuses');
    expect(clickupConnector.tools).toHaveLength(11);
  });
});

describe('ClickUp tools', () => {
  it('list_workspaces: GET /team with the personal token sent bare', async () => {
    const r = await call('list_workspaces');
    const req = only();
    expect(req).toMatchObject({ method: 'GET', path: '/team', query: {} });
    expect(req.headers.authorization).toBe(FAKE_PERSONAL_TOKEN);
    expect(structured('list_workspaces', r)).toEqual({ workspaces: [{ id: '12345', name: 'Acme', member_count: 2 }] });
    expect(text(r)).toContain('Acme (id 12345, 2 members)');
  });

  it('list_spaces: the configured workspace, archived spaces left out', async () => {
    const r = await call('list_spaces');
    expect(only()).toMatchObject({ method: 'GET', path: '/team/12345/space', query: { archived: 'false' } });
    const out = structured<{ spaces: { id: string; statuses: string[] }[] }>('list_spaces', r);
    expect(out.spaces).toEqual([{ id: '790', name: 'Engineering', private: false, archived: false, statuses: ['to do', 'in progress', 'complete'] }]);
    expect(text(r)).toContain('Engineering (id 790)');
  });

  it('list_lists: folderless lists and folder lists of a space, or one folder', async () => {
    const r = await call('list_lists', { space_id: '790' });
    expect(fake.requests.map((q) => `${q.method} ${q.path}`).sort()).toEqual(['GET /space/790/folder', 'GET /space/790/list']);
    expect(fake.requests.every((q) => q.headers.authorization === FAKE_PERSONAL_TOKEN && q.query.archived === 'false')).toBe(true);
    const out = structured<{ lists: { id: string; folder: unknown; task_count: number }[] }>('list_lists', r);
    expect(out.lists.map((l) => [l.id, l.folder])).toEqual([
      ['67890', null],
      ['67892', null],
      ['67891', { id: '457', name: 'Sprints' }],
    ]);
    expect(text(r)).toContain('Sprints / Sprint 1 (id 67891');

    fake.requests.length = 0;
    const f = await call('list_lists', { folder_id: '457' });
    expect(only()).toMatchObject({ method: 'GET', path: '/folder/457/list', query: { archived: 'false' } });
    expect(structured<{ lists: { name: string }[] }>('list_lists', f).lists.map((l) => l.name)).toEqual(['Sprint 1']);
  });

  it('get_task: by id with its markdown description, and by custom id within the workspace', async () => {
    const r = await call('get_task', { task_id: 'abc1' });
    expect(only()).toMatchObject({ method: 'GET', path: '/task/abc1', query: { include_markdown_description: 'true' } });
    const t = structured<Record<string, unknown>>('get_task', r);
    expect(t).toMatchObject({
      id: 'abc1', custom_id: 'DEV-1', name: 'Fix login bug', status: 'to do', status_type: 'open', priority: 'high',
      tags: ['bug'], due_date: '2025-01-31T00:00:00.000Z', url: 'https://app.clickup.com/t/abc1', list_id: '67890',
      description: 'Login fails on **Safari**', assignees: [{ id: 183, username: 'Ada Lovelace', email: 'ada@example.com' }],
    });
    expect(text(r)).toContain('[to do] Fix login bug (#DEV-1, due 2025-01-31, high)');

    fake.requests.length = 0;
    const c = await call('get_task', { task_id: 'DEV-2', custom_task_id: true });
    expect(only()).toMatchObject({ path: '/task/DEV-2', query: { custom_task_ids: 'true', team_id: '12345' } });
    expect(structured('get_task', c)).toMatchObject({ id: 'abc2', name: 'Write docs' });
  });

  it('list_tasks: filters go out as ClickUp array parameters and epoch milliseconds', async () => {
    const r = await call('list_tasks', {
      statuses: ['to do', 'in progress'], assignees: [183], tags: ['bug'], include_closed: true,
      due_date_gt: '2025-01-01', due_date_lt: '2025-02-01T00:00:00Z',
    });
    expect(only()).toMatchObject({
      method: 'GET',
      path: '/list/67890/task',
      query: {
        'statuses[]': ['to do', 'in progress'], 'assignees[]': ['183'], 'tags[]': ['bug'], include_closed: 'true',
        due_date_gt: String(Date.UTC(2025, 0, 1)), due_date_lt: String(Date.UTC(2025, 1, 1)), page: '0',
      },
    });
    const out = structured<{ tasks: { id: string }[]; next_page: number | null; list_id: string }>('list_tasks', r);
    expect(out.tasks.map((t) => t.id)).toEqual(['abc1']);
    expect(out).toMatchObject({ list_id: '67890', next_page: null, pages_read: 1, first_page: 0 });
    expect(text(r)).toMatch(/^1 task in list 67890\n- \[to do\] Fix login bug/);
  });

  it('search_tasks: workspace-wide, narrowed by lists and spaces', async () => {
    const r = await call('search_tasks', { list_ids: ['67890', '67891'], space_ids: ['790'], statuses: ['to do'] });
    expect(only()).toMatchObject({
      method: 'GET',
      path: '/team/12345/task',
      query: { 'list_ids[]': ['67890', '67891'], 'space_ids[]': ['790'], 'statuses[]': ['to do'], page: '0' },
    });
    const out = structured<{ tasks: { id: string }[]; workspace_id: string }>('search_tasks', r);
    expect(out.tasks.map((t) => t.id).sort()).toEqual(['abc1', 'abc4']);
    expect(out.workspace_id).toBe('12345');
  });

  it('create_task: configured list and default_priority apply; the new task is then listed', async () => {
    const r = await call('create_task', {
      name: 'Add SSO', markdown_description: '**SAML** first', assignees: [184], tags: ['feature'], status: 'In Progress', due_date: '2025-06-30',
    });
    const req = only();
    expect(req).toMatchObject({ method: 'POST', path: '/list/67890/task' });
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.body).toEqual({
      name: 'Add SSO', markdown_description: '**SAML** first', assignees: [184], tags: ['feature'], status: 'In Progress',
      priority: 3, due_date: Date.UTC(2025, 5, 30), due_date_time: false,
    });
    const t = structured<{ id: string; priority: string; status: string }>('create_task', r);
    expect(t).toMatchObject({ name: 'Add SSO', priority: 'normal', status: 'in progress', due_date: '2025-06-30T00:00:00.000Z', list_id: '67890' });
    expect(text(r)).toContain('Created [in progress] Add SSO');

    const listed = await call('list_tasks', { tags: ['feature'] });
    expect(structured<{ tasks: { id: string }[] }>('list_tasks', listed).tasks.map((x) => x.id)).toEqual([t.id]);
  });

  it('create_task: an explicit priority (by name) wins over default_priority', async () => {
    await call('create_task', { name: 'Hotfix', priority: 'urgent', list_id: '67891' });
    expect(only()).toMatchObject({ path: '/list/67891/task', body: { name: 'Hotfix', priority: 1 } });
  });

  it('update_task: only the given fields, assignees as add/rem, null clears', async () => {
    const r = await call('update_task', {
      task_id: 'abc1', name: 'Fix login bug on Safari', markdown_description: 'Repro: *Safari 17*', status: 'complete',
      priority: null, due_date: null, assignees_add: [184], assignees_remove: [183],
    });
    expect(only()).toMatchObject({
      method: 'PUT',
      path: '/task/abc1',
      query: {},
      body: { name: 'Fix login bug on Safari', markdown_content: 'Repro: *Safari 17*', status: 'complete', priority: null, due_date: null, assignees: { add: [184], rem: [183] } },
    });
    expect(structured('update_task', r)).toMatchObject({
      name: 'Fix login bug on Safari', status: 'complete', status_type: 'closed', priority: null, due_date: null,
      assignees: [{ id: 184, username: 'Alan Turing', email: 'alan@example.com' }],
    });
    expect(text(r)).toContain('Updated [complete] Fix login bug on Safari');
  });

  it('delete_task: DELETE, then the task is gone (the service says 404)', async () => {
    const r = await call('delete_task', { task_id: 'DEV-3', custom_task_id: true });
    expect(only()).toMatchObject({ method: 'DELETE', path: '/task/DEV-3', query: { custom_task_ids: 'true', team_id: '12345' }, body: undefined });
    expect(structured('delete_task', r)).toEqual({ task_id: 'DEV-3', deleted: true });
    expect(text(r)).toBe('Deleted task DEV-3');
    const err = await call('get_task', { task_id: 'abc3' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err).toMatchObject({ kind: 'not_found', upstreamStatus: 404 });
    expect((err as Error).message).toContain('Task not found, deleted (ITEM_013)');
  });

  it('list_comments: 25 newest, then older ones through the start/start_id cursor', async () => {
    const first = await call('list_comments', { task_id: 'abc2' });
    expect(only()).toMatchObject({ method: 'GET', path: '/task/abc2/comment', query: {} });
    const p1 = structured<{ comments: { id: string; text: string; author: string }[]; next: { start: number; start_id: string } | null }>('list_comments', first);
    expect(p1.comments).toHaveLength(25);
    expect(p1.comments[0]).toMatchObject({ text: 'Note 30', author: 'Ada Lovelace', author_id: 183, resolved: false });
    expect(p1.next).toEqual({ start: Date.UTC(2025, 0, 1) + 6 * 10_000, start_id: '9105' });

    fake.requests.length = 0;
    const second = await call('list_comments', { task_id: 'abc2', ...p1.next });
    expect(only().query).toEqual({ start: String(p1.next?.start), start_id: '9105' });
    const p2 = structured<{ comments: { text: string }[]; next: unknown }>('list_comments', second);
    expect(p2.comments.map((c) => c.text)).toEqual(['Note 5', 'Note 4', 'Note 3', 'Note 2', 'Note 1']);
    expect(p2.next).toBeNull();
  });

  it('add_comment: POST comment_text; the comment is then listed', async () => {
    const r = await call('add_comment', { task_id: 'abc4', comment_text: 'Blocked on review', assignee: 184 });
    expect(only()).toMatchObject({ method: 'POST', path: '/task/abc4/comment', body: { comment_text: 'Blocked on review', notify_all: false, assignee: 184 } });
    const out = structured<{ id: string; task_id: string }>('add_comment', r);
    expect(out.task_id).toBe('abc4');
    expect(out.id).toMatch(/^\d+$/);
    const listed = structured<{ comments: { id: string; text: string }[] }>('list_comments', await call('list_comments', { task_id: 'abc4' }));
    expect(listed.comments).toEqual([expect.objectContaining({ id: out.id, text: 'Blocked on review' })]);
  });
});

describe('ClickUp credentials and health', () => {
  it('sends OAuth and bearer tokens with the Bearer scheme', async () => {
    for (const creds of [
      { type: 'oauth2', access_token: FAKE_OAUTH_TOKEN },
      { type: 'bearer', token: FAKE_OAUTH_TOKEN },
    ] satisfies Credentials[]) {
      fake.requests.length = 0;
      const s = await open({ workspace_id: '12345' }, creds);
      await s.check(signal);
      expect(only(fake, `Bearer ${FAKE_OAUTH_TOKEN}`)).toMatchObject({ method: 'GET', path: '/user' });
    }
  });

  it('a personal token that arrives with "Bearer" is refused, as ClickUp does', async () => {
    const s = await open({}, { type: 'bearer', token: FAKE_PERSONAL_TOKEN });
    await expect(s.check(signal)).rejects.toMatchObject({ kind: 'credentials', upstreamStatus: 401 });
  });

  it('health check passes, then fails as credentials once the token is revoked, without leaking it', async () => {
    const own = await startFakeClickup();
    try {
      const s = await open({}, PK, own);
      await s.check(signal);
      expect(only(own)).toMatchObject({ method: 'GET', path: '/user' });
      own.revokeToken(FAKE_PERSONAL_TOKEN);
      const err = await s.check(signal).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UpstreamError);
      expect(err).toMatchObject({ kind: 'credentials', upstreamStatus: 401 });
      expect((err as Error).message).toContain('Token invalid (OAUTH_025)');
      expect((err as Error).message).not.toContain(FAKE_PERSONAL_TOKEN);
    } finally {
      await own.close();
    }
  });
});

describe('ClickUp paging and retries', () => {
  it('reads three pages of 100 until last_page', async () => {
    const r = await call('list_tasks', { list_id: '67892', max_pages: 5 });
    expect(fake.requests.map((q) => q.query.page)).toEqual(['0', '1', '2']);
    expect(fake.requests.every((q) => q.path === '/list/67892/task')).toBe(true);
    const out = structured<{ tasks: { id: string }[]; next_page: number | null; pages_read: number }>('list_tasks', r);
    expect(out.tasks).toHaveLength(250);
    expect(new Set(out.tasks.map((t) => t.id)).size).toBe(250);
    expect(out).toMatchObject({ pages_read: 3, next_page: null });
    expect(text(r)).toContain('… and 200 more');
  });

  it('stops at max_pages and says where to go on', async () => {
    const r = await call('list_tasks', { list_id: '67892', page: 1, max_pages: 1 });
    expect(fake.requests.map((q) => q.query.page)).toEqual(['1']);
    const out = structured<{ tasks: unknown[]; next_page: number | null }>('list_tasks', r);
    expect(out.tasks).toHaveLength(100);
    expect(out.next_page).toBe(2);
    expect(text(r)).toContain('(more from page 2)');
  });

  it('waits out a 429 until X-RateLimit-Reset, then retries', async () => {
    fake.inject({ status: 429, resetInSeconds: 1 });
    const r = await call('list_workspaces');
    expect(structured<{ workspaces: unknown[] }>('list_workspaces', r).workspaces).toHaveLength(1);
    expect(fake.requests).toHaveLength(2);
    const [first, retry] = fake.requests;
    // The reset is the epoch second after next: the retry must not come before it.
    const resetMs = (Math.ceil(first!.at / 1000) + 1) * 1000;
    expect(retry!.at).toBeGreaterThanOrEqual(resetMs - 50);
    expect(retry!.headers.authorization).toBe(FAKE_PERSONAL_TOKEN);
  });

  it('retries a GET through 502s, but not a POST', async () => {
    fake.inject({ status: 502, times: 2 });
    await call('list_spaces');
    expect(fake.requests).toHaveLength(3);

    fake.requests.length = 0;
    fake.inject({ status: 502 });
    await expect(call('create_task', { name: 'Once only' })).rejects.toMatchObject({ kind: 'server', upstreamStatus: 502 });
    expect(fake.requests).toHaveLength(1);
    expect(fake.state.tasks.some((t) => t.name === 'Once only')).toBe(false);
  });
});

describe('ClickUp refusals without a request', () => {
  it('read_only hides and refuses the write tools', async () => {
    const s = await open({ list_id: '67890', read_only: true });
    const names = (await s.listTools(signal)).map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['list_tasks', 'get_task', 'list_comments']));
    for (const w of ['create_task', 'update_task', 'delete_task', 'add_comment']) expect(names).not.toContain(w);
    const r = await call('delete_task', { task_id: 'abc2' }, s);
    expect(r.isError).toBe(true);
    expect(text(r)).toContain('read-only');
    expect(fake.requests).toHaveLength(0);
  });

  it('a missing default names the argument and the configuration field', async () => {
    const bare = await open({});
    for (const [tool, args, field] of [
      ['create_task', { name: 'x' }, 'list_id'],
      ['list_tasks', {}, 'list_id'],
      ['search_tasks', {}, 'workspace_id'],
      ['list_spaces', {}, 'workspace_id'],
      ['get_task', { task_id: 'DEV-1', custom_task_id: true }, 'workspace_id'],
    ] as const) {
      const r = await call(tool, args, bare);
      expect(r.isError, tool).toBe(true);
      expect(text(r)).toContain(`${field} is required: pass ${field}, or set ${field} in this ClickUp configuration`);
    }
    expect(fake.requests).toHaveLength(0);
  });

  it('schema failures and out-of-scope targets are refused before any request', async () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['get_task', { task_id: '../team/12345' }, /task_id: must be a ClickUp task id/],
      ['get_task', { task_id: 'abc1', extra: 1 }, /extra|Unrecognized/i],
      ['list_tasks', { list_id: '67890/../../user' }, /list_id: must be a list id/],
      ['list_tasks', { assignees: ['ada'] }, /assignees\.0/],
      ['list_tasks', { due_date_gt: 'next week' }, /due_date_gt: must be an ISO 8601 date/],
      ['list_tasks', { max_pages: 50 }, /max_pages/],
      ['create_task', { name: '   ' }, /name: must not be empty/],
      ['create_task', { name: 'x', priority: 7 }, /priority: must be 1 \(urgent\)/],
      ['create_task', { name: 'x', description: 'a', markdown_description: 'b' }, /not both/],
      ['update_task', { task_id: 'abc1' }, /nothing to change/],
      ['list_lists', {}, /exactly one of space_id or folder_id/],
      ['list_lists', { space_id: '790', folder_id: '457' }, /exactly one of space_id or folder_id/],
      ['add_comment', { task_id: 'abc1', comment_text: '' }, /comment_text: must not be empty/],
      ['list_comments', { task_id: 'abc1', start_id: 'x' }, /start_id: must be a comment id/],
      ['no_such_tool', {}, /Unknown tool/],
    ];
    for (const [tool, args, message] of cases) {
      const r = await call(tool, args);
      expect(r.isError, `${tool} ${JSON.stringify(args)}`).toBe(true);
      expect(text(r)).toMatch(message);
    }
    expect(fake.requests).toHaveLength(0);
  });

  it("the service's own validation errors come back as UpstreamError validation", async () => {
    const err = await call('create_task', { name: 'x', status: 'no such status' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'validation', upstreamStatus: 400 });
    expect((err as Error).message).toContain('Status does not exist (CRTSK_001)');
    expect(fake.requests).toHaveLength(1);
  });
});

describe('ClickUp configuration schema', () => {
  it('accepts the spec example and the common fields', () => {
    expect(ClickupConfigSchema.parse({ workspace_id: '12345', list_id: '67890', default_priority: 3 })).toEqual({ workspace_id: '12345', list_id: '67890', default_priority: 3 });
    expect(ClickupConfigSchema.safeParse({ api_base_url: 'https://clickup.example.com/api/v2', read_only: true }).success).toBe(true);
    expect(ClickupConfigSchema.safeParse({}).success).toBe(true);
  });

  it.each([
    [{ workspace_id: '12345', team: 'x' }, 'team'],
    [{ default_priority: 5 }, 'default_priority'],
    [{ default_priority: 0 }, 'default_priority'],
    [{ default_priority: 2.5 }, 'default_priority'],
    [{ workspace_id: 'acme' }, 'workspace_id'],
    [{ list_id: 67890 }, 'list_id'],
    [{ api_base_url: 'ftp://clickup.example.com' }, 'api_base_url'],
    [{ read_only: 'yes' }, 'read_only'],
  ])('refuses %j', (config, field) => {
    const r = ClickupConfigSchema.safeParse(config);
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain(field);
  });
});
