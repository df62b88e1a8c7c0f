import { ProtocolError, ProtocolErrorCode, ResourceNotFoundError, type Server } from '@modelcontextprotocol/server';
import { isGatewayError } from '../domain/errors.js';
import type { Logger } from '../domain/logger.js';
import { CallCancelledError } from '../gateway/configuration-link.js';
import type { PrincipalGateway } from '../gateway/principal-gateway.js';
import { UnknownPromptError, UnknownResourceError } from '../gateway/principal-catalog.js';

/** What the gateway adds to its capabilities for the upstreams' prompts, resources and completions. */
export const CATALOG_CAPABILITIES = { prompts: { listChanged: true }, resources: { listChanged: true }, completions: {} } as const;

/**
 * The upstreams' prompts and resources, namespaced per configuration (src/gateway/catalog.ts).
 * An upstream's JSON-RPC error passes through as it is; its unavailability is an internal error
 * naming the configuration (prompts and resources have no `isError` result to carry it).
 */
export function registerCatalogHandlers(server: Server, gateway: PrincipalGateway, log: Logger): void {
  const mapped = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (e) {
      if (e instanceof ProtocolError) throw e;
      if (e instanceof UnknownPromptError) throw new ProtocolError(ProtocolErrorCode.InvalidParams, e.message);
      if (e instanceof UnknownResourceError) throw new ResourceNotFoundError(e.message.replace(/^Resource not found: /, ''), e.message);
      if (e instanceof CallCancelledError) throw new ProtocolError(ProtocolErrorCode.InternalError, 'Request cancelled');
      if (isGatewayError(e)) throw new ProtocolError(ProtocolErrorCode.InternalError, e.message);
      log.error({ err: e instanceof Error ? e.message : String(e) }, `${what} failed unexpectedly`);
      throw new ProtocolError(ProtocolErrorCode.InternalError, `The gateway could not complete ${what}: internal error`);
    }
  };
  const noCursor = (cursor: unknown, method: string) => {
    // One page, as tools/list: a cursor the gateway never handed out is unknown.
    if (cursor !== undefined) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Invalid params: unknown cursor (${method} is not paginated: send it without one)`);
  };

  server.setRequestHandler('prompts/list', async (request, ctx) => {
    noCursor(request.params?.cursor, 'prompts/list');
    return { prompts: await mapped('prompts/list', () => gateway.catalog.listPrompts(ctx.mcpReq.signal)) };
  });
  server.setRequestHandler('prompts/get', async (request, ctx) =>
    mapped('prompts/get', () => gateway.catalog.getPrompt(request.params.name, request.params.arguments, ctx.mcpReq.signal)),
  );
  server.setRequestHandler('resources/list', async (request, ctx) => {
    noCursor(request.params?.cursor, 'resources/list');
    return { resources: await mapped('resources/list', () => gateway.catalog.listResources(ctx.mcpReq.signal)) };
  });
  server.setRequestHandler('resources/templates/list', async (request, ctx) => {
    noCursor(request.params?.cursor, 'resources/templates/list');
    return { resourceTemplates: await mapped('resources/templates/list', () => gateway.catalog.listResourceTemplates(ctx.mcpReq.signal)) };
  });
  server.setRequestHandler('resources/read', async (request, ctx) => mapped('resources/read', () => gateway.catalog.readResource(request.params.uri, ctx.mcpReq.signal)));
  server.setRequestHandler('completion/complete', async (request, ctx) => mapped('completion/complete', () => gateway.catalog.complete(request.params, ctx.mcpReq.signal)));
}
