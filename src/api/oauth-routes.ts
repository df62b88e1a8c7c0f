import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ConnectService } from '../service/connect.js';
import { AuthError, ForbiddenError, GatewayError, NotFoundError, ValidationError } from '../domain/errors.js';
import { CLIENT_METADATA_PATH } from '../oauth/mcp-auth/index.js';
import type { Logger } from '../domain/logger.js';
import { describeOwner, ownerOf } from '../domain/principal.js';
import { flowId, sameSecret } from '../oauth/pending-flows.js';
import { escapeHtml, htmlPage } from './html-page.js';
import { readBody } from '../http/request-body.js';
import { readJson, sendJson } from './http-io.js';
import type { ExtraRoute } from './server.js';

export const OAUTH_START_PATH = '/v1/personal_connectors/configurations/oauth/start';
export const OAUTH_AUTHORIZE_PATH = '/v1/personal_connectors/oauth/authorize';
export const OAUTH_CALLBACK_PATH = '/v1/personal_connectors/oauth/callback';
const CONFIGURATIONS_URL = '/v1/personal_connectors/configurations';
/** Both cookies are sent only to the two browser routes of the flow. */
const COOKIE_PATH = '/v1/personal_connectors/oauth/';

export interface OAuthRoutesOptions {
  maxBodyBytes: number;
  /** The gateway's Client ID Metadata Document (undefined without public_base_url: the route answers 404). */
  clientMetadata?: () => Record<string, unknown> | undefined;
  /** Public origin of this server (scheme://host:port), for the default redirect URI. */
  baseUrl: () => string;
  log: Logger;
}

/**
 * Connecting an account over REST, bound to one browser (RFC 6749 §10.12):
 *  1. `POST …/oauth/start` (bearer auth) stores the pending flow and returns a gateway URL, not the
 *     provider's.
 *  2. `GET …/oauth/authorize?state=` shows whose gateway principal the account will be connected
 *     for, with a button; the form carries a one-time token matched by a SameSite=Strict cookie, so
 *     another site cannot press it for the user.
 *  3. `POST …/oauth/authorize` sets the flow's binding cookie (HttpOnly, SameSite=Lax so it comes
 *     back on the provider's top-level redirect, Secure over https, path-scoped) and redirects to
 *     the provider.
 *  4. `GET …/oauth/callback` completes the flow only when that cookie matches the flow's binding
 *     (constant time), before the code is exchanged. Someone who sends their authorization link to
 *     another person gets nothing: that person's browser has no cookie for the flow, or saw whose
 *     flow it was before pressing the button.
 */
