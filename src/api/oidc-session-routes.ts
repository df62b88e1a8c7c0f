import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { SealedSchema } from '../domain/configuration.js';
import { GatewayError } from '../domain/errors.js';
import type { Logger } from '../domain/logger.js';
import type { OidcLogin, OidcLoginSecrets } from '../auth/oidc-login.js';
import { sameToken, type TextSealer } from '../auth/sessions.js';
import { htmlPage } from './html-page.js';
import { sendJson } from './http-io.js';
import { mintSession, readCookies, type SessionCookies } from './session-auth.js';
import type { ExtraRoute } from './server.js';

export const OIDC_SIGN_IN_PATH = '/v1/sessions/oidc';
export const OIDC_START_PATH = '/v1/sessions/oidc/start';
export const OIDC_CALLBACK_PATH = '/v1/sessions/oidc/callback';
/** The binding cookie goes only to the two browser steps of the sign-in. */
const COOKIE_PATH = '/v1/sessions/oidc/';
const PURPOSE = 'ui-oidc-login';
/** How long a sign-in may stay at the provider. */
const LOGIN_TTL_MS = 10 * 60 * 1000;
const PAGE = '/ui/';
const BACK = `<p><a href="${PAGE}">Back to sign-in</a></p>`;

const PendingSchema = z.strictObject({ state: z.string().min(1), nonce: z.string().min(1), verifier: z.string().min(1), exp: z.number() });

export interface OidcSessionRoutesOptions {
  login: OidcLogin;
  cookies: SessionCookies;
  /** Seals the sign-in's secrets into its binding cookie (the key ring): any replica finishes it. */
  sealer: TextSealer;
  /** Public origin of this server, for the redirect URI. */
  baseUrl: () => string;
  log: Logger;
  now?: () => number;
}

/**
 * Signing in to the management page through the OIDC issuer (auth.oidc with auth.oidc.page):
 *  - `GET /v1/sessions/oidc` tells the page the provider's name (404 when not configured);
 *  - `GET …/oidc/start` (a top-level navigation from the page's link) makes state, nonce and a PKCE
 *    verifier, seals them into a cookie bound to this browser (HttpOnly, SameSite=Lax so it comes
 *    back on the provider's redirect, Secure over https, path-scoped, named after the state) and
 *    sends the browser to the provider;
 *  - `GET …/oidc/callback` finishes only in the browser holding that cookie, with the state it
 *    names; openid-client checks `iss`, redeems the code with the verifier and checks the ID
 *    token's issuer, audience, expiry and nonce. Then the same session cookie as an API key sign-in
 *    (HttpOnly, SameSite=Strict, Secure over https, CSRF token on every change) for the principal
 *    the ID token names, and back to the page.
 */
export function oidcSessionRoutes(opts: OidcSessionRoutesOptions): ExtraRoute[] {
  const now = opts.now ?? Date.now;
  const base = () => opts.baseUrl().replace(/\/$/, '');
  const secure = () => base().startsWith('https:');
  const redirectUri = () => `${base()}${OIDC_CALLBACK_PATH}`;

  const info: ExtraRoute = {
    path: OIDC_SIGN_IN_PATH,
    methods: ['GET'],
    public: true,
    async handle(_req, res) {
      sendJson(res, 200, { object: 'session_provider', type: 'oidc', name: opts.login.name, sign_in_url: OIDC_START_PATH });
    },
  };

  const start: ExtraRoute = {
    path: OIDC_START_PATH,
    methods: ['GET'],
    public: true,
    async handle(_req, res) {
      let started: { url: string; secrets: OidcLoginSecrets };
      try {
        started = await opts.login.start(redirectUri());
      } catch (e) {
        failed(res, e);
        return;
      }
      const { secrets } = started;
      const name = bindingCookie(secrets.state);
      const sealed = opts.sealer.sealText(JSON.stringify({ ...secrets, exp: now() + LOGIN_TTL_MS }), PURPOSE, name);
      res.writeHead(303, {
        Location: started.url,
        'Set-Cookie': cookie(name, Buffer.from(JSON.stringify(sealed)).toString('base64url'), LOGIN_TTL_MS / 1000, secure()),
        'Cache-Control': 'no-store',
        'Referrer-Policy': 'no-referrer',
      });
      res.end();
    },
  };

  const callback: ExtraRoute = {
    path: OIDC_CALLBACK_PATH,
    methods: ['GET'],
    public: true,
    async handle(req, res) {
      const params = new URL(req.url ?? '/', 'http://localhost').searchParams;
      const state = params.get('state') ?? '';
      const name = state ? bindingCookie(state) : '';
      const setCookies: string[] = [];
      // Used or not, the binding cookie has done its job.
      if (name) setCookies.push(cookie(name, '', 0, secure()));
      const secrets = name ? openBinding(req, name) : undefined;
      if (!secrets || !sameToken(secrets.state, state)) {
        res.setHeader('Set-Cookie', setCookies);
        opts.log.info({ reason: state ? 'binding' : 'no_state' }, 'page sign-in refused: not started in this browser');
        htmlPage(res, 400, 'Sign-in not recognised', 'This sign-in did not start in this browser, was already used, or took more than ten minutes. Start it again from the page.', BACK);
        return;
      }
      try {
        const principal = await opts.login.finish(params, secrets, redirectUri());
        const { setCookie } = mintSession(opts.cookies, principal);
        res.writeHead(303, { Location: PAGE, 'Set-Cookie': [...setCookies, setCookie], 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' });
        res.end();
      } catch (e) {
        res.setHeader('Set-Cookie', setCookies);
        failed(res, e);
      }
    },
  };

  function openBinding(req: IncomingMessage, name: string): (OidcLoginSecrets & { exp: number }) | undefined {
    const value = readCookies(req).get(name);
    if (!value) return undefined;
    try {
      const sealed = SealedSchema.parse(JSON.parse(Buffer.from(value, 'base64url').toString('utf8')));
      const pending = PendingSchema.parse(JSON.parse(opts.sealer.openText(sealed, PURPOSE, name)));
      return pending.exp > now() ? pending : undefined;
    } catch {
      // Altered, from another key ring, or not ours: the same refusal.
      return undefined;
    }
  }

  function failed(res: ServerResponse, e: unknown): void {
    const known = e instanceof GatewayError;
    const status = known ? e.status : 500;
    opts.log[status >= 500 ? 'error' : 'info']({ err_name: e instanceof Error ? e.name : typeof e, err_code: known ? e.code : undefined }, 'page sign-in through OIDC failed');
    // A refusal (401) of the browser's sign-in is a bad request of that browser, not of an API caller.
    const shown = known && (status < 500 || e.type === 'upstream_error') ? e.message : 'the sign-in could not be completed; see the server log';
    htmlPage(res, status === 401 ? 400 : status, 'Sign-in failed', [shown], BACK);
  }

  return [info, start, callback];
}

function bindingCookie(state: string): string {
  return `cg_oidc_${createHash('sha256').update(state).digest('base64url').slice(0, 24)}`;
}

function cookie(name: string, value: string, maxAgeSec: number, secure: boolean): string {
  return `${name}=${value}; Path=${COOKIE_PATH}; Max-Age=${maxAgeSec}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}
