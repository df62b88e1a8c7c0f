import type { BearerChallenge } from './challenge.js';
import type { ProtectedResource } from './resource-metadata.js';
import type { AuthorizationServerMetadata } from './server-metadata.js';

/**
 * Scopes to request, as the MCP spec's scope selection strategy orders them: the challenge's
 * `scope`, else the resource's `scopes_supported`, else the operator's scopes for this server,
 * else none (the server's default). Step-up adds what the new challenge asks to what was granted.
 * `offline_access` is added when the server offers it: without a refresh token the connection dies
 * with the first access token.
 */
export function selectScopes(opts: {
  challenge?: BearerChallenge | undefined;
  resource: ProtectedResource;
  server: AuthorizationServerMetadata;
  configured?: readonly string[] | undefined;
  granted?: string | undefined;
  requested?: string | undefined;
}): string[] {
  const split = (s: string | undefined) => (s ?? '').split(/\s+/).filter(Boolean);
  let base: string[];
  if (opts.requested) base = split(opts.requested);
  else if (opts.challenge?.scope) base = split(opts.challenge.scope);
  else if (opts.resource.scopesSupported?.length) base = [...opts.resource.scopesSupported];
  else base = [...(opts.configured ?? [])];
  const out = new Set([...split(opts.granted), ...base]);
  if (opts.server.scopes_supported?.includes('offline_access')) out.add('offline_access');
  return [...out];
}
