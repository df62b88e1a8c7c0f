import type { IncomingMessage } from 'node:http';
import { AuthError, ForbiddenError } from '../domain/errors.js';
import type { Principal } from '../domain/principal.js';
import { sameToken, type Session, type SessionCodec } from '../auth/sessions.js';
import type { Authenticate } from './types.js';

/** The header a page sends its CSRF token in, on every request that changes something. */
export const CSRF_HEADER = 'x-csrf-token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface SessionCookies {
  codec: SessionCodec;
  /** Secure cookies (and the __Host- name) when the page is served over https. */
  secure: () => boolean;
  /** False when an API key the session was made from is revoked or gone. */
  keyActive: (apiKeyId: string) => Promise<boolean>;
  /**
   * The cookie's name when not the default: the stdio server's loopback page names its own, since
   * browsers share cookies across the ports of one host and it must not replace (or read) another
   * page's session on 127.0.0.1.
   */
  name?: () => string;
}

/** `__Host-` binds the cookie to this exact origin (no Domain, Path=/), which needs Secure. */
export function sessionCookieName(secure: boolean): string {
  return secure ? '__Host-cg_session' : 'cg_session';
}

/** The name a server's session cookie goes by. */
export function cookieNameOf(cookies: SessionCookies): string {
  return cookies.name?.() ?? sessionCookieName(cookies.secure());
}

export function sessionCookie(secure: boolean, value: string, maxAgeSeconds: number, name: string = sessionCookieName(secure)): string {
  return `${name}=${value}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

/** A new session for `principal` and the Set-Cookie header that hands it to the browser. */
export function mintSession(cookies: SessionCookies, principal: Principal, notAfter?: number): { session: Session; setCookie: string } {
  const { session, cookieValue } = cookies.codec.mint(principal, notAfter);
  const maxAge = Math.max(1, Math.floor((Date.parse(session.expires_at) - Date.parse(session.created_at)) / 1000));
  return { session, setCookie: sessionCookie(cookies.secure(), cookieValue, maxAge, cookieNameOf(cookies)) };
}

export function readCookies(req: IncomingMessage): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return out;
}

/**
 * The session of a request's cookie, checked: unexpired, not signed out, and its API key (if it
 * came from one) still active. Throws 401 `session_expired` or `invalid_session` otherwise, and
 * returns undefined when the request carries no session cookie at all.
 */
export async function requestSession(req: IncomingMessage, cookies: SessionCookies): Promise<Session | undefined> {
  const value = readCookies(req).get(cookieNameOf(cookies));
  if (value === undefined || value === '') return undefined;
  const opened = cookies.codec.open(value);
  if ('problem' in opened) {
    throw opened.problem === 'expired' ? new AuthError('your session has expired; sign in again', 'session_expired') : new AuthError('invalid session; sign in again', 'invalid_session');
  }
  const keyId = opened.session.principal.via === 'api_key' ? opened.session.principal.api_key_id : undefined;
  if (keyId !== undefined && !(await cookies.keyActive(keyId))) {
    throw new AuthError('the API key this session was signed in with has been revoked; sign in again', 'session_expired');
  }
  return opened.session;
}

/**
 * REST authentication for the page and for programs alike: a bearer token when the request has an
 * Authorization header (programs, unchanged), else the session cookie. A cookie is ambient (the
 * browser attaches it), so every method that changes something must also carry the session's CSRF
 * token in X-CSRF-Token; SameSite=Strict and the Origin check are further layers, not the only one.
 */
export function sessionOrBearer(bearer: Authenticate, cookies: SessionCookies): Authenticate {
  return async (req): Promise<Principal> => {
    if (req.headers.authorization !== undefined) return bearer(req);
    const session = await requestSession(req, cookies);
    if (!session) return bearer(req); // no credentials of either kind: the bearer error says what to send
    if (!SAFE_METHODS.has(req.method ?? 'GET')) {
      const presented = req.headers[CSRF_HEADER];
      if (typeof presented !== 'string' || presented === '' || !sameToken(presented, session.csrf_token)) {
        throw new ForbiddenError(`missing or wrong CSRF token: send the session's csrf_token in the X-CSRF-Token header`, 'csrf_token_invalid');
      }
    }
    return session.principal;
  };
}
