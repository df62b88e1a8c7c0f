import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import { AuthError, ForbiddenError, GatewayError, ValidationError } from '../domain/errors.js';
import type { Principal } from '../domain/principal.js';
import { sameToken, type OneTimeTokens, type Session } from '../auth/sessions.js';
import { parseOrThrow } from '../service/validation.js';
import { readJson, sendJson } from './http-io.js';
import { cookieNameOf, CSRF_HEADER, mintSession, requestSession, sessionCookie, type SessionCookies } from './session-auth.js';
import type { ExtraRoute } from './server.js';

export const SESSIONS_PATH = '/v1/sessions';
export const CURRENT_SESSION_PATH = '/v1/sessions/current';

const SignInSchema = z.union([z.strictObject({ api_key: z.string().min(1, { error: 'must not be empty' }) }), z.strictObject({ one_time_token: z.string().min(1, { error: 'must not be empty' }) })], {
  error: 'send {"api_key": "cgw_…"} or {"one_time_token": "…"}',
});

export interface SessionRoutesOptions {
  cookies: SessionCookies;
  /** The principal of an API key secret; throws AuthError. */
  authenticateKey: (secret: string) => Promise<Principal>;
  /** Present where a local page hands out sign-in links (the stdio server). */
  oneTimeTokens?: OneTimeTokens;
  maxBodyBytes: number;
}

/** The session object: who is signed in, the CSRF token for changes, and when it ends. */
export function sessionObject(s: Session): Record<string, unknown> {
  const p = s.principal;
  return {
    object: 'session',
    organization_id: p.organization_id,
    ...(p.user_id !== undefined ? { user_id: p.user_id } : {}),
    ...(p.api_key_id !== undefined ? { api_key_id: p.api_key_id } : {}),
    via: p.via,
    csrf_token: s.csrf_token,
    created_at: s.created_at,
    expires_at: s.expires_at,
  };
}

/**
 * Sign-in for the management page:
 *  - `POST /v1/sessions` with an API key secret (or a one-time token from a local sign-in link)
 *    sets the session cookie and returns the session with its CSRF token;
 *  - `GET /v1/sessions/current` returns it again (a reloaded page learns its CSRF token);
 *  - `DELETE /v1/sessions/current` (with the CSRF token) signs out.
 */
export function sessionRoutes(opts: SessionRoutesOptions): ExtraRoute[] {
  const start = (res: ServerResponse, principal: Principal, notAfter?: number) => {
    const { session, setCookie } = mintSession(opts.cookies, principal, notAfter);
    sendJson(res, 201, sessionObject(session), { 'Set-Cookie': setCookie });
  };

  const create: ExtraRoute = {
    path: SESSIONS_PATH,
    methods: ['POST'],
    public: true,
    async handle(req, res) {
      // A form on another site cannot send JSON without a CORS preflight, which this server never
      // answers: so nobody can sign a visitor's browser in to an account of their choosing.
      if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
        throw new ValidationError('send the sign-in as Content-Type: application/json', 'content-type', 'unsupported_media_type', 415);
      }
      const body = parseOrThrow(SignInSchema, (await readJson(req, opts.maxBodyBytes)) ?? {});
      if ('api_key' in body) {
        let principal: Principal;
        try {
          principal = await opts.authenticateKey(body.api_key);
        } catch (e) {
          if (e instanceof AuthError) throw new GatewayError({ type: 'authentication_error', code: e.code, status: 401, message: e.message, param: 'api_key' });
          throw e;
        }
        start(res, principal);
        return;
      }
      const principal = opts.oneTimeTokens?.redeem(body.one_time_token);
      if (!principal) throw new GatewayError({ type: 'authentication_error', code: 'invalid_one_time_token', status: 401, message: 'this sign-in link is unknown, expired or already used; ask for a new one', param: 'one_time_token' });
      start(res, principal);
    },
  };

  const current: ExtraRoute = {
    path: CURRENT_SESSION_PATH,
    methods: ['GET', 'DELETE'],
    public: true,
    async handle(req, res) {
      const session = await requestSession(req, opts.cookies);
      if (!session) throw new AuthError('not signed in', 'missing_session');
      if (req.method === 'DELETE') {
        const presented = req.headers[CSRF_HEADER];
        if (typeof presented !== 'string' || !sameToken(presented, session.csrf_token)) {
          throw new ForbiddenError('missing or wrong CSRF token: send the session\'s csrf_token in the X-CSRF-Token header', 'csrf_token_invalid');
        }
        opts.cookies.codec.signOut(session);
        sendJson(res, 200, { object: 'session', deleted: true }, { 'Set-Cookie': sessionCookie(opts.cookies.secure(), '', 0, cookieNameOf(opts.cookies)) });
        return;
      }
      sendJson(res, 200, sessionObject(session));
    },
  };

  return [create, current];
}
