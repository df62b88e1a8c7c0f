import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NotFoundError, ValidationError } from '../domain/errors.js';
import { principalLabel, type Principal } from '../domain/principal.js';
import { apiKeyVerifier, bearerAuthenticator } from './authenticate.js';
import { sendError } from './errors.js';
import { createApiHandler } from './handler.js';
import { allowedHostnames, hostGuard } from './host-check.js';
import { sendJson } from './http-io.js';
import { RateLimiter } from './rate-limit.js';
import type { ApiContext, Authenticate } from './types.js';
import type { ApiKeyService } from '../service/api-keys.js';

/**
 * How long an idle keep-alive connection is kept (advertised as `Keep-Alive: timeout=65`). Node's
 * default, 5 s, races its clients: they reuse an idle connection until a second or two before the
 * advertised timeout, and on a busy host a request sent then crosses the server's close and fails
 * with a reset the client cannot safely retry (a POST). Longer than the 60 s idle timeout of common
 * proxies and load balancers, so those close first, as the client side of a connection should.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;

export interface ExtraRoute {
  path: string;
  /** Allowed methods (default GET). */
  methods?: string[];
  /** Served without authentication (metadata documents); default false. */
  public?: boolean;
  handle(req: IncomingMessage, res: ServerResponse, principal: Principal | undefined): Promise<void>;
}

export interface HttpServerOptions {
  host: string;
  port: number;
  /**
   * Serves /mcp for an authenticated principal. One request was counted against the /mcp rate limit
   * before the body was read; `charge(n)` says the request carries `n` calls (a JSON-RPC batch) and
   * counts the `n - 1` others.
   */
  mcpHandler?: (req: IncomingMessage, res: ServerResponse, principal: Principal, charge: (n: number) => Promise<void>) => Promise<void>;
  extraRoutes?: ExtraRoute[];
  /** Default: API keys as bearer tokens. The only authentication /mcp accepts. */
  authenticate?: Authenticate;
  /**
   * The REST routes' (and extra routes') authentication when it differs from /mcp's: bearer or the
   * management page's session cookie with its CSRF token. Default: `authenticate`.
   */
  restAuthenticate?: Authenticate;
  /** The Host names accepted (DNS-rebinding check). Default: loopback names, the bind host and settings.allowed_hosts. */
  allowedHostnames?: readonly string[];
}

export interface RunningHttpServer {
  server: Server;
  /** http://host:port of the bound socket. */
  url: string;
  close(): Promise<void>;
}

/** One node:http server: host checks, /healthz, the REST API, /mcp and any extra routes, all behind bearer auth. */
export async function createHttpServer(ctx: ApiContext & { apiKeys: ApiKeyService }, opts: HttpServerOptions): Promise<RunningHttpServer> {
  const authenticate = opts.authenticate ?? bearerAuthenticator([apiKeyVerifier(ctx.apiKeys)]);
  // One budget for every REST route, the extra ones (OAuth start…) included.
  // With a database the buckets live there: one budget per principal for the whole deployment.
  const shared = (scope: string) => (ctx.store?.rateBuckets ? { buckets: ctx.store.rateBuckets, scope, log: ctx.log } : undefined);
  const restLimiter = new RateLimiter(ctx.settings.limits.rate_limit_per_minute, undefined, shared('rest'));
  const restAuthenticate = opts.restAuthenticate ?? authenticate;
  const api = createApiHandler(ctx, { authenticate: restAuthenticate, rateLimiter: restLimiter });
  const guard = hostGuard(opts.allowedHostnames ?? allowedHostnames(opts.host, ctx.settings.allowed_hosts));
  const extra = opts.extraRoutes ?? [];
  // Its own budget: a tool-calling agent makes far more requests than a person using the REST API.
  const mcpLimiter = new RateLimiter(ctx.settings.limits.mcp_rate_limit_per_minute, undefined, shared('mcp'));
  const serveMcp = async (mcp: NonNullable<HttpServerOptions['mcpHandler']>, req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const principal = await authenticate(req);
    const label = principalLabel(principal);
    await mcpLimiter.acquire(label);
    await mcp(req, res, principal, (n) => mcpLimiter.acquire(label, n - 1, n));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    guard(req);
    // The MCP endpoint is most of the traffic: recognised without parsing a URL.
    if (opts.mcpHandler && isMcpPath(req.url)) {
      await serveMcp(opts.mcpHandler, req, res);
      return;
    }
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/healthz') {
      sendJson(res, 200, { status: 'ok' });
      return;
    }
    if (await api(req, res)) return;
    if (path === '/mcp' && opts.mcpHandler) {
      await serveMcp(opts.mcpHandler, req, res);
      return;
    }
    const route = extra.find((r) => r.path === path);
    if (route) {
      const principal = route.public ? undefined : await restAuthenticate(req);
      // Public routes (OAuth browser steps, metadata) are counted per client address instead.
      await restLimiter.acquire(principal ? principalLabel(principal) : `addr:${req.socket.remoteAddress ?? '?'}`);
      const methods = route.methods ?? ['GET'];
      if (!methods.includes(req.method ?? 'GET')) {
        res.setHeader('Allow', methods.join(', '));
        sendJson(res, 405, { error: { type: 'invalid_request_error', code: 'method_not_allowed', message: `${req.method ?? ''} is not allowed on ${path}; use ${methods.join(', ')}` } });
        return;
      }
      await route.handle(req, res, principal);
      return;
    }
    // Unknown paths still require credentials, so anonymous probing cannot map the server.
    await authenticate(req);
    throw new NotFoundError(`no route ${req.method ?? ''} ${path}`);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => sendError(res, e, ctx.log));
  });
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      // A busy port is the operator's choice to make: say which one, and how to pick another.
      if (e.code === 'EADDRINUSE') {
        reject(new ValidationError(`port: ${opts.host}:${opts.port} is already in use; choose another with --port N (env CONNECTOR_GATEWAY_PORT), or --port 0 for any free port`, 'port', 'port_in_use'));
      } else reject(e);
    });
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    server,
    url: `http://${hostForUrl}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function isMcpPath(url: string | undefined): boolean {
  return url === '/mcp' || (url !== undefined && url.startsWith('/mcp?'));
}
