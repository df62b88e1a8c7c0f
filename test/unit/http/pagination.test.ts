import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectItems } from '../../../src/http/pagination.js';
import { paginateGitHub, parseLinkNext } from '../../../connectors/github/paging.js';
import { paginateJira } from '../../../connectors/jira/paging.js';
import { paginateGraph } from '../../../connectors/teams/paging.js';
import { paginateClickUpTasks } from '../../../connectors/clickup/paging.js';
import type { HttpClient } from '../../../src/http/types.js';
import { clientOptions, json, startServer, testFactory } from './server.js';

/** Seven items, three per page: pages of 3, 3 and 1. */
const ALL = Array.from({ length: 7 }, (_, i) => ({ id: i + 1 }));
const PER = 3;
const tasksOf = (d: unknown) => (d as { tasks: { id: number }[] }).tasks;

describe('pagination', () => {
  const factory = testFactory();
  let server: Awaited<ReturnType<typeof startServer>>;
  let http: HttpClient;

  beforeAll(async () => {
    server = await startServer((req, res, body) => {
      const url = new URL(req.url ?? '/', server.origin);
      const q = url.searchParams;
      switch (url.pathname) {
        case '/api/repos/o/r/issues': {
          const page = Number(q.get('page') ?? '1');
          const last = Math.ceil(ALL.length / PER);
          const link = (p: number, rel: string) => `<${server.origin}/api/repos/o/r/issues?labels=a,b&page=${p}>; rel="${rel}"`;
          const links = [page < last ? link(page + 1, 'next') : '', link(last, 'last')].filter(Boolean).join(', ');
          return json(res, 200, ALL.slice((page - 1) * PER, page * PER), { link: links });
        }
        case '/api/rest/api/3/search/jql': {
          // Tokens are opaque strings; here they encode the offset.
          const token = req.method === 'POST' ? (JSON.parse(body) as { nextPageToken?: string }).nextPageToken : q.get('nextPageToken');
          const start = token ? Number(token.replace('tok-', '')) : 0;
          const end = start + PER;
          const isLast = end >= ALL.length;
          return json(res, 200, { issues: ALL.slice(start, end), isLast, ...(isLast ? {} : { nextPageToken: `tok-${end}` }) });
        }
        case '/api/rest/api/3/project/search': {
          const start = Number(q.get('startAt') ?? '0');
          return json(res, 200, { startAt: start, maxResults: PER, total: ALL.length, values: ALL.slice(start, start + PER) });
        }
        case '/api/list/9/task': {
          const page = Number(q.get('page') ?? '0');
          const tasks = ALL.slice(page * PER, (page + 1) * PER);
          return json(res, 200, { tasks, last_page: (page + 1) * PER >= ALL.length });
        }
        case '/api/v1.0/teams/t/channels/c/messages': {
          const skip = Number(q.get('$skiptoken') ?? '0');
          const next = skip + PER < ALL.length ? `${server.origin}/api/v1.0/teams/t/channels/c/messages?$skiptoken=${skip + PER}` : undefined;
          return json(res, 200, { value: ALL.slice(skip, skip + PER), ...(next ? { '@odata.nextLink': next } : {}) });
        }
        case '/api/loop':
          return json(res, 200, { issues: [{ id: 1 }], isLast: false, nextPageToken: 'same' });
        default:
          return json(res, 404, { message: 'Not Found' });
      }
    });
    http = factory.create(clientOptions(`${server.origin}/api`));
  });

  afterAll(async () => {
    await factory.close();
    await server.close();
  });

  it('follows GitHub Link headers, commas in URLs included', async () => {
    const pages = [];
    for await (const p of paginateGitHub<{ id: number }>(http, { method: 'GET', path: '/repos/o/r/issues', query: { per_page: PER } })) pages.push(p);
    expect(pages.map((p) => p.items.map((i) => i.id))).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
    expect(pages.map((p) => p.hasMore)).toEqual([true, true, false]);
    expect(new URL(pages[1]!.response.url).searchParams.get('labels')).toBe('a,b');
  });

  it('follows Jira nextPageToken in the query (GET) and in the body (POST)', async () => {
    const get = await collectItems(paginateJira(http, { method: 'GET', path: '/rest/api/3/search/jql', query: { jql: 'project = A' } }));
    expect(get).toEqual({ items: ALL, hasMore: false });
    const post = await collectItems(paginateJira(http, { method: 'POST', path: '/rest/api/3/search/jql', json: { jql: 'project = A' }, retry: true }));
    expect(post.items).toEqual(ALL);
    const posted = server.seen.filter((s) => s.method === 'POST').map((s) => JSON.parse(s.body) as Record<string, unknown>);
    expect(posted.map((b) => b.nextPageToken)).toEqual([undefined, 'tok-3', 'tok-6']);
    expect(posted.every((b) => b.jql === 'project = A')).toBe(true);
  });

  it('walks Jira offset pages with startAt and total', async () => {
    expect((await collectItems(paginateJira(http, { method: 'GET', path: '/rest/api/3/project/search' }))).items).toEqual(ALL);
  });

  it('counts ClickUp pages from 0 until last_page', async () => {
    const pages = [];
    for await (const p of paginateClickUpTasks(http, { method: 'GET', path: '/list/9/task', query: { archived: false } }, { items: tasksOf })) pages.push(p);
    expect(pages).toHaveLength(3);
    expect(pages.flatMap((p) => p.items)).toEqual(ALL);
    expect(pages.map((p) => new URL(p.response.url).searchParams.get('page'))).toEqual([null, '1', '2']);
  });

  it('follows Microsoft Graph @odata.nextLink', async () => {
    const pages = [];
    for await (const p of paginateGraph(http, { method: 'GET', path: '/v1.0/teams/t/channels/c/messages', query: { $top: PER } })) pages.push(p);
    expect(pages).toHaveLength(3);
    expect(pages.flatMap((p) => p.items)).toEqual(ALL);
  });

  it('stops at maxItems and maxPages and says more exist', async () => {
    const five = await collectItems(paginateGitHub(http, { method: 'GET', path: '/repos/o/r/issues' }, { maxItems: 5 }));
    expect(five).toEqual({ items: ALL.slice(0, 5), hasMore: true });
    const before = server.seen.length;
    const two = await collectItems(paginateGraph(http, { method: 'GET', path: '/v1.0/teams/t/channels/c/messages' }, { maxPages: 2 }));
    expect(two).toEqual({ items: ALL.slice(0, 6), hasMore: true });
    expect(server.seen.length - before).toBe(2);
    const exact = await collectItems(paginateClickUpTasks(http, { method: 'GET', path: '/list/9/task' }, { maxItems: 3, items: tasksOf }));
    expect(exact).toEqual({ items: ALL.slice(0, 3), hasMore: true });
  });

  it('stops when a service repeats a cursor', async () => {
    const r = await collectItems(paginateJira(http, { method: 'GET', path: '/loop' }, { maxPages: 50 }));
    expect(r.items).toHaveLength(2);
  });

  it('parses Link headers', () => {
    expect(parseLinkNext('<https://x/a?page=2>; rel="next", <https://x/a?page=5>; rel="last"')).toBe('https://x/a?page=2');
    expect(parseLinkNext('<https://x/a?page=1>; rel="prev"')).toBeUndefined();
    expect(parseLinkNext('<https://x/a?q=1,2>; rel="prev next"')).toBe('https://x/a?q=1,2');
    expect(parseLinkNext(undefined)).toBeUndefined();
  });
});
