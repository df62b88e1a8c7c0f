import type { TokenEndpointResponse } from 'openid-client';
import { OAuth2CredentialsSchema, type OAuth2Credentials } from '../domain/credentials.js';
import { UpstreamError } from '../domain/errors.js';

/**
 * A token endpoint response → the credentials we store, checked by the same schema as user input.
 * `previous` supplies what a refresh response may leave out: providers that do not rotate omit the
 * refresh token (the old one stays valid) and often the scope.
 */
export function tokensToCredentials(tokens: TokenEndpointResponse, nowMs: number, what: string, previous?: OAuth2Credentials): OAuth2Credentials {
  const expiresIn = typeof tokens.expires_in === 'number' && Number.isFinite(tokens.expires_in) ? tokens.expires_in : undefined;
  const refreshToken = tokens.refresh_token ?? previous?.refresh_token;
  const scope = tokens.scope ?? previous?.scope;
  const parsed = OAuth2CredentialsSchema.safeParse({
    type: 'oauth2',
    access_token: tokens.access_token,
    ...(refreshToken ? { refresh_token: refreshToken } : {}),
    ...(expiresIn !== undefined ? { expires_at: new Date(nowMs + expiresIn * 1000).toISOString() } : {}),
    ...(tokens.token_type ? { token_type: tokens.token_type } : {}),
    ...(scope ? { scope } : {}),
    ...(previous?.issuer ? { issuer: previous.issuer } : {}),
    ...(previous?.resource ? { resource: previous.resource } : {}),
    ...(previous?.client_id ? { client_id: previous.client_id } : {}),
  });
  if (!parsed.success) {
    const field = parsed.error.issues[0]?.path.join('.') || 'body';
    throw new UpstreamError('protocol', `${what} failed: the token response has an invalid ${field}`);
  }
  return parsed.data;
}
