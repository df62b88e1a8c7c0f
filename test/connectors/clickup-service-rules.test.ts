/**
 * ClickUp answers as its published API reference types them, where that differs from what a
 * client might assume: a list's task_count is a string, a workspace search (Get Filtered Team
 * Tasks) answers `{ tasks }` without `last_page` and types priority as an integer.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { CallToolResult, Tool } from '@modelcontextprotocol/server';
import { clickupConnector } from '../../connectors/clickup/index.js';
import type { ConnectorSession } from '../../src/domain/connector.js';
import { silentLogger } from '../../src/domain/logger.js';
import { createHttpClientFactory } from '../../src/http/factory.js';
import { FAKE_PERSONAL_TOKEN, startFakeClickup, type FakeClickup } from '../fakes/clickup.js';
import { staticCredentials } from '../helpers/credentials.js';

const signal = new AbortController().signal;
const http = createHttpClientFactory({ retry: { baseDelayMs: 5, maxDelayMs: 20 } });
let fake: FakeClickup;
let session: ConnectorSession;
let tools: Tool[];

const call = (name: string, args: Record<string, unknown> = {}) => session.callTool(name, args, { signal });

function structured<T>(name: string, result: CallToolResult): T {
  expect(result.isError, JSON.stringify(result.content)).not.toBe(true);
  const tool = tools.find((t) => t.name === name);
  const parsed = z.fromJSONSchema(tool?.outputSchema as Parameters<typeof z.fromJSONSchema>[0]).safeParse(result.structuredContent);
  expect(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues)).toBe(true);
  return result.structuredContent as T;
}

beforeAll(async () => {
  fake = await startFakeClickup({ bigListTasks: 250 });
  session = await clickupConnector.open({
    configurationId: 'pconf_rules',
    configurationName: 'Rules',
    config: { api_base_url: fake.url, workspace_id: '12345', list_id: '67890' },
    credentials: staticCredentials({ type: 'api_key', api_key: FAKE_PERSONAL_TOKEN }),
    http,
    network: { allowLoopback: true, allowPrivate: false },
    signal,
    log: silentLogger,
  });
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

describe('ClickUp published shapes', () => {
  it('list_lists reads task_count sent as a string ("3") and returns it as a number', async () => {
    const raw = await fetch(`${fake.url}/space/790/list`, { headers: { authorization: FAKE_PERSONAL_TOKEN } });
    expect(((await raw.json()) as { lists: { task_count: unknown }[] }).lists[0]?.task_count).toBe('3');
    fake.requests.length = 0;
    const out = structured<{ lists: { id: string; task_count: number | null }[] }>('list_lists', await call('list_lists', { space_id: '790' }));
    expect(out.lists.map((l) => [l.id, l.task_count])).toEqual([
      ['67890', 3],
      ['67892', 250],
      ['67891', 1],
    ]);
  });

  it('search_tasks reads priorities sent as integers (1-4) as their names', async () => {
    const out = structured<{ tasks: { id: string; priority: string | null }[] }>('search_tasks', await call('search_tasks', { list_ids: ['67890'], include_closed: true }));
    expect(Object.fromEntries(out.tasks.map((t) => [t.id, t.priority]))).toEqual({ abc1: 'high', abc2: null, abc3: 'urgent' });
  });
});

describe('ClickUp workspace search paging without last_page', () => {
  it('a short page is the last one: next_page is null and no further page is asked for', async () => {
    const out = structured<{ tasks: unknown[]; next_page: number | null; pages_read: number }>('search_tasks', await call('search_tasks', { list_ids: ['67890'], max_pages: 3 }));
    expect(fake.requests.map((r) => r.query.page)).toEqual(['0']);
    expect(out).toMatchObject({ next_page: null, pages_read: 1 });
    expect(out.tasks).toHaveLength(2);
  });

  it('full pages of 100 go on, and the short one ends the walk', async () => {
    const out = structured<{ tasks: unknown[]; next_page: number | null; pages_read: number }>('search_tasks', await call('search_tasks', { list_ids: ['67892'], max_pages: 5 }));
    expect(fake.requests.map((r) => r.query.page)).toEqual(['0', '1', '2']);
    expect(out).toMatchObject({ next_page: null, pages_read: 3 });
    expect(out.tasks).toHaveLength(250);
  });

  it('a full page at max_pages says where to go on', async () => {
    const out = structured<{ next_page: number | null }>('search_tasks', await call('search_tasks', { list_ids: ['67892'], max_pages: 1 }));
    expect(out.next_page).toBe(1);
  });
});
