import { z } from 'zod';
import { firstArray, paginate, type Page, type PageOptions } from '../../src/http/pagination.js';
import type { HttpClient, HttpRequest } from '../../src/http/types.js';

const GraphPage = z.looseObject({ '@odata.nextLink': z.string().min(1).optional().catch(undefined) });

/** Microsoft Graph: follows the absolute `@odata.nextLink` (same origin, enforced by the client). */
export function paginateGraph<I = unknown>(http: HttpClient, first: HttpRequest, opts: PageOptions<I> = {}): AsyncGenerator<Page<I>> {
  const items = opts.items ?? ((d: unknown) => firstArray(d, ['value']) as I[]);
  return paginate(http, first, (res, req) => {
    const parsed = GraphPage.safeParse(res.data);
    const link = parsed.success ? parsed.data['@odata.nextLink'] : undefined;
    return link ? { ...req, path: link, query: undefined } : undefined;
  }, { ...opts, items });
}
