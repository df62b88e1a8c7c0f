import { AuthError } from '../domain/errors.js';
import type { Principal } from '../domain/principal.js';
import { createHttpServer, type RunningHttpServer } from '../api/server.js';
import type { Authenticate } from '../api/types.js';
import { oauthRoutes } from '../api/oauth-routes.js';
import { sessionOrBearer, type SessionCookies } from '../api/session-auth.js';
import { sessionRoutes } from '../api/session-routes.js';
import { OneTimeTokens, SessionCodec } from '../auth/sessions.js';
import type { Gateway } from '../gateway/gateway.js';
import { clientMetadataDocument } from '../oauth/mcp-auth/index.js';
import { uiRoutes } from '../ui/assets.js';
import { createConnectService, type ConnectService } from './connect.js';
import type { AppContext } from './context.js';
import type { LocalPageLink } from '../mcp/settings-tool.js';

/** The only address the page listens on: a person on this computer, never the network. */
export const LOCAL_PAGE_HOST = '127.0.0.1';

/** How long a sign-in link works (it works once). */
export const LINK_TTL_MS = 10 * 60 * 1000;

export interface LocalPageOptions {
  /** The stdio server's principal: the only one this page signs in, and the only one it serves. */
  principal: Principal;
  gateway: Gateway;
  now?: () => number;
  /** The built page (default dist/ui of the package). */
  uiDir?: string;
  /** Shared with the in-chat authorizer, so a chat waiting for consent hears of a flow that failed here. */
  connect?: ConnectService;
}

/**
 * The management page of a stdio server (Claude Desktop's bundle): the same page and REST API the
 * HTTP server serves, on a loopback port of its own, for the stdio process's own user, who has no
 * API key and no terminal. Nothing listens until the first link is asked for; then one listener
 * stays until the stdio server ends. Sign-in is only through the links `link()` hands out: each
 * carries a one-time token that opens one session and expires after ten minutes. API keys and
 * bearer tokens are refused here: whoever else can reach 127.0.0.1 (another local user) gets nothing
 * without a link, and a link's token is good once.
 */
export class LocalPage {
  private readonly tokens: OneTimeTokens;
  private readonly now: () => number;
  private starting: Promise<RunningHttpServer> | undefined;
  private server: RunningHttpServer | undefined;
  private closed = false;

  constructor(
    private readonly ctx: AppContext,
    private readonly opts: LocalPageOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.tokens = new OneTimeTokens(this.now, LINK_TTL_MS);
  }

  /** The page's origin once it listens; undefined before the first link. */
  get origin(): string | undefined {
    return this.server?.url;
  }

  /** Starts the page (once) and returns its origin, `http://127.0.0.1:<port>`. */
  async listen(): Promise<string> {
    if (this.closed) throw new Error('the settings page has been closed');
    return (await (this.starting ??= this.start())).url;
  }

  /** Starts the page (once) and returns a new single-use sign-in link to it. */
  async link(): Promise<LocalPageLink> {
    const server = { url: await this.listen() };
    const token = this.tokens.issue(this.opts.principal);
    return {
      url: `${server.url}/ui/#token=${token}`,
      page_url: `${server.url}/ui/`,
      expires_at: new Date(this.now() + LINK_TTL_MS).toISOString(),
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    const starting = this.starting;
    if (!starting) return;
    try {
      await (await starting).close();
    } catch {
      // It never started: nothing to close.
    }
  }

  private async start(): Promise<RunningHttpServer> {
    const ctx = this.ctx;
    const local = this.opts.principal;
    let origin = '';
    const cookies: SessionCookies = {
      codec: new SessionCodec(ctx.vault, this.now),
      secure: () => false,
      // Sessions here come from one-time tokens, never from API keys.
      keyActive: async () => false,
      // Cookies are per host, not per port: a name of its own keeps this page's session apart from
      // `serve --transport http` on the same 127.0.0.1 and from another stdio server's page.
      name: () => `cg_local_${new URL(origin || 'http://127.0.0.1:0').port}`,
    };
    const refuseBearer: Authenticate = async () => {
      throw new AuthError('this page signs in only through a link from the gateway (ask Claude to open the connector settings)', 'missing_session');
    };
    const sessionOnly = sessionOrBearer(refuseBearer, cookies);
    const restAuthenticate: Authenticate = async (req) => {
      const p = await sessionOnly(req);
      // Sessions are sealed with the data file's key, which other processes share: only this
      // server's own principal is served here.
      if (p.via !== 'local' || p.organization_id !== local.organization_id || p.user_id !== local.user_id || p.api_key_id !== local.api_key_id) {
        throw new AuthError('invalid session; sign in again', 'invalid_session');
      }
      return p;
    };
    const connect = oauthRoutes(this.opts.connect ?? createConnectService(ctx), {
      clientMetadata: () => clientMetadataDocument(ctx.settings),
      maxBodyBytes: ctx.settings.limits.max_body_bytes,
      baseUrl: () => origin,
      log: ctx.log.child({ component: 'oauth' }),
    });
    const sessions = sessionRoutes({
      cookies,
      authenticateKey: async () => {
        throw new AuthError('this page signs in only through a link from the gateway, not with an API key: ask Claude to open the connector settings for a new link', 'api_key_sign_in_disabled');
      },
      oneTimeTokens: this.tokens,
      maxBodyBytes: ctx.settings.limits.max_body_bytes,
    });
    const server = await createHttpServer(
      { ...ctx, gateway: this.opts.gateway },
      {
        host: LOCAL_PAGE_HOST,
        port: 0,
        extraRoutes: [...sessions, ...connect, ...uiRoutes(this.opts.uiDir !== undefined ? { dir: this.opts.uiDir } : {})],
        authenticate: refuseBearer,
        restAuthenticate,
        // Loopback names only (not the settings' allowed_hosts, which are for a proxied HTTP server):
        // a page of some other site that rebinds its name to 127.0.0.1 is refused.
        allowedHostnames: ['127.0.0.1', 'localhost'],
      },
    );
    origin = server.url;
    if (this.closed) {
      await server.close();
      throw new Error('the settings page has been closed');
    }
    this.server = server;
    ctx.log.info({ url: `${server.url}/ui/` }, 'settings page listening on loopback');
    return server;
  }
}
