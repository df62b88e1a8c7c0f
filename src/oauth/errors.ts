import { ClientError, ResponseBodyError, AuthorizationResponseError, WWWAuthenticateChallengeError } from 'openid-client';
import { GatewayError, UpstreamError } from '../domain/errors.js';
import { isPolicyRefusal } from '../http/network-guard.js';

/** The provider refused the grant itself: only a person signing in again can fix it. */
export class GrantRefusedError extends Error {
  constructor(readonly oauthError: string) {
    super(`the provider refused the grant (${oauthError})`);
    this.name = 'GrantRefusedError';
  }
}

/** invalid_grant, and GitHub's own names for it (sent with HTTP 200, see clients.ts). */
const GRANT_REFUSED = new Set(['invalid_grant', 'bad_refresh_token', 'bad_verification_code']);

/**
 * openid-client failures → typed errors. `what` names the step and the configuration, e.g.
 * "refreshing the token of configuration pconf_x". Only OAuth error codes and statuses go into the
 * message: descriptions from the provider may echo what we sent, so they are left out.
 */
export function mapOAuthError(e: unknown, what: string): Error {
  if (e instanceof GatewayError) return e;
  if (e instanceof ResponseBodyError) {
    if (GRANT_REFUSED.has(e.error)) return new GrantRefusedError(e.error);
    const code = safeCode(e.error);
    if (e.status >= 500) return new UpstreamError('server', `${what} failed: the provider answered ${e.status} (${code})`, { status: e.status });
    if (code === 'invalid_client' || code === 'unauthorized_client') {
      return new UpstreamError('credentials', `${what} failed: the provider refused the OAuth client (${code}): check its client_id and client_secret in the settings file`, { status: e.status });
    }
    return new UpstreamError('protocol', `${what} failed: the provider answered ${e.status} (${code})`, { status: e.status });
  }
  if (e instanceof AuthorizationResponseError) {
    return new UpstreamError('validation', `${what} failed: the provider returned ${safeCode(e.error)}`);
  }
  if (e instanceof WWWAuthenticateChallengeError) {
    return new UpstreamError('credentials', `${what} failed: the provider answered ${e.status} with an authentication challenge`, { status: e.status });
  }
  if (e instanceof ClientError) {
    switch (e.code) {
      case 'OAUTH_TIMEOUT':
        return new UpstreamError('timeout', `${what} timed out waiting for the token endpoint`);
      case 'OAUTH_ABORT':
        return new UpstreamError('timeout', `${what} was aborted`);
      case 'OAUTH_RESPONSE_IS_NOT_CONFORM': {
        const status = statusOf(e.cause);
        const kind = status !== undefined && status >= 500 ? 'server' : 'protocol';
        return new UpstreamError(kind, `${what} failed: the provider answered with unexpected HTTP status ${status ?? '?'}`, status !== undefined ? { status } : {});
      }
      case 'OAUTH_RESPONSE_IS_NOT_JSON':
        return new UpstreamError('protocol', `${what} failed: the provider did not answer with JSON`);
      case 'OAUTH_HTTP_REQUEST_FORBIDDEN':
        return new UpstreamError('protocol', `${what} failed: the endpoint is not https`);
      default:
        return new UpstreamError('protocol', `${what} failed: the provider's answer is not a valid OAuth response (${e.code ?? 'invalid'})`);
    }
  }
  if (e instanceof TypeError && e.message === 'fetch failed') {
    // The network guard refused the address: a settings problem, reported as such.
    if (isPolicyRefusal(e.cause)) return e.cause;
    const code = (e.cause as { code?: unknown } | undefined)?.code;
    return new UpstreamError('network', `${what} failed: cannot reach the provider${typeof code === 'string' ? ` (${code})` : ''}`);
  }
  if (e instanceof DOMException && (e.name === 'TimeoutError' || e.name === 'AbortError')) {
    return new UpstreamError('timeout', `${what} timed out`);
  }
  return new UpstreamError('protocol', `${what} failed: ${e instanceof Error ? e.name : 'unknown error'}`);
}

/** The Response openid-client attaches (undici's or the global one: compared by shape). */
function statusOf(cause: unknown): number | undefined {
  const status = (cause as { status?: unknown } | null | undefined)?.status;
  return typeof status === 'number' ? status : undefined;
}

/** OAuth error codes are ASCII words; anything else is not echoed. */
function safeCode(code: unknown): string {
  return typeof code === 'string' && /^[\w.-]{1,64}$/.test(code) ? code : 'error';
}
