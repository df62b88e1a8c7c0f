import type { IncomingMessage } from 'node:http';
import type { Settings } from '../config/settings.js';
import { AuthError } from '../domain/errors.js';
import type { Principal } from '../domain/principal.js';
import { API_KEY_SECRET_PREFIX } from '../auth/api-keys.js';
import { bearerToken } from './http-io.js';
import type { Authenticate } from './types.js';
import { createProtectedResource, type ProtectedResource } from './well-known.js';

/** A verifier of one kind of bearer token (API key, OIDC): undefined means "not mine, try the next". */
export type TokenVerifier = (token: string) => Promise<Principal | undefined>;

/** Bearer authentication: the first verifier that recognises the token decides. */
export function bearerAuthenticator(verifiers: readonly TokenVerifier[]): Authenticate {
  return async (req: IncomingMessage) => {
    const token = bearerToken(req);
    if (!token) throw new AuthError('missing bearer token: send Authorization: Bearer <API key or access token>', 'missing_authorization');
    for (const verify of verifiers) {
      const principal = await verify(token);
      if (principal) return principal;
    }
    throw new AuthError('invalid bearer token');
  };
}

/** API keys are recognised by their prefix, so any other token goes straight to the next verifier (one hash lookup at most). */
export function apiKeyVerifier(apiKeys: { authenticate(secret: string): Promise<Principal> }): TokenVerifier {
  return async (token) => (token.startsWith(API_KEY_SECRET_PREFIX) ? apiKeys.authenticate(token) : undefined);
}

/** A 401 that carries its own WWW-Authenticate value (RFC 9728 resource metadata pointer). */
export class ChallengedAuthError extends AuthError {
  constructor(
    e: AuthError,
    readonly challenge: string,
  ) {
    super(e.message, e.code);
  }
}

export function withChallenge(authenticate: Authenticate, challenge: (e: AuthError) => string): Authenticate {
  return async (req) => {
    try {
      return await authenticate(req);
    } catch (e) {
      if (e instanceof AuthError && !(e instanceof ChallengedAuthError)) throw new ChallengedAuthError(e, challenge(e));
      throw e;
    }
  };
}

export interface HttpAuth {
  authenticate: Authenticate;
  /** Set when auth.oidc is configured: the metadata routes and the resource URL. */
  resource?: ProtectedResource;
}

/** API keys always; OIDC access tokens too when settings.auth.oidc is set. */
export function createHttpAuth(apiKeys: { authenticate(secret: string): Promise<Principal> }, settings: Settings): HttpAuth {
  const oidc = settings.auth.oidc;
  if (!oidc) return { authenticate: bearerAuthenticator([apiKeyVerifier(apiKeys)]) };
  const resource = createProtectedResource({ settings: oidc, allowInsecure: settings.network.allow_loopback ?? false });
  const authenticate = withChallenge(bearerAuthenticator([apiKeyVerifier(apiKeys), resource.verifier]), (e) => resource.challenge(e));
  return { authenticate, resource };
}
