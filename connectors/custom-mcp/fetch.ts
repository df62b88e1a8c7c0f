import { Agent, fetch as undiciFetch, type RequestInit as UndiciRequestInit } from 'undici';
import type { Credentials, CredentialSource } from '../../src/domain/credentials.js';
import type { NetworkPolicy } from '../../src/domain/network.js';
import { checkUrlAllowed, createGuardedLookup } from '../../src/http/network-guard.js';
import type { CustomMcpConfig } from './config.js';

export type FetchLike = (url: string | URL, init?: RequestInit) => Promise<Response>;

/**
 * The fetch the upstream MCP client uses: every request is checked against the network policy
 * (the URL here, the resolved address at dial time), carries the configuration's own headers, and
 * gets fresh credentials per request so a refreshed token is picked up without reconnecting.
 * The caller's own token never reaches this code: only the configuration's credentials do.
 */
export function createUpstreamFetch(opts: {
  config: CustomMcpConfig;
  credentials: CredentialSource;
  network: NetworkPolicy;
  dispatcher: Agent;
  /** Records which credentials the last request used, for the 401 → refresh decision. */
  onCredentialsUsed?: (c: Credentials | undefined) => void;
}): FetchLike {
  const { config, credentials, network, dispatcher } = opts;
  return async (url, init) => {
    checkUrlAllowed(url, network, 'configuration.endpoint');
    const headers = new Headers(init?.headers);
    for (const [k, v] of Object.entries(config.headers ?? {})) headers.set(k, v);
    const creds = await credentials.get(init?.signal ?? undefined);
    opts.onCredentialsUsed?.(creds);
    if (creds) {
      const [name, value] = authHeader(creds, config);
      headers.set(name, value);
    }
    // Redirects are not followed blindly: each hop must pass the policy again.
    // The SDK hands us a DOM RequestInit; undici's own fetch takes the same fields plus a dispatcher.
    const undiciInit = { ...(init as unknown as UndiciRequestInit), headers: Object.fromEntries(headers), dispatcher, redirect: 'manual' as const };
    const response = await undiciFetch(url, undiciInit);
    return response as unknown as Response;
  };
}

export function authHeader(c: Credentials, config: CustomMcpConfig): [string, string] {
  switch (c.type) {
    case 'bearer':
      return ['Authorization', `Bearer ${c.token}`];
    case 'oauth2':
      return ['Authorization', `Bearer ${c.access_token}`];
    case 'api_key': {
      const header = config.api_key_header ?? 'Authorization';
      return [header, header.toLowerCase() === 'authorization' ? `Bearer ${c.api_key}` : c.api_key];
    }
  }
}

export function createUpstreamAgent(network: NetworkPolicy): Agent {
  return new Agent({
    connect: { lookup: createGuardedLookup(network), timeout: 10_000 },
    keepAliveTimeout: 30_000,
    connections: 64,
  });
}
