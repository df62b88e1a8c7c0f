import { oauthClientSecret, type Settings } from '../../config/settings.js';
import { ValidationError } from '../../domain/errors.js';
import type { Registrations } from './registrations.js';
import type { AuthorizationServerMetadata } from './server-metadata.js';

/** Path of the gateway's Client ID Metadata Document under `public_base_url`. */
export const CLIENT_METADATA_PATH = '/v1/personal_connectors/oauth/client-metadata.json';

export type ClientAuthMethod = 'none' | 'client_secret_basic' | 'client_secret_post';

/** Who the gateway is to one authorization server. */
export interface ClientIdentity {
  method: 'pre_registered' | 'metadata_document' | 'dynamic';
  clientId: string;
  clientSecret?: string;
  authMethod: ClientAuthMethod;
}

export interface IdentityDeps {
  settings: Settings;
  env: NodeJS.ProcessEnv;
  registrations: Registrations;
}

/** The gateway's Client ID Metadata Document URL, when a public base URL is configured. */
export function clientMetadataUrl(settings: Settings): string | undefined {
  return settings.public_base_url ? `${settings.public_base_url.replace(/\/$/, '')}${CLIENT_METADATA_PATH}` : undefined;
}

/** An operator's client for `issuer` from `oauth_clients` (a trailing slash does not matter). */
export function preRegistered(deps: Pick<IdentityDeps, 'settings' | 'env'>, issuer: string): ClientIdentity | undefined {
  const norm = (u: string) => u.replace(/\/$/, '');
  const entry = Object.entries(deps.settings.oauth_clients).find(([k]) => norm(k) === norm(issuer));
  if (!entry) return undefined;
  const [key, s] = entry;
  const secret = oauthClientSecret({ ...s, scopes: [] }, deps.env);
  if (s.client_secret_env && !secret) {
    throw new ValidationError(`oauth_clients["${key}"].client_secret_env names ${s.client_secret_env}, which is not set in the environment`, `oauth_clients.${key}.client_secret_env`);
  }
  return { method: 'pre_registered', clientId: s.client_id, ...(secret ? { clientSecret: secret, authMethod: 'client_secret_basic' as const } : { authMethod: 'none' as const }) };
}

/**
 * The client to use with `server`, in the priority order of the MCP authorization spec
 * (client registration, 2025-11-25 and 2026-07-28): a client pre-registered by the operator; the
 * gateway's Client ID Metadata Document when the server supports them and the redirect URI is one
 * the document lists; Dynamic Client Registration (RFC 7591), kept per issuer and redirect URI.
 */
export async function chooseClient(deps: IdentityDeps, server: AuthorizationServerMetadata, redirectUri: string): Promise<ClientIdentity> {
  const pre = preRegistered(deps, server.issuer);
  if (pre) return pre;
  const cimd = clientMetadataUrl(deps.settings);
  if (cimd && server.client_id_metadata_document_supported === true && redirectUri === documentRedirectUri(deps.settings)) {
    return { method: 'metadata_document', clientId: cimd, authMethod: 'none' };
  }
  const stored = await deps.registrations.find(server.issuer, redirectUri);
  if (stored) return stored;
  if (server.registration_endpoint) return deps.registrations.register(server, redirectUri);
  throw new ValidationError(
    `the authorization server ${server.issuer} offers no way to register the gateway (no client_id_metadata_document_supported usable here, no registration_endpoint): register a client there and add it to the settings file as oauth_clients["${server.issuer}"]`,
    'oauth_clients',
    'oauth_client_unavailable',
  );
}

/** The one redirect URI the metadata document lists: the REST callback under the public base URL. */
export function documentRedirectUri(settings: Settings): string | undefined {
  return settings.public_base_url ? `${settings.public_base_url.replace(/\/$/, '')}/v1/personal_connectors/oauth/callback` : undefined;
}

/** The Client ID Metadata Document itself (draft-ietf-oauth-client-id-metadata-document). */
export function clientMetadataDocument(settings: Settings): Record<string, unknown> | undefined {
  const id = clientMetadataUrl(settings);
  const redirect = documentRedirectUri(settings);
  if (!id || !redirect) return undefined;
  return {
    client_id: id,
    client_name: 'MCP Connector Gateway',
    client_uri: settings.public_base_url,
    redirect_uris: [redirect],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    application_type: 'web',
  };
}
