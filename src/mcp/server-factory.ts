import { VERSION } from '../domain/version.js';
import { Server, ProtocolError, ProtocolErrorCode, type CallToolResult } from '@modelcontextprotocol/server';
import { isGatewayError } from '../domain/errors.js';
import type { Logger } from '../domain/logger.js';
import { CallCancelledError } from '../gateway/configuration-link.js';
import { CATALOG_CAPABILITIES, registerCatalogHandlers } from './catalog-handlers.js';
import { UnknownToolError, type PrincipalGateway } from '../gateway/principal-gateway.js';
import { callSettingsTool, SETTINGS_INSTRUCTIONS, SETTINGS_TOOL, SETTINGS_TOOL_NAME, type SettingsPageTool } from './settings-tool.js';
import type { Principal } from '../domain/principal.js';
import { callToolAuthorizing, type ChatAuthorizer } from './authorize-in-chat.js';

export const SERVER_INFO = { name: 'mcp-connector-gateway', title: 'MCP Connector Gateway', version: VERSION } as const;

const INSTRUCTIONS =
  'Tools come from your personal connector configurations (GitHub, ClickUp, Jira, Microsoft Teams, custom MCP servers). ' +
  'Each tool name starts with the configuration it belongs to; its description says which one.';

/**
 * One low-level SDK server bound to one principal's gateway. Instances are cheap: the HTTP entry
 * makes one per request (2026 era) or per session (2025 era); the tool table lives in the gateway.
 */
export function createGatewayServer(
  gateway: PrincipalGateway,
  log: Logger,
  opts: {
    announceListChanged: boolean;
    /** Connecting from inside the chat (src/mcp/authorize-in-chat.ts): whose calls, and how to authorize them. */
    authorization?: { principal: Principal; authorizer: ChatAuthorizer } | undefined;
    /** The stdio server's settings page (src/mcp/settings-tool.ts): its tool and a line of instructions. */
    settingsPage?: SettingsPageTool | undefined;
  },
): Server {
  const page = opts.settingsPage;
  const server = new Server(SERVER_INFO, { capabilities: { tools: { listChanged: true }, ...CATALOG_CAPABILITIES }, instructions: page ? INSTRUCTIONS + SETTINGS_INSTRUCTIONS : INSTRUCTIONS });

  server.setRequestHandler('tools/list', async (request) => {
    // The whole list is one page, so no cursor was ever handed out: any cursor is unknown, and
    // answering the full list to it would make a paginating client loop or duplicate tools.
    if (request.params?.cursor !== undefined) throw new ProtocolError(ProtocolErrorCode.InvalidParams, 'Invalid params: unknown cursor (tools/list is not paginated: send it without one)');
    const tools = await gateway.listTools();
    // The table never gives a configuration's tool the settings tool's name (GATEWAY_TOOL_NAMES).
    return { tools: page ? [SETTINGS_TOOL, ...tools] : tools };
  });

  server.setRequestHandler('tools/call', async (request, ctx) => {
    const { name } = request.params;
    const args = (request.params.arguments ?? {}) as Record<string, unknown>;
    if (page && name === SETTINGS_TOOL_NAME) {
      try {
        return await callSettingsTool(page, args);
      } catch (e) {
        log.error({ err: e instanceof Error ? e.message : String(e) }, 'settings page failed to start');
        return { content: [{ type: 'text', text: `The settings page could not start: ${e instanceof Error ? e.message : String(e)}` }], isError: true };
      }
    }
    const progressToken = request.params._meta?.progressToken;
    const onProgress =
      progressToken === undefined
        ? undefined
        : (p: { progress: number; total?: number; message?: string }) => {
            void ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken, ...p } }).catch(() => {});
          };
    try {
      const callOpts = { signal: ctx.mcpReq.signal, ...(onProgress ? { onProgress } : {}) };
      const auth = opts.authorization;
      if (auth) return await callToolAuthorizing({ server, ctx, principal: auth.principal, authorizer: auth.authorizer, gateway, name, args, opts: callOpts });
      const result: CallToolResult = await gateway.callTool(name, args, callOpts);
      return result;
    } catch (e) {
      if (e instanceof UnknownToolError) throw new ProtocolError(ProtocolErrorCode.InvalidParams, e.message);
      if (e instanceof ProtocolError) throw e;
      if (e instanceof CallCancelledError) throw new ProtocolError(ProtocolErrorCode.InternalError, 'Request cancelled');
      if (isGatewayError(e)) return { content: [{ type: 'text', text: e.message }], isError: true };
      log.error({ err: e instanceof Error ? e.message : String(e), tool: name }, 'tool call failed unexpectedly');
      return { content: [{ type: 'text', text: `The gateway could not complete ${name}: internal error` }], isError: true };
    }
  });

  registerCatalogHandlers(server, gateway, log);

  // Long-lived instances (a stdio connection, a 2025-era HTTP session) announce changes themselves;
  // per-request 2026-era instances do not: their entry's bus reaches the open subscriptions.
  if (opts.announceListChanged) {
    const unsubscribe = [
      gateway.onToolsChanged(() => {
        server.sendToolListChanged().catch(() => {});
      }),
      gateway.onCatalogChanged('resources', () => {
        server.sendResourceListChanged().catch(() => {});
      }),
      gateway.onCatalogChanged('prompts', () => {
        server.sendPromptListChanged().catch(() => {});
      }),
    ];
    const previousOnClose = server.onclose;
    server.onclose = () => {
      for (const u of unsubscribe) u();
      previousOnClose?.();
    };
  }
  return server;
}
