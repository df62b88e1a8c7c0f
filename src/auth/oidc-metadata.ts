/** RFC 9728 protected resource metadata and the WWW-Authenticate challenge that points to it. */

export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers: string[];
  bearer_methods_supported: ['header'];
  scopes_supported?: string[];
}

export function protectedResourceMetadata(opts: { resourceUrl: string; issuer: string; scopes?: readonly string[] }): ProtectedResourceMetadata {
  return {
    resource: opts.resourceUrl,
    authorization_servers: [opts.issuer],
    // Tokens in query strings end up in logs: the header is the only accepted carrier.
    bearer_methods_supported: ['header'],
    ...(opts.scopes && opts.scopes.length ? { scopes_supported: [...opts.scopes] } : {}),
  };
}

/**
 * Where the metadata of `resourceUrl` lives (RFC 9728 §3.1): the well-known segment goes between the
 * origin and the path, so https://h/mcp → https://h/.well-known/oauth-protected-resource/mcp. Some
 * clients also try the bare /.well-known/oauth-protected-resource; serving both costs nothing.
 */
export function protectedResourceMetadataUrl(resourceUrl: string): string {
  const u = new URL(resourceUrl);
  const path = u.pathname === '/' ? '' : u.pathname.replace(/\/$/, '');
  return `${u.origin}/.well-known/oauth-protected-resource${path}`;
}

/**
 * The `WWW-Authenticate` value of a 401. `error` is only set when a token was presented (RFC 6750 §3:
 * a request without credentials gets no error code).
 */
export function wwwAuthenticate(opts: { resourceMetadataUrl: string; error?: 'invalid_token' | 'insufficient_scope' | 'invalid_request'; description?: string; scope?: string }): string {
  const parts = [`resource_metadata="${quote(opts.resourceMetadataUrl)}"`];
  if (opts.error) parts.push(`error="${opts.error}"`);
  if (opts.error && opts.description) parts.push(`error_description="${quote(opts.description)}"`);
  if (opts.scope) parts.push(`scope="${quote(opts.scope)}"`);
  return `Bearer ${parts.join(', ')}`;
}

/** quoted-string of RFC 9110, restricted to printable ASCII so the header stays valid. */
function quote(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '?').replace(/["\\]/g, (c) => `\\${c}`);
}
