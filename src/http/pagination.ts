import { z } from 'zod';
import type { HttpClient, HttpRequest, HttpResponse } from './types.js';

/** Bounds every walk: a tool never pulls an unbounded list into one answer. */
export interface PageBounds {
  /** Default 10. */
  maxPages?: number;
  /** Stop once this many items were yielded; the last page is cut to fit. */
  maxItems?: number;
}

export interface PageOptions<I> extends PageBounds {
  /** Where the items are in a page's JSON; each style has a sensible default. */
  items?: (data: unknown) => I[];
}

export interface Page<I> {
  items: I[];
  /** The page's JSON as received, for fields beside the items (totals, cursors). */
  data: unknown;
  response: HttpResponse<unknown>;
  /** 1-based. */
  page: number;
  /** More items exist beyond what was yielded (a next page, or items cut by `maxItems`). */
  hasMore: boolean;
}

type NextRequest = (res: HttpResponse<unknown>, req: HttpRequest, itemCount: number) => HttpRequest | undefined;

const DEFAULT_MAX_PAGES = 10;

function firstArray(data: unknown, keys: readonly string[]): unknown[] {
  if (Array.isArray(data)) return data;
  if (typeof data !== 'object' || data === null) return [];
  const obj = data as Record<string, unknown>;
  for (const k of keys) if (Array.isArray(obj[k])) return obj[k];
  return Object.values(obj).find(Array.isArray) ?? [];
}

function requestKey(r: HttpRequest): string {
  return JSON.stringify([r.method, r.path, r.query ?? null, r.json ?? null]);
}

/** The shared walk: request, cut to bounds, yield, ask the style for the next request. */
export async function* paginate<I>(http: HttpClient, first: HttpRequest, next: NextRequest, opts: PageOptions<I> & { items: (data: unknown) => I[] }): AsyncGenerator<Page<I>> {
  const maxPages = opts.maxPages ?? DEFAULT_MAX_PAGES;
  let budget = opts.maxItems ?? Number.POSITIVE_INFINITY;
  const seen = new Set<string>();
  let req: HttpRequest | undefined = first;
  for (let page = 1; req && page <= maxPages && budget > 0; page++) {
    // A service that hands back the same cursor twice would otherwise loop until maxPages.
    const key = requestKey(req);
    if (seen.has(key)) return;
    seen.add(key);
    const response = await http.request<unknown>(req);
    const all = opts.items(response.data);
    const items = all.length > budget ? all.slice(0, budget) : all;
    budget -= items.length;
    const following = next(response, req, all.length);
    yield { items, data: response.data, response, page, hasMore: following !== undefined || items.length < all.length };
    req = following;
  }
}

/** `<https://api.github.com/…?page=2>; rel="next", <…>; rel="last"` → the next URL. */
export function parseLinkNext(link: string | undefined): string | undefined {
  if (!link) return undefined;
  // Split on '<' rather than ',': GitHub's URLs may hold commas (labels=a,b).
  for (const m of link.matchAll(/<([^>]*)>([^<]*)/g)) {
    const rel = /;\s*rel\s*=\s*"?([^";]*)"?/i.exec(m[2] ?? '')?.[1];
    if (rel?.toLowerCase().split(/\s+/).includes('next')) return m[1];
  }
  return undefined;
}

/** GitHub: follows `Link: <…>; rel="next"` (the URL carries the whole query). */
export function paginateGitHub<I = unknown>(http: HttpClient, first: HttpRequest, opts: PageOptions<I> = {}): AsyncGenerator<Page<I>> {
  const items = opts.items ?? ((d: unknown) => firstArray(d, ['items']) as I[]);
  return paginate(http, first, (res, req) => {
    const url = parseLinkNext(res.headers.link);
    return url ? { ...req, path: url, query: undefined } : undefined;
  }, { ...opts, items });
}

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

/** Every item of a walk, in order. */
export async function collectItems<I>(pages: AsyncIterable<Page<I>>): Promise<{ items: I[]; hasMore: boolean }> {
  const items: I[] = [];
  let hasMore = false;
  for await (const p of pages) {
    items.push(...p.items);
    hasMore = p.hasMore;
  }
  return { items, hasMore };
}
