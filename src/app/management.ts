import type { ExtraRoute } from '../api/server.js';
import type { Authenticate } from '../api/types.js';
import { sessionOrBearer, type SessionCookies } from '../api/session-auth.js';
import { sessionRoutes } from '../api/session-routes.js';
import { SessionCodec, type OneTimeTokens } from '../auth/sessions.js';
import { oidcSessionRoutes } from '../api/oidc-session-routes.js';
import { createOidcLogin, hasPageClient } from '../auth/oidc-login.js';
import { uiRoutes } from '../ui/assets.js';
import type { AppContext } from './context.js';

export interface ManagementSurface {
  /** Bearer (as before) or the page's session cookie + CSRF token: for the REST routes only, never /mcp. */
  restAuthenticate: Authenticate;
  /** /v1/sessions, /v1/sessions/current and the page's files under /ui/. */
  routes: ExtraRoute[];
}

/**
 * The management page and the sessions it signs in with, for any HTTP server of this process:
 * `serve --transport http`, and the loopback page the stdio server starts on demand.
 */
export function managementSurface(ctx: AppContext, opts: { bearer: Authenticate; baseUrl: () => string; oneTimeTokens?: OneTimeTokens; uiDir?: string }): ManagementSurface {
  const cookies: SessionCookies = {
    codec: new SessionCodec(ctx.vault),
    secure: () => opts.baseUrl().startsWith('https:'),
    keyActive: (id) => ctx.apiKeys.isActive(id),
  };
  // With the page's own client at the OIDC issuer, people sign in there instead of with an API key.
  const oidc = ctx.settings.auth.oidc;
  const oidcRoutes = hasPageClient(oidc)
    ? oidcSessionRoutes({
        login: createOidcLogin({ settings: oidc, env: ctx.env, allowInsecure: ctx.settings.network.allow_loopback ?? false, timeoutMs: ctx.settings.limits.discovery_timeout_ms }),
        cookies,
        sealer: ctx.vault,
        baseUrl: opts.baseUrl,
        log: ctx.log.child({ component: 'sessions' }),
      })
    : [];
  return {
    restAuthenticate: sessionOrBearer(opts.bearer, cookies),
    routes: [
      ...oidcRoutes,
      ...sessionRoutes({
        cookies,
        authenticateKey: (secret) => ctx.apiKeys.authenticate(secret),
        maxBodyBytes: ctx.settings.limits.max_body_bytes,
        ...(opts.oneTimeTokens ? { oneTimeTokens: opts.oneTimeTokens } : {}),
      }),
      ...uiRoutes(opts.uiDir !== undefined ? { dir: opts.uiDir } : {}),
    ],
  };
}
