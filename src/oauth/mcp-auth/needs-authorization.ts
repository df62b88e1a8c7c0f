import type { CredentialType } from '../../domain/credentials.js';
import { UpstreamError } from '../../domain/errors.js';
import { parseBearerChallenge } from './challenge.js';

/** Scope tokens (RFC 6749 §3.3) and their separators only: the server's words reach the model and the terminal. */
const SCOPE_TEXT = /^[\x21\x23-\x5B\x5D-\x7E]{1,128}( [\x21\x23-\x5B\x5D-\x7E]{1,128}){0,31}$/;

/** Where a person connects (or re-authorizes) configuration `id`, for messages, tool results and health. */
export function connectAdvice(id: string, scope?: string): string {
  const cli = `connector-gateway configs connect --id ${id}${scope ? ` --scope "${scope}"` : ''}`;
  const rest = `POST /v1/personal_connectors/configurations/oauth/start {"configuration_id":"${id}"${scope ? `,"scope":"${scope}"` : ''}}`;
  return `connect it in a browser: \`${cli}\`, or ${rest}`;
}

/**
 * Reads back what `needsAuthorization` wrote (a failure reason, a configuration's `last_error`):
 * whether a person must authorize, and the scope a step-up asks for. undefined for any other text.
 */
export function readNeedsAuthorization(reason: string): { scope?: string } | undefined {
  if (!reason.startsWith('needs authorization')) return undefined;
  const scope = /^needs authorization with more scope \(([^)]*)\)/.exec(reason)?.[1];
  return scope !== undefined && SCOPE_TEXT.test(scope) ? { scope } : {};
}

/**
 * An MCP server's 401 or 403 as the MCP authorization spec means it: the configuration needs a
 * person to authorize it (first consent, a revoked grant, or a step-up to more scope). Returns the
 * `reauthorize` failure (health turns unhealthy with this message) when the answer is such a
 * challenge, else undefined and the usual status handling applies. Static credentials (api_key,
 * bearer) keep the usual "check the credentials" meaning: nobody can consent for those.
 */
export function needsAuthorization(opts: {
  status: number;
  challenge: string | null | undefined;
  credentialsType: CredentialType | undefined;
  configurationId: string;
  where: string;
  what: string;
}): UpstreamError | undefined {
  const { status, configurationId: id, where, what } = opts;
  if (opts.credentialsType === 'api_key' || opts.credentialsType === 'bearer') return undefined;
  const challenge = parseBearerChallenge(opts.challenge);
  if (!challenge) return undefined;
  const scope = challenge.scope !== undefined && SCOPE_TEXT.test(challenge.scope) ? challenge.scope : undefined;
  if (status === 401 && (challenge.resourceMetadata !== undefined || opts.credentialsType === 'oauth2' || opts.credentialsType === undefined)) {
    return new UpstreamError('reauthorize', `needs authorization: the MCP server at ${where} answered 401 to ${what}; ${connectAdvice(id)}`, { status });
  }
  if (status === 403 && challenge.error === 'insufficient_scope' && opts.credentialsType === 'oauth2') {
    return new UpstreamError(
      'reauthorize',
      `needs authorization with more scope${scope ? ` (${scope})` : ''}: the MCP server at ${where} answered 403 insufficient_scope to ${what}; ${connectAdvice(id, scope)}`,
      { status },
    );
  }
  return undefined;
}
