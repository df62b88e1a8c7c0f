import { serveStdio, StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import type { Logger } from '../domain/logger.js';
import type { PrincipalGateway } from '../gateway/principal-gateway.js';
import { createGatewayServer } from './server-factory.js';
import type { SettingsPageTool } from './settings-tool.js';
import type { Principal } from '../domain/principal.js';
import type { ChatAuthorizer } from './authorize-in-chat.js';
import { holdListenedResources } from './stdio-listen.js';

/**
 * Serves one principal over stdio, both protocol eras (the SDK's entry decides per connection).
 * Resolves when the client closes stdin.
 */
export function serveGatewayOverStdio(gateway: PrincipalGateway, log: Logger, opts: { settingsPage?: SettingsPageTool; authorization?: { principal: Principal; authorizer: ChatAuthorizer } } = {}): { closed: Promise<void>; close(): Promise<void> } {
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  const handle = serveStdio(
    (ctx) => createGatewayServer(gateway, log, { announceListChanged: true, era: ctx.era, settingsPage: opts.settingsPage, authorization: opts.authorization }),
    {
      // The entry serves 2026-era `subscriptions/listen` itself; the upstreams must hear of the resources named there.
      transport: holdListenedResources(new StdioServerTransport(), gateway, log),
      onerror: (e) => log.debug({ err: e.message }, 'stdio transport'),
    },
  );
  process.stdin.once('end', () => resolveClosed());
  process.stdin.once('close', () => resolveClosed());
  return {
    closed,
    close: async () => {
      await handle.close();
      resolveClosed();
    },
  };
}
