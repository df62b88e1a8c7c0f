import { z } from 'zod';
import type { HttpClient, HttpRequest } from '../../src/http/types.js';
import { firstArray, paginate, type Page, type PageOptions } from '../../src/http/pagination.js';

/** Input fields of every list/search tool. GitHub caps per_page at 100. */
export const pagingInput = {
  per_page: z.number().int().min(1, { error: 'must be at least 1' }).max(100, { error: 'must be at most 100' }).default(30)
    .describe('Results per page (1-100, default 30).'),
  page: z.number().int().min(1, { error: 'must be at least 1' }).max(1000).default(1).describe('Page to start from (default 1).'),
  max_pages: z.number().int().min(1, { error: 'must be at least 1' }).max(10, { error: 'must be at most 10' }).default(1)
    .describe('How many pages to fetch by following GitHub\'s Link header (1-10, default 1).'),
};

export const pagingOutput = {
  pages_fetched: z.number().int(),
  /** The page to ask for next, or null when GitHub has no further page. */
  next_page: z.number().int().nullable(),
};

function pageOf(url: string | undefined): number | null {
  if (!url) return null;
  const page = Number(new URL(url).searchParams.get('page'));
  return Number.isInteger(page) && page > 0 ? page : null;
}

export interface Pages<T> {
  items: T[];
  pages: number;
  nextPage: number | null;
  /** The first page's body: search endpoints carry total_count there. */
  first: unknown;
}

/**
 * Follows `Link: rel="next"` up to `maxPages` pages (the shared GitHub walk), and reports the page
 * a caller would ask for next, so a model can continue where this call stopped.
 */
export async function collectPages<T>(
  http: HttpClient,
  firstRequest: HttpRequest,
  maxPages: number,
  extract: (body: unknown) => T[],
): Promise<Pages<T>> {
  const items: T[] = [];
  let first: unknown;
  let pages = 0;
  let next: string | undefined;
  for await (const page of paginateGitHub(http, firstRequest, { maxPages, items: extract })) {
    if (pages === 0) first = page.data;
    pages++;
    items.push(...page.items);
    next = parseLinkNext(page.response.headers['link']);
  }
  return { items, pages, nextPage: pageOf(next), first };
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
