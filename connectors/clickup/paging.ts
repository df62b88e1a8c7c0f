import { z } from 'zod';
import { paginate, type Page, type PageOptions } from '../../src/http/pagination.js';
import type { HttpClient, HttpRequest } from '../../src/http/types.js';

/** ClickUp serves tasks 100 to a page ("Responses are limited to 100 tasks per page"). */
export const CLICKUP_TASK_PAGE_SIZE = 100;

const ClickUpPage = z.looseObject({ last_page: z.boolean().optional().catch(undefined) });

/**
 * ClickUp task pages: `page` counts from 0 in the query. Get Tasks answers `last_page`; Get
 * Filtered Team Tasks documents only `{ tasks }` (newer answers add `last_page`), so without it a
 * page shorter than 100 tasks is the last one, and no further request is made for it.
 */
export function paginateClickUpTasks<I>(http: HttpClient, first: HttpRequest, opts: PageOptions<I> & { items: (data: unknown) => I[] }): AsyncGenerator<Page<I>> {
  return paginate(
    http,
    first,
    (res, req, count) => {
      const parsed = ClickUpPage.safeParse(res.data);
      const lastPage = parsed.success ? parsed.data.last_page : undefined;
      if (lastPage === true || count === 0) return undefined;
      if (lastPage === undefined && count < CLICKUP_TASK_PAGE_SIZE) return undefined;
      const current = Number(req.query?.page ?? 0);
      return { ...req, query: { ...req.query, page: (Number.isFinite(current) ? current : 0) + 1 } };
    },
    opts,
  );
}
