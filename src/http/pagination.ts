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

export type NextRequest = (res: HttpResponse<unknown>, req: HttpRequest, itemCount: number) => HttpRequest | undefined;

const DEFAULT_MAX_PAGES = 10;

/** A page's items: the body itself when it is an array, else the first of `keys` that holds one. */
export function firstArray(data: unknown, keys: readonly string[]): unknown[] {
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
