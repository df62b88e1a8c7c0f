import * as oidc from 'openid-client';
import type { NetworkPolicy } from '../../domain/network.js';
import { normalizingFetch } from '../clients.js';
import type { ClientIdentity } from './identity.js';
import { toServerMetadata, type AuthorizationServerMetadata } from './server-metadata.js';

/**
 * The openid-client Configuration for one authorization server and one client identity. Every
 * request dials through the network guard; plain http only reaches here for loopback servers
 * admitted by `network.allow_loopback` (the discovery checks refused anything else).
 */
export function clientConfig(server: AuthorizationServerMetadata, identity: ClientIdentity, policy: NetworkPolicy, timeoutMs: number): oidc.Configuration {
  const auth =
    identity.authMethod === 'client_secret_basic' && identity.clientSecret
      ? oidc.ClientSecretBasic(identity.clientSecret)
      : identity.authMethod === 'client_secret_post' && identity.clientSecret
        ? oidc.ClientSecretPost(identity.clientSecret)
        : oidc.None();
  const config = new oidc.Configuration(toServerMetadata(server), identity.clientId, identity.clientSecret ? { client_secret: identity.clientSecret } : {}, auth);
  config.timeout = timeoutMs / 1000;
  config[oidc.customFetch] = normalizingFetch(policy);
  if ([server.token_endpoint, server.authorization_endpoint].some((u) => u.startsWith('http:'))) oidc.allowInsecureRequests(config);
  return config;
}
