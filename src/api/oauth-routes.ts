import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ConnectService } from '../app/connect.js';
import { AuthError, GatewayError, ValidationError } from '../domain/errors.js';
import type { Logger } from '../domain/logger.js';
import { readJson, sendJson } from './http-io.js';
import type { ExtraRoute } from './server.js';

export const OAUTH_START_PATH = '/v1/personal_connectors/configurations/oauth/start';
export const OAUTH_CALLBACK_PATH = '/v1/personal_connectors/oauth/callback';
const CONFIGURATIONS_URL = '/v1/personal_connectors/configurations';

export interface OAuthRoutesOptions {
  maxBodyBytes: number;
  /** Public origin of this server (scheme://host:port), for the default redirect URI. */
  baseUrl: () => string;
  log: Logger;
}

/**
 * Connecting an account over REST: `start` (authenticated) returns the provider's URL; the
 * provider sends the browser back to `callback`, which is public because a browser carries no
 * bearer token: the single-use state ties it to the principal that started the flow.
 */
export function oauthRoutes(connect: ConnectService, opts: OAuthRoutesOptions): ExtraRoute[] {
  const start: ExtraRoute = {
    path: OAUTH_START_PATH,
    methods: ['POST'],
    async handle(req, res, principal) {
      if (!principal) throw new AuthError('missing bearer token', 'missing_authorization');
      const body = await readJson(req, opts.maxBodyBytes);
      if (body === undefined) throw new ValidationError('request body must be a JSON object with personal_connector_id and name');
      const result = await connect.start(principal, body, `${opts.baseUrl().replace(/\/$/, '')}${OAUTH_CALLBACK_PATH}`);
      sendJson(res, 200, { object: 'personal_connector.oauth_authorization', ...result });
    },
  };

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
      let created;
      try {
        created = await connect.flow.complete(fields);
      } catch (raw) {
        const e = asBadRequest(raw);
        if (json) throw e; // the server's error mapping answers with the error object
        const status = e instanceof GatewayError ? e.status : 500;
        if (status >= 500) opts.log.error({ err_name: e instanceof Error ? e.name : typeof e, err_code: e instanceof GatewayError ? e.code : undefined }, 'OAuth callback failed');
        const shown = e instanceof GatewayError && (e.status < 500 || e.type === 'upstream_error') ? e.message : 'the connection could not be completed; see the server log';
        page(res, status, 'Connection failed', shown);
        return;
      }
      if (json) {
        sendJson(res, 201, created, { Location: `${CONFIGURATIONS_URL}/${created.id}`, 'Referrer-Policy': 'no-referrer' });
        return;
      }
      page(res, 200, 'Connected', `“${created.name}” is connected as configuration ${created.id}. You can close this tab.`);
    },
  };

  return [start, callback];
}

/**
 * A callback that does not complete a flow is a bad request, not a failed sign-in of this
 * server's caller: 400 with the flow's own code (invalid_oauth_state, oauth_access_denied…).
 */
function asBadRequest(e: unknown): unknown {
  if (!(e instanceof AuthError)) return e;
  return new ValidationError(e.message, e.code === 'invalid_oauth_code' || e.code === 'oauth_access_denied' ? 'code' : 'state', e.code);
}

function wantsJson(req: IncomingMessage): boolean {
  const accept = req.headers.accept ?? '';
  return /application\/json/i.test(accept) && !/text\/html/i.test(accept);
}

function page(res: ServerResponse, status: number, title: string, text: string): void {
  const body = `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p></body></html>`;
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Security-Policy': "default-src 'none'",
    // The URL holds the authorization code: keep it out of any Referer.
    'Referrer-Policy': 'no-referrer',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(body);
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
