import type { IncomingMessage } from 'node:http';
import { AuthError } from '../domain/errors.js';
import type { Principal } from '../domain/principal.js';
import { bearerToken } from './http-io.js';
import type { Authenticate } from './types.js';

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
