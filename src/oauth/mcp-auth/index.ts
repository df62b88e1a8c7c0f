import type * as oidc from 'openid-client';
import type { Settings } from '../../config/settings.js';
import { networkPolicy } from '../../config/settings.js';
import { ValidationError } from '../../domain/errors.js';
import type { FlowSealer } from '../pending-flows.js';
import { parseBearerChallenge, type BearerChallenge } from './challenge.js';
import { clientConfig } from './client-config.js';
import { AuthHttp } from './http.js';
import { chooseClient, clientMetadataUrl, preRegistered, type ClientIdentity } from './identity.js';
import { Registrations, type RegistrationStore } from './registrations.js';
import { discoverProtectedResource, type ProtectedResource } from './resource-metadata.js';
import { selectScopes } from './scopes.js';
import { discoverAuthorizationServer, type AuthorizationServerMetadata } from './server-metadata.js';

export { parseBearerChallenge, type BearerChallenge } from './challenge.js';
export { CLIENT_METADATA_PATH, clientMetadataDocument } from './identity.js';

/** What discovery learned about one MCP server: the resource, its authorization server, the scopes to ask. */
export interface McpAuthPlan {
  resource: ProtectedResource;
  server: AuthorizationServerMetadata;
  scopes: string[];
}

export interface McpAuthOptions {
  settings: Settings;
  store: RegistrationStore;
  sealer: FlowSealer;
  env?: NodeJS.ProcessEnv;
  now?: () => number;
}

/**
 * The MCP authorization specification (2025-11-25, 2026-07-28) as a client: discovery from the MCP
 * server, the client identity to use with its authorization server, and the openid-client
 * Configuration that runs the code flow and refreshes. One per gateway process; stateless apart
 * from the registrations in the store.
 */
export class McpAuth {
  readonly http: AuthHttp;
  readonly registrations: Registrations;

  constructor(private readonly opts: McpAuthOptions) {
    this.http = new AuthHttp(networkPolicy(opts.settings), opts.settings.limits.discovery_timeout_ms);
    this.registrations = new Registrations(opts.store, opts.sealer, this.http, opts.now);
  }

  /** From the MCP endpoint (and the challenge it answered with, if any) to what to ask whom for. */
  async plan(endpoint: string, opts: { challenge?: BearerChallenge | undefined; granted?: string | undefined; requested?: string | undefined } = {}): Promise<McpAuthPlan> {
    const url = this.http.check(endpoint, 'configuration.endpoint');
    // Without a challenge in hand, ask the server for one: its resource_metadata may be the only pointer.
    const challenge = opts.challenge ?? (await this.#probe(url));
    const resource = await discoverProtectedResource(this.http, url, challenge);
    const server = await this.#firstServer(resource);
    const configured = preRegistered({ settings: this.opts.settings, env: this.opts.env ?? process.env }, server.issuer) ? this.#configuredScopes(server.issuer) : undefined;
    const scopes = selectScopes({ challenge, resource, server, configured, granted: opts.granted, requested: opts.requested });
    return { resource, server, scopes };
  }

  /** The client for `server` with this redirect URI, registering one if needed, and its Configuration. */
  async client(server: AuthorizationServerMetadata, redirectUri: string): Promise<{ identity: ClientIdentity; config: oidc.Configuration }> {
    const identity = await chooseClient({ settings: this.opts.settings, env: this.opts.env ?? process.env, registrations: this.registrations }, server, redirectUri);
    return { identity, config: this.#config(server, identity) };
  }

  /**
   * The Configuration that refreshes tokens `issuer` gave to `clientId`: the authorization server's
   * metadata is read again (never the MCP server's, which could now point elsewhere), and the client
   * must still be one the gateway holds. undefined when it is not.
   */
  async clientForRefresh(issuer: string, clientId: string): Promise<oidc.Configuration | undefined> {
    const server = await discoverAuthorizationServer(this.http, issuer);
    const env = this.opts.env ?? process.env;
    const pre = preRegistered({ settings: this.opts.settings, env }, issuer);
    let identity: ClientIdentity | undefined;
    if (pre?.clientId === clientId) identity = pre;
    else if (clientMetadataUrl(this.opts.settings) === clientId) identity = { method: 'metadata_document', clientId, authMethod: 'none' };
    else identity = await this.registrations.findByClientId(server.issuer, clientId);
    return identity ? this.#config(server, identity) : undefined;
  }

  /** The authorization server refused `clientId` (invalid_client): forget its dynamic registration. */
  forgetClient(issuer: string, clientId: string): Promise<boolean> {
    return this.registrations.forgetClient(issuer, clientId);
  }

  async #probe(url: URL): Promise<BearerChallenge | undefined> {
    const { status, header } = await this.http.challengeOf(url.href, 'configuration.endpoint');
    return status === 401 || status === 403 ? parseBearerChallenge(header) : undefined;
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  #config(server: AuthorizationServerMetadata, identity: ClientIdentity): oidc.Configuration {
    return clientConfig(server, identity, this.http.policy, this.opts.settings.limits.discovery_timeout_ms);
  }

  #configuredScopes(issuer: string): string[] | undefined {
    const norm = (u: string) => u.replace(/\/$/, '');
    return Object.entries(this.opts.settings.oauth_clients).find(([k]) => norm(k) === norm(issuer))?.[1].scopes;
  }

  /** RFC 9728 §7.6 leaves the choice to the client: the first listed server that is usable. */
  async #firstServer(resource: ProtectedResource): Promise<AuthorizationServerMetadata> {
    let first: unknown;
    for (const issuer of resource.authorizationServers) {
      try {
        return await discoverAuthorizationServer(this.http, issuer);
      } catch (e) {
        first ??= e;
      }
    }
    throw first ?? new ValidationError('the protected resource metadata names no authorization server', 'authorization_servers');
  }
}