export function oauthRoutes(connect: ConnectService, opts: OAuthRoutesOptions): ExtraRoute[] {
  const base = () => opts.baseUrl().replace(/\/$/, '');
  const secure = () => base().startsWith('https:');

  const start: ExtraRoute = {
    path: OAUTH_START_PATH,
    methods: ['POST'],
    async handle(req, res, principal) {
      if (!principal) throw new AuthError('missing bearer token', 'missing_authorization');
      const body = await readJson(req, opts.maxBodyBytes);
      if (body === undefined) throw new ValidationError('request body must be a JSON object with personal_connector_id and name');
      const result = await connect.start(principal, body, `${base()}${OAUTH_CALLBACK_PATH}`);
      sendJson(res, 200, {
        object: 'personal_connector.oauth_authorization',
        authorization_url: `${base()}${OAUTH_AUTHORIZE_PATH}?state=${encodeURIComponent(result.state)}`,
        state: result.state,
        expires_at: result.expires_at,
        principal: ownerOf(principal),
      });
    },
  };

  const authorize: ExtraRoute = {
    path: OAUTH_AUTHORIZE_PATH,
    methods: ['GET', 'POST'],
    public: true,
    async handle(req, res) {
      if (req.method === 'POST') return confirm(req, res);
      const state = new URL(req.url ?? '/', 'http://localhost').searchParams.get('state') ?? '';
      const flow = state ? await connect.flow.pending(state) : undefined;
      if (!flow) {
        htmlPage(res, 400, 'Connection not found', 'This connection link is unknown, expired or already used. Start the connection again.');
        return;
      }
      const token = randomToken();
      const maxAge = Math.max(1, Math.ceil((flow.expiresAt - Date.now()) / 1000));
      res.setHeader('Set-Cookie', cookie(confirmCookie(state), token, { maxAge, sameSite: 'Strict', secure: secure() }));
      const who = describeOwner(flow.principal);
      htmlPage(res, 200, 'Connect an account', [
        `You are about to connect a ${flow.connectorId} account as “${flow.name}” to the connector gateway for ${who}.`,
        'Only continue if you started this connection yourself and that is you: whoever that principal is will use the account you sign in with.',
      ], `<form method="post" action="${OAUTH_AUTHORIZE_PATH}"><input type="hidden" name="state" value="${escapeHtml(state)}"><input type="hidden" name="confirm" value="${token}"><button type="submit">Continue to sign in</button></form>`,
      // Browsers apply form-action to the redirect that follows the post too: the provider must be allowed.
      [new URL(flow.authorizationUrl).origin]);
    },
  };

  async function confirm(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = new URLSearchParams(await readBody(req, opts.maxBodyBytes));
    const state = form.get('state') ?? '';
    const token = form.get('confirm') ?? '';
    const expected = cookies(req).get(confirmCookie(state));
    if (!state || !token || expected === undefined || !sameSecret(token, expected)) {
      htmlPage(res, 403, 'Connection not confirmed', 'The confirmation did not come from the page this gateway showed in this browser. Open the connection link again.');
      return;
    }
    const flow = await connect.flow.pending(state);
    if (!flow) {
      htmlPage(res, 400, 'Connection not found', 'This connection link is unknown, expired or already used. Start the connection again.');
      return;
    }
    const maxAge = Math.max(1, Math.ceil((flow.expiresAt - Date.now()) / 1000));
    res.writeHead(303, {
      Location: flow.authorizationUrl,
      'Set-Cookie': [
        cookie(bindingCookie(state), flow.binding, { maxAge, sameSite: 'Lax', secure: secure() }),
        cookie(confirmCookie(state), '', { maxAge: 0, sameSite: 'Strict', secure: secure() }),
      ],
      'Cache-Control': 'no-store',
      'Referrer-Policy': 'no-referrer',
    });
    res.end();
  }

  const callback: ExtraRoute = {
    path: OAUTH_CALLBACK_PATH,
    public: true,
    async handle(req, res) {
      const json = wantsJson(req);
      const params = new URL(req.url ?? '/', 'http://localhost').searchParams;
      const fields: { code?: string; state?: string; iss?: string; error?: string } = {};
      for (const k of ['code', 'state', 'iss', 'error'] as const) {
        const v = params.get(k);
        if (v !== null) fields[k] = v;
      }
      const state = fields.state ?? '';
      // Used or not, the binding cookie has done its job.
      if (state) res.setHeader('Set-Cookie', cookie(bindingCookie(state), '', { maxAge: 0, sameSite: 'Lax', secure: secure() }));
      let created;
      try {
        created = await connect.flow.complete(fields, state ? cookies(req).get(bindingCookie(state)) : undefined);
      } catch (raw) {
        const e = asBadRequest(raw);
        if (json) throw e; // the server's error mapping answers with the error object
        const status = e instanceof GatewayError ? e.status : 500;
        if (status >= 500) opts.log.error({ err_name: e instanceof Error ? e.name : typeof e, err_code: e instanceof GatewayError ? e.code : undefined }, 'OAuth callback failed');
        const shown = e instanceof GatewayError && (e.status < 500 || e.type === 'upstream_error') ? e.message : 'the connection could not be completed; see the server log';
        htmlPage(res, status, 'Connection failed', [shown], BACK_TO_PAGE);
        return;
      }
      if (json) {
        sendJson(res, 201, created, { Location: `${CONFIGURATIONS_URL}/${created.id}`, 'Referrer-Policy': 'no-referrer' });
        return;
      }
      htmlPage(res, 200, 'Connected', [`“${created.name}” is connected as configuration ${created.id} for ${describeOwner(created)}. You can close this tab.`], BACK_TO_PAGE);
    },
  };

  /**
   * The gateway's OAuth Client ID Metadata Document: its URL is the gateway's client_id with
   * authorization servers that support them (MCP authorization spec, client registration).
   */
  const clientMetadata: ExtraRoute = {
    path: CLIENT_METADATA_PATH,
    methods: ['GET'],
    public: true,
    async handle(_req, res) {
      const doc = opts.clientMetadata?.();
      if (!doc) throw new NotFoundError('no client metadata document: set public_base_url in the settings file', 'public_base_url');
      sendJson(res, 200, doc, { 'Cache-Control': 'public, max-age=3600' });
    },
  };

  return [start, authorize, callback, clientMetadata];
}

function confirmCookie(state: string): string {
  return `cg_oauth_confirm_${flowId(state).slice(0, 24)}`;
}

function bindingCookie(state: string): string {
  return `cg_oauth_${flowId(state).slice(0, 24)}`;
}

function randomToken(): string {
  return randomBytes(24).toString('base64url');
}

function cookie(name: string, value: string, o: { maxAge: number; sameSite: 'Lax' | 'Strict'; secure: boolean }): string {
  return `${name}=${value}; Path=${COOKIE_PATH}; Max-Age=${o.maxAge}; HttpOnly; SameSite=${o.sameSite}${o.secure ? '; Secure' : ''}`;
}

function cookies(req: IncomingMessage): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return out;
}

/**
 * A callback that does not complete a flow is a bad request, not a failed sign-in of this
 * server's caller: 400 with the flow's own code (invalid_oauth_state, oauth_access_denied…).
 * A callback in the wrong browser stays 403 (oauth_browser_mismatch).
 */
function asBadRequest(e: unknown): unknown {
  if (!(e instanceof AuthError) || e instanceof ForbiddenError) return e;
  return new ValidationError(e.message, e.code === 'invalid_oauth_code' || e.code === 'oauth_access_denied' ? 'code' : 'state', e.code);
}

function wantsJson(req: IncomingMessage): boolean {
  const accept = req.headers.accept ?? '';
  return /application\/json/i.test(accept) && !/text\/html/i.test(accept);
}

/** The management page, where a connection started from it continues. */
const BACK_TO_PAGE = '<p><a href="/ui/">Back to the management page</a></p>';
