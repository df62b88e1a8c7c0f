import { ValidationError } from '../domain/errors.js';
import type { Logger } from '../domain/logger.js';
import { ownerOf, principalLabel } from '../domain/principal.js';
import { parseLimit } from '../service/list-limit.js';
import { LIST_LIMIT } from '../service/configurations.js';
import type { ListOptions, Store } from '../store/types.js';
import { sendError } from './errors.js';
import { sendJson } from './http-io.js';
import type { RateLimiter } from './rate-limit.js';
import type { Authenticate, RouteHandler } from './types.js';

export const AUDIT_EVENTS_URL = '/v1/audit_events';

/**
 * `GET /v1/audit_events?limit=&starting_after=`: the caller's own trail, newest first. The owner comes
 * from the credentials, never from the query, so no parameter can widen what a principal sees.
 */
export function createAuditHandler(
  deps: { store: Pick<Store, 'listAudit'>; log: Logger },
  opts: { authenticate: Authenticate; rateLimiter: RateLimiter },
): RouteHandler {
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.length > 1 && url.pathname.endsWith('/') ? url.pathname.slice(0, -1) : url.pathname;
    if (path !== AUDIT_EVENTS_URL) return false;
    try {
      const principal = await opts.authenticate(req);
      if (req.method !== 'GET') {
        res.setHeader('Allow', 'GET');
        sendJson(res, 405, { error: { type: 'invalid_request_error', code: 'method_not_allowed', message: `${req.method ?? ''} is not allowed here; use GET` } });
        return true;
      }
      await opts.rateLimiter.acquire(principalLabel(principal));
      const page = await deps.store.listAudit(ownerOf(principal), parseAuditQuery(url.searchParams));
      sendJson(res, 200, { object: 'list', data: page.data, has_more: page.has_more, url: AUDIT_EVENTS_URL });
    } catch (e) {
      sendError(res, e, deps.log);
    }
    return true;
  };
}

/** `limit` (1-100, default 10) and `starting_after` (an event id); anything else is refused by name. */
export function parseAuditQuery(params: URLSearchParams): ListOptions {
  const out: ListOptions = { limit: LIST_LIMIT.default };
  const seen = new Set<string>();
  for (const [name, value] of params) {
    if (seen.has(name)) throw new ValidationError(`${name}: given more than once`, name);
    seen.add(name);
    if (name === 'limit') out.limit = parseLimit(value);
    else if (name === 'starting_after') {
      if (value === '') throw new ValidationError('starting_after: must not be empty', 'starting_after');
      out.starting_after = value;
    } else throw new ValidationError(`${name}: unknown query parameter; accepted: limit, starting_after`, name);
  }
  return out;
}
