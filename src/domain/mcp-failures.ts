import { UpstreamError } from './errors.js';

/**
 * How an MCP upstream's HTTP status is named, for both call transports (the SDK client in the
 * custom MCP connector and the lean forwarder), so a failure reads and counts the same whichever
 * path met it. `where` is the endpoint (origin and path, never a query), `what` the method.
 */
export function httpStatusFailure(status: number, where: string, what: string): UpstreamError {
  const said = `the MCP server at ${where} answered ${status} to ${what}`;
  if (status === 401 || status === 403) return new UpstreamError('credentials', `${said}: check the configuration's credentials`, { status });
  if (status === 429) return new UpstreamError('rate_limited', said, { status });
  if (status >= 500) return new UpstreamError('server', said, { status });
  return new UpstreamError('protocol', said, { status });
}

/** A 401 to OAuth2 credentials is retried once, after the credential source refreshed them. */
export function mayRefreshAfter(status: number | undefined, credentialType: string | undefined, attempt: number): boolean {
  return status === 401 && credentialType === 'oauth2' && attempt === 0;
}
