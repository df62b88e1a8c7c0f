import type { AppContext } from './context.js';
import { createGatewayRuntime } from './runtime.js';
import { ownerOf, type Principal } from '../domain/principal.js';
import { createHttpServer } from '../api/server.js';
import { createHttpAuth } from '../api/authenticate.js';
import { clientMetadataDocument } from '../oauth/mcp-auth/index.js';
import { oauthRoutes } from '../api/oauth-routes.js';
import { publicBaseUrl } from '../api/well-known.js';
import { createConnectService } from './connect.js';
import { createChatAuthorizer } from './chat-authorizer.js';
import { FlowEndings } from '../oauth/authorization-wait.js';
import { managementSurface } from './management.js';
import { LocalPage } from './local-page.js';
import { McpHttpEndpoint } from '../mcp/http-endpoint.js';
import { sealedSessionIds } from '../mcp/session-id.js';
import { endStreamsOfRevokedKeys } from '../mcp/key-revocation.js';
import { serveGatewayOverStdio } from '../mcp/stdio.js';
import { createMetrics } from '../observability/metrics.js';
import { composeObservers } from '../observability/compose.js';
import { logObserver } from '../observability/log-observer.js';
import { auditObserver } from '../observability/audit-observer.js';
import { recordHttpRequests } from '../observability/http-metrics.js';
import { metricsRoute } from '../api/metrics-route.js';

export interface ServeOptions {
  transport: 'stdio' | 'http';
  host: string;
  port: number;
  /** stdio: whose configurations to serve. HTTP callers authenticate per request. */
  principal: Principal;
}

export interface RunningServe {
  /** http://host:port (HTTP only). */
  url?: string;
  /** Resolves when the transport ends by itself (stdio: the client closed stdin). */
  closed: Promise<void>;
  close(): Promise<void>;
}

/** Starts the gateway on the chosen transport. */
export async function startServe(ctx: AppContext, opts: ServeOptions): Promise<RunningServe> {
  const metrics = opts.transport === 'http' ? createMetrics() : undefined;
  const audit = auditObserver(ctx.store, { log: ctx.log.child({ component: 'audit' }) });
  const runtime = createGatewayRuntime(ctx, composeObservers(logObserver(ctx.log.child({ component: 'calls' })), metrics?.observer, audit));

  if (opts.transport === 'stdio') {
    // The settings page listens only once the client asks for it (the open-gateway-settings tool).
    // A call that needs an account connected sends a client with URL elicitation to the same page's
    // confirmation step, which starts the page too.
    const endings = new FlowEndings();
    const connect = createConnectService(ctx, { endings });
    const page = new LocalPage(ctx, { principal: opts.principal, gateway: runtime.gateway, connect });
    const authorizer = createChatAuthorizer({ connect, store: ctx.store, sealing: ctx.sealing, baseUrl: () => page.origin ?? '', endings });
    const stdio = serveGatewayOverStdio(runtime.gateway.forOwner(ownerOf(opts.principal)), ctx.log, {
      settingsPage: page,
      authorization: {
        principal: opts.principal,
        authorizer: {
          ...authorizer,
          start: async (principal, configurationId, scope) => {
            await page.listen();
            return authorizer.start(principal, configurationId, scope);
          },
        },
      },
    });
    let closing: Promise<void> | undefined;
    const close = () =>
      (closing ??= (async () => {
        await stdio.close();
        await page.close();
        await runtime.close();
        await audit.close();
      })());
    return { closed: stdio.closed.then(() => close()), close };
  }

  let baseUrl = '';
  // One connect service for the REST routes and the in-chat flow: a chat waiting for a consent
  // hears of a flow that failed here at once.
  const endings = new FlowEndings();
  const connect = createConnectService(ctx, { endings });
  const authorizer = createChatAuthorizer({ connect, store: ctx.store, sealing: ctx.sealing, baseUrl: () => baseUrl, endings });
  const endpoint = new McpHttpEndpoint(runtime.gateway, ctx.log.child({ component: 'mcp' }), {
    maxBodyBytes: ctx.settings.limits.max_body_bytes,
    authorizer,
    // An escape hatch and a benchmark baseline: CONNECTOR_GATEWAY_LEAN_CALLS=0 sends every call through the SDK path.
    leanCalls: ctx.env.CONNECTOR_GATEWAY_LEAN_CALLS !== '0',
    // Sealed under the shared key: behind a load balancer any replica serves a session any other opened.
    sessionIds: sealedSessionIds(ctx.vault),
  });
  metrics?.setSessionGauge(() => endpoint.openSessions);
  const stopRevoking = endStreamsOfRevokedKeys(ctx.store, ctx.apiKeys, endpoint, ctx.log.child({ component: 'mcp' }));
  // API keys, plus OIDC access tokens when auth.oidc is set; the resource URL is known once bound.
  const auth = createHttpAuth(ctx.apiKeys, ctx.settings);
  const connectRoutes = oauthRoutes(connect, { clientMetadata: () => clientMetadataDocument(ctx.settings), maxBodyBytes: ctx.settings.limits.max_body_bytes, baseUrl: () => baseUrl, log: ctx.log.child({ component: 'oauth' }) });
  const management = managementSurface(ctx, { bearer: auth.authenticate, baseUrl: () => baseUrl });
  const http = await createHttpServer({ ...ctx, gateway: runtime.gateway }, {
    host: opts.host,
    port: opts.port,
    mcpHandler: (req, res, principal, charge) => endpoint.handle(req, res, principal, charge),
    extraRoutes: [...(metrics ? [metricsRoute(metrics)] : []), ...(auth.resource?.routes ?? []), ...connectRoutes, ...management.routes],
    authenticate: auth.authenticate,
    restAuthenticate: management.restAuthenticate,
  });
  // No request is handled before this continuation runs: listen() resolved on this very tick.
  auth.resource?.bind(http.url);
  // A configured public_base_url wins: browsers and authorization servers reach the gateway there.
  baseUrl = ctx.settings.public_base_url?.replace(/\/$/, '') ?? publicBaseUrl(ctx.settings.auth.oidc?.audience, http.url);
  if (metrics) recordHttpRequests(http.server, metrics);
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  let closing: Promise<void> | undefined;
  return {
    url: http.url,
    closed,
    close: () =>
      (closing ??= (async () => {
        stopRevoking();
        await endpoint.close();
        await http.close();
        await runtime.close();
        await audit.close();
        resolveClosed();
      })()),
  };
}
