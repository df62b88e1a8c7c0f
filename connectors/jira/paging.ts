import { z } from 'zod';
import { firstArray, paginate, type Page, type PageOptions } from '../../src/http/pagination.js';
import type { HttpClient, HttpRequest } from '../../src/http/types.js';

const JiraPage = z.looseObject({
  isLast: z.boolean().optional(),
  nextPageToken: z.string().min(1).optional().catch(undefined),
  startAt: z.number().optional().catch(undefined),
  total: z.number().optional().catch(undefined),
});

/**
 * Jira Cloud: `nextPageToken` + `isLast` (search/jql), sent back in the query for GET or in the
 * JSON body for POST; falls back to `startAt`/`total` for the older offset-paged endpoints.
 */
export function paginateJira<I = unknown>(http: HttpClient, first: HttpRequest, opts: PageOptions<I> = {}): AsyncGenerator<Page<I>> {
  const items = opts.items ?? ((d: unknown) => firstArray(d, ['issues', 'values', 'worklogs', 'comments']) as I[]);
  return paginate(http, first, (res, req, count) => {
    const parsed = JiraPage.safeParse(res.data);
    if (!parsed.success || parsed.data.isLast === true) return undefined;
    const p = parsed.data;
    const withParam = (name: string, value: string | number): HttpRequest =>
      req.method === 'POST' && typeof req.json === 'object' && req.json !== null
        ? { ...req, json: { ...(req.json as Record<string, unknown>), [name]: value } }
        : { ...req, query: { ...req.query, [name]: value } };
    if (p.nextPageToken) return withParam('nextPageToken', p.nextPageToken);
    if (p.startAt !== undefined && count > 0) {
      const nextStart = p.startAt + count;
      if (p.total !== undefined ? nextStart < p.total : p.isLast === false) return withParam('startAt', nextStart);
    }
    return undefined;
  }, { ...opts, items });
}
