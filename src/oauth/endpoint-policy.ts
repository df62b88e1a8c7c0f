import { checkUrlAllowed } from '../http/network-guard.js';
import type { NetworkPolicy } from '../domain/network.js';

/**
 * The network policy applied to an OAuth endpoint as written (scheme, IP literals, metadata names),
 * through the HTTP layer's guard; names are checked again at dial time by the guarded lookup that
 * clients.ts gives openid-client. `insecure` (plain http, loopback only) tells the caller to allow
 * insecure requests in openid-client.
 */
export function checkOAuthEndpoint(raw: string, field: string, policy: NetworkPolicy): { url: URL; insecure: boolean } {
  const url = checkUrlAllowed(raw, policy, field);
  return { url, insecure: url.protocol === 'http:' };
}
