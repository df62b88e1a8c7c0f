import type { IncomingMessage, ServerResponse } from 'node:http';
import { NotFoundError, ValidationError } from '../domain/errors.js';
import { principalLabel, type Principal } from '../domain/principal.js';
import type { ConfigurationObject } from '../domain/configuration.js';
import { sendError } from './errors.js';
import { readJson, sendJson } from './http-io.js';
import { etag, parseIfMatch, parseListQuery } from './list-query.js';
import { RateLimiter } from './rate-limit.js';
import { createAuditHandler } from './audit-routes.js';
import { createApiKeyHandler } from './api-key-routes.js';
import { createToolHandler } from './tool-routes.js';
import { matchRoute, MethodNotAllowedError, type RouteMatch } from './routes.js';
import type { ApiContext, Authenticate, RouteHandler } from './types.js';

const CONFIGURATIONS_URL = '/v1/personal_connectors/configurations';
/** A remote MCP server announces its own authorization server: it needs no settings entry to connect. */
const MCP_CONNECTOR = 'pc_custom_mcp';

/**
 * The REST management API on plain node:http. Returns false for paths that are not its own so the
 * caller can mount /mcp and /metrics on the same server.
 */
export function createApiHandler(ctx: ApiContext, opts: { authenticate: Authenticate; rateLimiter?: RateLimiter }): RouteHandler {
  const limiter = opts.rateLimiter ?? new RateLimiter(ctx.settings.limits.rate_limit_per_minute);
  const maxBody = ctx.settings.limits.max_body_bytes;
  const audit = ctx.store ? createAuditHandler({ store: ctx.store, log: ctx.log }, { authenticate: opts.authenticate, rateLimiter: limiter }) : undefined;
  const apiKeys = ctx.apiKeys ? createApiKeyHandler({ apiKeys: ctx.apiKeys, log: ctx.log }, { authenticate: opts.authenticate, rateLimiter: limiter, maxBodyBytes: maxBody }) : undefined;
  const tools = ctx.gateway
    ? createToolHandler({ configurations: ctx.configurations, gateway: ctx.gateway, log: ctx.log }, { authenticate: opts.authenticate, rateLimiter: limiter, maxBodyBytes: maxBody })
    : undefined;

  return async (req, res) => {
    if (audit && req.url?.startsWith('/v1/audit_events') && (await audit(req, res))) return true;
    if (apiKeys && req.url?.startsWith('/v1/api_keys') && (await apiKeys(req, res))) return true;
    if (tools && req.url?.includes('/tools') && (await tools(req, res))) return true;
    const url = new URL(req.url ?? '/', 'http://localhost');
    let route: RouteMatch | undefined;
    try {
      route = matchRoute(req.method ?? 'GET', url.pathname);
      if (!route) return false;
      const principal = await opts.authenticate(req);
      await limiter.acquire(principalLabel(principal));
      await dispatch(route, principal, req, res, url);
    } catch (e) {
      if (e instanceof MethodNotAllowedError) {
        // Authenticate first: an anonymous caller learns nothing about which routes exist.
        try {
          await opts.authenticate(req);
        } catch (authError) {
          sendError(res, authError, ctx.log);
          return true;
        }
        res.setHeader('Allow', e.allow.join(', '));
      }
      sendError(res, e, ctx.log);
    }
    return true;
  };

  /**
   * The connector as the registry describes it, plus whether `oauth/start` can connect an account of
   * it on this server: the page offers "Connect with OAuth" and "Reconnect" only then.
   */
  function connectorObject(def: Parameters<ApiContext['registry']['toObject']>[0]) {
    const o = ctx.registry.toObject(def);
    const oauthConnect = o.auth_methods.includes('oauth2') && (ctx.settings.oauth[o.id] !== undefined || o.id === MCP_CONNECTOR);
    return { ...o, oauth_connect: oauthConnect };
  }

  async function dispatch(route: RouteMatch, principal: Principal, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const svc = ctx.configurations;
    const one = (status: number, o: ConfigurationObject, extra: Record<string, string> = {}) => {
      const v = svc.revisionOf(o);
      sendJson(res, status, o, { ...(v !== undefined ? { ETag: etag(v) } : {}), ...extra });
    };
    switch (route.name) {
      case 'connectors.list':
        noQuery(url);
        sendJson(res, 200, { object: 'list', data: ctx.registry.list().map((d) => connectorObject(d)), has_more: false, url: '/v1/personal_connectors' });
        return;
      case 'connectors.get': {
        noQuery(url);
        const def = ctx.registry.get(route.id);
        if (!def) throw new NotFoundError(`no such connector: ${route.id}; valid ids: ${ctx.registry.ids().join(', ')}`, 'id');
        sendJson(res, 200, connectorObject(def));
        return;
      }
      case 'configurations.list': {
        const page = await svc.list(principal, parseListQuery(url.searchParams));
        sendJson(res, 200, { object: 'list', data: page.data, has_more: page.has_more, url: CONFIGURATIONS_URL });
        return;
      }
      case 'configurations.create': {
        noQuery(url);
        const body = await readJson(req, maxBody);
        if (body === undefined) throw new ValidationError('request body must be a JSON object with personal_connector_id, name and configuration');
        const created = await svc.create(principal, body);
        one(201, created, { Location: `${CONFIGURATIONS_URL}/${created.id}` });
        return;
      }
      case 'configurations.get':
        noQuery(url);
        one(200, await svc.get(principal, route.id));
        return;
      case 'configurations.update': {
        noQuery(url);
        const expectedRevision = parseIfMatch(header(req, 'if-match'));
        const body = await readJson(req, maxBody);
        if (body === undefined) throw new ValidationError('request body must be a JSON object of the fields to change');
        one(200, await svc.update(principal, route.id, body, expectedRevision !== undefined ? { expectedRevision } : {}));
        return;
      }
      case 'configurations.delete': {
        noQuery(url);
        const expectedRevision = parseIfMatch(header(req, 'if-match'));
        sendJson(res, 200, await svc.delete(principal, route.id, expectedRevision !== undefined ? { expectedRevision } : {}));
        return;
      }
      case 'configurations.test':
        noQuery(url);
        await readJson(req, maxBody); // any body is ignored, but it must be consumed
        one(200, await svc.test(principal, route.id));
        return;
    }
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

function noQuery(url: URL): void {
  for (const name of url.searchParams.keys()) throw new ValidationError(`${name}: this route takes no query parameters`, name);
}
