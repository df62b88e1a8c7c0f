import { ValidationError } from '../domain/errors.js';
import type { QueryValue } from './types.js';

/**
 * Resolves a request path against the base URL, keeping the base path: `new URL('/x', base)`
 * would drop `/rest` from `http://h/rest`, so plain concatenation is what callers mean.
 * Absolute URLs (pagination links) are accepted only on the base URL's origin: a service cannot
 * steer the client, its credentials included, to another host.
 */
export function resolveRequestUrl(base: URL, path: string): URL {
  if (/^[a-z][a-z0-9+.-]*:/i.test(path) || path.startsWith('//')) {
    let abs: URL;
    try {
      abs = new URL(path, base);
    } catch {
      throw new ValidationError('path must be a relative path or an absolute URL', 'path');
    }
    if (abs.origin !== base.origin) {
      throw new ValidationError(`path: absolute URLs must stay on ${base.origin} (got ${abs.origin})`, 'path');
    }
    return abs;
  }
  const basePath = base.pathname.replace(/\/+$/, '');
  const [rawPath = '', rawQuery] = splitOnce(path, '?');
  const rel = rawPath === '' ? '' : rawPath.startsWith('/') ? rawPath : `/${rawPath}`;
  const url = new URL(base.origin);
  url.pathname = basePath + rel || '/';
  url.search = rawQuery !== undefined ? `?${rawQuery}` : base.search;
  return url;
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}

/** Adds query parameters: arrays repeat the key, undefined and null are skipped. */
export function appendQuery(url: URL, query: Record<string, QueryValue> | undefined): void {
  if (!query) return;
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) {
      for (const v of value as readonly (string | number)[]) url.searchParams.append(key, String(v));
    } else {
      url.searchParams.append(key, String(value));
    }
  }
}

/** Query keys whose values are secrets or one-time codes: never shown in messages or logs. */
export const SECRET_QUERY_KEY = /token|key|secret|signature|sig$|code|password|passwd|auth|session|credential/i;

/** Path and query for messages and logs, with secret-looking query values replaced by `***`. */
export function redactedPath(url: URL): string {
  const parts: string[] = [];
  for (const [k, v] of url.searchParams) {
    parts.push(`${encodeURIComponent(k)}=${SECRET_QUERY_KEY.test(k) ? '***' : encodeURIComponent(v)}`);
  }
  return url.pathname + (parts.length ? `?${parts.join('&')}` : '');
}
