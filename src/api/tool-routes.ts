import type { Tool } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { ConflictError, NotFoundError, ValidationError, isGatewayError } from '../domain/errors.js';
import type { Logger } from '../domain/logger.js';
import { ownerOf, principalLabel } from '../domain/principal.js';
import type { Gateway } from '../gateway/gateway.js';
import { ROUTE_META_KEY } from '../gateway/tool-table.js';
import type { ConfigurationService } from '../service/configurations.js';
import { parseOrThrow } from '../service/validation.js';
import { sendError } from './errors.js';
import { readJson, sendJson } from './http-io.js';
import type { RateLimiter } from './rate-limit.js';
import type { Authenticate, RouteHandler } from './types.js';

const PATTERN = /^\/v1\/personal_connectors\/configurations\/([A-Za-z0-9_]{1,100})\/tools(\/call)?\/?$/;

const CallBodySchema = z.strictObject({
  name: z.string().min(1, { error: 'must not be empty' }).max(128, { error: 'must be at most 128 characters' }),
  arguments: z.record(z.string(), z.unknown()).optional(),
});

function configurationOf(tool: Tool): string | undefined {
  const meta = tool._meta?.[ROUTE_META_KEY] as { configuration_id?: unknown } | undefined;
  return typeof meta?.configuration_id === 'string' ? meta.configuration_id : undefined;
}

/**
 * A configuration's tools over REST, for the page's tool browser and for scripts:
 * `GET …/configurations/{id}/tools` lists them as MCP clients see them (namespaced names, input
 * schemas), `POST …/configurations/{id}/tools/call` `{name, arguments}` calls one through the same
 * pipeline as MCP (credentials, refresh, health, audit). A tool's own failure is a result with
 * `isError: true`, as in MCP, not an HTTP error.
 */
export function createToolHandler(
  deps: { configurations: ConfigurationService; gateway: Gateway; log: Logger },
  opts: { authenticate: Authenticate; rateLimiter: RateLimiter; maxBodyBytes: number },
): RouteHandler {
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const m = PATTERN.exec(url.pathname);
    if (!m?.[1]) return false;
    const id = m[1];
    const isCall = m[2] !== undefined;
    try {
      const principal = await opts.authenticate(req);
      const allow = isCall ? 'POST' : 'GET';
      if (req.method !== allow) {
        res.setHeader('Allow', allow);
        sendJson(res, 405, { error: { type: 'invalid_request_error', code: 'method_not_allowed', message: `${req.method ?? ''} is not allowed here; use ${allow}` } });
        return true;
      }
      await opts.rateLimiter.acquire(principalLabel(principal));
      for (const name of url.searchParams.keys()) throw new ValidationError(`${name}: this route takes no query parameters`, name);
      // 404 for another principal's id, exactly like a missing one.
      const config = await deps.configurations.get(principal, id);
      const gateway = deps.gateway.forOwner(ownerOf(principal));
      const tools = (await gateway.listTools()).filter((t) => configurationOf(t) === id);
      if (!isCall) {
        sendJson(res, 200, { object: 'list', data: tools, has_more: false, url: `/v1/personal_connectors/configurations/${id}/tools`, enabled: config.enabled });
        return true;
      }
      const body = parseOrThrow(CallBodySchema, (await readJson(req, opts.maxBodyBytes)) ?? {});
      if (!config.enabled) throw new ConflictError(`configuration ${id} is disabled: enable it to call its tools`, 'configuration_disabled');
      if (!tools.some((t) => t.name === body.name)) throw new NotFoundError(`no tool ${body.name} in configuration ${id}; list them with GET …/configurations/${id}/tools`, 'name');
      const abort = new AbortController();
      const onClose = () => {
        if (!res.writableFinished) abort.abort();
      };
      res.once('close', onClose);
      try {
        const result = await gateway.callTool(body.name, body.arguments ?? {}, { signal: abort.signal });
        sendJson(res, 200, { object: 'tool_result', configuration_id: id, name: body.name, ...result });
      } catch (e) {
        if (!isGatewayError(e) || e.type !== 'upstream_error') throw e;
        sendJson(res, 200, { object: 'tool_result', configuration_id: id, name: body.name, content: [{ type: 'text', text: e.message }], isError: true });
      } finally {
        res.off('close', onClose);
      }
    } catch (e) {
      sendError(res, e, deps.log);
    }
    return true;
  };
}
