import { z } from 'zod';
import { ForbiddenError, NotFoundError, ValidationError } from '../domain/errors.js';
import type { Logger } from '../domain/logger.js';
import { principalLabel, type Principal } from '../domain/principal.js';
import type { ApiKeyObject, ApiKeyService } from '../service/api-keys.js';
import { parseOrThrow } from '../service/validation.js';
import { sendError } from './errors.js';
import { readJson, sendJson } from './http-io.js';
import type { RateLimiter } from './rate-limit.js';
import type { Authenticate, RouteHandler } from './types.js';

export const API_KEYS_URL = '/v1/api_keys';

const CreateBodySchema = z.strictObject({
  name: z.string().trim().min(1, { error: 'must not be empty' }).max(100, { error: 'must be at most 100 characters' }).optional(),
});

/**
 * Whose keys a principal manages: a user's own keys (in its organization); a bare API key (no
 * user) only itself. The owner comes from the credentials, never from the request.
 */
function owns(principal: Principal, key: ApiKeyObject): boolean {
  if (key.organization_id !== principal.organization_id) return false;
  return principal.user_id !== undefined ? key.user_id === principal.user_id : key.id === principal.api_key_id;
}

/**
 * `GET /v1/api_keys` (the caller's keys, without secrets), `POST /v1/api_keys` (a new key for the
 * caller: its secret is in this one response only), `DELETE /v1/api_keys/{id}` (revoke).
 */
export function createApiKeyHandler(deps: { apiKeys: ApiKeyService; log: Logger }, opts: { authenticate: Authenticate; rateLimiter: RateLimiter; maxBodyBytes: number }): RouteHandler {
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.length > 1 && url.pathname.endsWith('/') ? url.pathname.slice(0, -1) : url.pathname;
    if (path !== API_KEYS_URL && !path.startsWith(API_KEYS_URL + '/')) return false;
    const id = path === API_KEYS_URL ? undefined : decodeURIComponent(path.slice(API_KEYS_URL.length + 1));
    if (id !== undefined && !/^[A-Za-z0-9_]{1,100}$/.test(id)) return false;
    try {
      const principal = await opts.authenticate(req);
      const allow = id === undefined ? ['GET', 'POST'] : ['DELETE'];
      if (!allow.includes(req.method ?? 'GET')) {
        res.setHeader('Allow', allow.join(', '));
        sendJson(res, 405, { error: { type: 'invalid_request_error', code: 'method_not_allowed', message: `${req.method ?? ''} is not allowed here; use ${allow.join(', ')}` } });
        return true;
      }
      await opts.rateLimiter.acquire(principalLabel(principal));
      for (const name of url.searchParams.keys()) throw new ValidationError(`${name}: this route takes no query parameters`, name);
      if (id === undefined && req.method === 'GET') {
        const data = (await deps.apiKeys.list(principal.organization_id)).filter((k) => owns(principal, k));
        sendJson(res, 200, { object: 'list', data, has_more: false, url: API_KEYS_URL });
      } else if (id === undefined) {
        if (principal.user_id === undefined) throw new ForbiddenError('an API key without a user cannot create API keys; sign in as a user', 'user_required');
        const body = parseOrThrow(CreateBodySchema, (await readJson(req, opts.maxBodyBytes)) ?? {});
        const created = await deps.apiKeys.create({ organization_id: principal.organization_id, user_id: principal.user_id, ...(body.name !== undefined ? { name: body.name } : {}) });
        sendJson(res, 201, created, { Location: `${API_KEYS_URL}/${created.id}` });
      } else {
        const mine = (await deps.apiKeys.list(principal.organization_id)).find((k) => k.id === id && owns(principal, k));
        // Another principal's key answers exactly like a missing one.
        if (!mine) throw new NotFoundError(`no such API key: ${id}`, 'id');
        sendJson(res, 200, await deps.apiKeys.revoke(id));
      }
    } catch (e) {
      sendError(res, e, deps.log);
    }
    return true;
  };
}
