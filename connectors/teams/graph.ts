import { z } from 'zod';
import { UpstreamError } from '../../src/domain/errors.js';
import { collectItems } from '../../src/http/pagination.js';
import { paginateGraph } from './paging.js';
import type { HttpClient, QueryValue } from '../../src/http/types.js';

/** Graph's largest page for messages and chats: a bigger `$top` is answered with 400. */
export const GRAPH_MAX_TOP = 50;

/** One path segment: ids such as `19:abc@thread.tacv2` carry `:` and `@`. */
export const seg = (id: string): string => encodeURIComponent(id);

/** Graph's collection envelope; items are validated by the caller's schema. */
function collectionSchema<T extends z.ZodType>(item: T) {
  return z.object({ value: z.array(item) });
}

/** However many items were asked for, never follow more than this many `@odata.nextLink`s. */
export const MAX_PAGES = 10;

/**
 * Reads up to `limit` items, following `@odata.nextLink`. Graph may return short pages (channel
 * messages skip system events), hence the page bound besides the item count.
 */
export async function listAll<T extends z.ZodType>(
  http: HttpClient,
  first: { path: string; query?: Record<string, QueryValue> },
  item: T,
  limit: number,
  signal: AbortSignal,
): Promise<{ items: z.infer<T>[]; hasMore: boolean }> {
  const schema = collectionSchema(item);
  const pages = paginateGraph<z.infer<T>>(
    http,
    { method: 'GET', path: first.path, ...(first.query ? { query: first.query } : {}), signal },
    { maxItems: limit, maxPages: MAX_PAGES, items: (data) => parseGraph(schema, data, first.path).value },
  );
  return collectItems(pages);
}

/** A Graph body that does not match the documented shape is a protocol failure, named by path. */
export function parseGraph<T extends z.ZodType>(schema: T, data: unknown, path: string): z.infer<T> {
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length ? ` at ${issue.path.map(String).join('.')}` : '';
    throw new UpstreamError('protocol', `Microsoft Graph answered ${path} with an unexpected body${where}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/**
 * Posts a new message. No `retry` flag on purpose: the HTTP client then repeats a POST only after
 * a 429 (Graph did not process it, so nothing can be posted twice, and the Retry-After wait is
 * honoured), never after a 5xx or a dropped connection, which may hide a message already posted.
 */
export async function postMessage(http: HttpClient, path: string, json: unknown, signal: AbortSignal): Promise<unknown> {
  return (await http.request({ method: 'POST', path, json, signal })).data;
}
