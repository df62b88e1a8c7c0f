import type { ExtraRoute } from '../api/server.js';
import type { Authenticate } from '../api/types.js';
import { sessionOrBearer, type SessionCookies } from '../api/session-auth.js';
import { sessionRoutes } from '../api/session-routes.js';
import { SessionCodec, type OneTimeTokens } from '../auth/sessions.js';
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
  return {
    restAuthenticate: sessionOrBearer(opts.bearer, cookies),
    routes: [
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
