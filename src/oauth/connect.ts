import * as oidc from 'openid-client';
import { z } from 'zod';
import {
  ConnectorIdSchema,
  ConnectorSettingsSchema,
  DescriptionSchema,
  MetadataSchema,
  NameSchema,
  type ConfigurationObject,
  type CreateConfigurationInput,
} from '../domain/configuration.js';
import type { OAuth2Credentials } from '../domain/credentials.js';
import { AuthError, UpstreamError, ValidationError } from '../domain/errors.js';
import type { Principal } from '../domain/principal.js';
import type { Settings } from '../config/settings.js';
import { createOAuthClients, type OAuthClients } from './clients.js';
import { GrantRefusedError, mapOAuthError } from './errors.js';
import { PendingFlows, type FlowSealer, type FlowStore } from './pending-flows.js';
import { tokensToCredentials } from './tokens.js';
import { isClientRefused } from './refresh.js';
import type { BearerChallenge, McpAuth } from './mcp-auth/index.js';

export const ConnectStartInputSchema = z.strictObject({
  connectorId: ConnectorIdSchema,
  name: NameSchema,
  configuration: ConnectorSettingsSchema.default({}),
  description: DescriptionSchema.optional(),
  metadata: MetadataSchema.optional(),
  /** Where the provider sends the browser back; must be registered with the OAuth client. No query string. */
  redirectUri: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .refine((u) => !u.includes('?') && !u.includes('#'), { error: 'must not carry a query string or fragment' }),
  /** Re-authorization: the configuration whose credentials the new tokens replace (it must be the principal's). */
  configurationId: z.string().min(1).max(128).optional(),
  /** Scopes to ask for instead of those discovery picks (space-separated). */
  scope: z.string().min(1).max(4096).optional(),
  /** Scopes already granted, kept when asking for more (step-up). */
  grantedScope: z.string().max(4096).optional(),
});
export type ConnectStartInput = z.input<typeof ConnectStartInputSchema> & {
  principal: Principal;
  /** The MCP server's last challenge (its resource_metadata and scope), when a call or discovery met one. */
  challenge?: BearerChallenge | undefined;
};

export interface ConnectStartResult {
  /** The provider's authorization URL: only the user agent that holds `binding` can complete it. */
  authorization_url: string;
  state: string;
  expires_at: string;
  /** The flow's browser binding: set as a cookie, or kept by the CLI's loopback listener; never shown. */
  binding: string;
}

/** A pending connection as the page before the provider shows it: whose, what, and where to go. */
export interface PendingConnect {
  principal: Principal;
  connectorId: string;
  name: string;
  authorizationUrl: string;
  binding: string;
  expiresAt: number;
}

/** The callback as a URL (what the browser hit) or its parameters. */
export type ConnectCallback = string | URL | { code?: string; state?: string; iss?: string; error?: string };

export interface ConnectFlow {
  start(input: ConnectStartInput): Promise<ConnectStartResult>;
  /** The live flow of `state`, not consumed; undefined when unknown or expired. */
  pending(state: string): Promise<PendingConnect | undefined>;
  /** `binding`: what the user agent presents (the cookie, the CLI's memory); must be the flow's own. */
  complete(callback: ConnectCallback, binding: string | undefined): Promise<ConfigurationObject>;
}

export interface ConnectFlowOptions {
  settings: Settings;
  /** Creates (validates, seals, stores) the configuration: the same path as POST /configurations. */
  createConfiguration: (principal: Principal, input: CreateConfigurationInput) => Promise<ConfigurationObject>;
  clients?: OAuthClients;
  /** OAuth for remote MCP servers (pc_custom_mcp without an oauth.pc_custom_mcp settings entry). */
  mcpAuth?: Pick<McpAuth, 'plan' | 'client' | 'clientForRefresh'> & Partial<Pick<McpAuth, 'forgetClient'>>;
  /** Re-authorization: stores new credentials on an existing configuration of the principal. */
  replaceCredentials?: (principal: Principal, configurationId: string, credentials: OAuth2Credentials) => Promise<ConfigurationObject>;
  /** ms since epoch. */
  clock?: () => number;
  /** How long a started flow waits for its callback (default 10 minutes). */
  stateTtlMs?: number;
  /** Where pending flows live (shared by every process of the store) and what seals their secrets. */
  store: FlowStore;
  sealer: FlowSealer;
  /** Live flows one principal may have pending (default 10). */
  maxPendingPerPrincipal?: number;
}

const MCP_CONNECTOR = 'pc_custom_mcp';

/** Where a connection's authorization goes: the openid-client Configuration and what to ask. */
interface Target {
  config: oidc.Configuration;
  scopes: string[];
  params: Record<string, string>;
  mcp?: { issuer: string; clientId: string; resource: string };
}

const PendingSchema = z.strictObject({
  input: z.strictObject({
    connectorId: z.string(),
    name: z.string(),
    configuration: z.record(z.string(), z.unknown()),
    description: z.string().optional(),
    metadata: z.record(z.string(), z.string()).optional(),
    redirectUri: z.string(),
    configurationId: z.string().optional(),
    scope: z.string().optional(),
    grantedScope: z.string().optional(),
  }),
  verifier: z.string(),
  authorizationUrl: z.string(),
  /** Set for a remote MCP server: whose tokens, for which resource, issued to which client. */
  mcp: z.strictObject({ issuer: z.string(), clientId: z.string(), resource: z.string() }).optional(),
});

/**
 * Connecting an account: authorization code + PKCE (S256) + state. `start` returns the URL to open;
 * `complete` takes the callback, exchanges the code and creates the configuration with the tokens.
 */
export function createConnectFlow(opts: ConnectFlowOptions): ConnectFlow {
  const clients = opts.clients ?? createOAuthClients(opts.settings);
  const now = opts.clock ?? Date.now;
  const pending = new PendingFlows({
    store: opts.store,
    sealer: opts.sealer,
    payload: PendingSchema,
    ttlMs: opts.stateTtlMs ?? 10 * 60_000,
    maxPerOwner: opts.maxPendingPerPrincipal ?? 10,
    now,
  });

  /** pc_custom_mcp without a settings entry goes through the MCP authorization spec. */
  const useMcpAuth = (connectorId: string) => connectorId === MCP_CONNECTOR && !clients.has(connectorId) && opts.mcpAuth !== undefined;

  async function settingsTarget(connectorId: string): Promise<Target> {
    const settings = clients.settingsFor(connectorId);
    if (!settings) {
      throw new ValidationError(`no OAuth client is configured for ${connectorId}: add oauth.${connectorId} to the settings file`, 'connectorId');
    }
    const config = await clients.get(connectorId);
    const server = config.serverMetadata();
    if (!server.authorization_endpoint) {
      throw new ValidationError(`oauth.${connectorId}.authorization_endpoint is not set and the issuer does not publish one`, `oauth.${connectorId}.authorization_endpoint`);
    }
    const scopes = [...settings.scopes];
    // Without offline_access most providers issue no refresh token, and the connection dies within the hour.
    if (server.scopes_supported?.includes('offline_access') && !scopes.includes('offline_access')) scopes.push('offline_access');
    return { config, scopes, params: { ...settings.authorization_params } };
  }

  async function mcpTarget(input: z.output<typeof ConnectStartInputSchema>, challenge: BearerChallenge | undefined): Promise<Target> {
    const mcpAuth = opts.mcpAuth!;
    const endpoint = input.configuration.endpoint;
    if (typeof endpoint !== 'string') throw new ValidationError('configuration.endpoint: the URL of the remote MCP server is required', 'configuration.endpoint');
    const plan = await mcpAuth.plan(endpoint, { challenge, granted: input.grantedScope, requested: input.scope });
    const { identity, config } = await mcpAuth.client(plan.server, input.redirectUri);
    const params: Record<string, string> = { resource: plan.resource.resource };
    // OpenID providers issue a refresh token for offline_access only after an explicit consent.
    if (plan.scopes.includes('offline_access')) params.prompt = 'consent';
    return { config, scopes: plan.scopes, params, mcp: { issuer: plan.server.issuer, clientId: identity.clientId, resource: plan.resource.resource } };
  }

  async function mcpClient(mcp: { issuer: string; clientId: string }): Promise<oidc.Configuration> {
    const config = opts.mcpAuth ? await opts.mcpAuth.clientForRefresh(mcp.issuer, mcp.clientId) : undefined;
    if (!config) throw new UpstreamError('credentials', `the OAuth client this connection was started with at ${mcp.issuer} is no longer held by the gateway: start the connection again`);
    return config;
  }

  /** A dynamic registration the server forgot: dropped, so the next start registers a new client. */
  async function forgetClient(mcp: { issuer: string; clientId: string }): Promise<boolean> {
    return (await opts.mcpAuth?.forgetClient?.(mcp.issuer, mcp.clientId).catch(() => false)) ?? false;
  }

  return {
    async start(raw) {
      const { principal, challenge, ...rest } = raw;
      const parsed = ConnectStartInputSchema.safeParse(rest);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const field = issue?.path.map(String).join('.') || 'body';
        throw new ValidationError(`${field}: ${issue?.message ?? 'invalid'}`, field);
      }
      const input = parsed.data;
      const target = useMcpAuth(input.connectorId) ? await mcpTarget(input, challenge) : await settingsTarget(input.connectorId);
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const url = oidc.buildAuthorizationUrl(target.config, {
        ...target.params,
        redirect_uri: input.redirectUri,
        response_type: 'code',
        ...(target.scopes.length ? { scope: target.scopes.join(' ') } : {}),
        state,
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      });
      const payload = { input, verifier, authorizationUrl: url.href, ...(target.mcp ? { mcp: target.mcp } : {}) };
      const started = await pending.start(principal, payload, state);
      return { authorization_url: url.href, state, expires_at: new Date(started.expiresAt).toISOString(), binding: started.binding };
    },

    async pending(state) {
      const flow = await pending.peek(state);
      if (!flow) return undefined;
      const { input, authorizationUrl } = flow.payload;
      return { principal: flow.principal, connectorId: input.connectorId, name: input.name, authorizationUrl, binding: flow.binding, expiresAt: flow.expiresAt };
    },

    async complete(callback, binding) {
      const params = callbackParams(callback);
      const state = params.get('state');
      if (!state) throw new ValidationError('the OAuth callback has no state parameter', 'state');
      // The binding is checked before anything is exchanged: a code from another browser is never redeemed.
      const opened = await pending.take(state, binding);
      const flow = { principal: opened.principal, input: opened.payload.input, verifier: opened.payload.verifier, mcp: opened.payload.mcp };
      const error = params.get('error');
      if (error && flow.mcp && (error === 'invalid_client' || error === 'unauthorized_client')) await forgetClient(flow.mcp);
      if (error) {
        const code = /^[\w.-]{1,64}$/.test(error) ? error : 'error';
        throw new AuthError(`the provider did not authorize the connection (${code}): start the connection again`, 'oauth_access_denied');
      }
      if (!params.get('code')) throw new ValidationError('the OAuth callback has no code parameter', 'code');

      const { connectorId } = flow.input;
      // Rebuilt on the registered redirect URI: the URL the server saw may differ behind a proxy.
      const current = new URL(flow.input.redirectUri);
      for (const key of ['code', 'state', 'iss'] as const) {
        const v = params.get(key);
        if (v !== null) current.searchParams.set(key, v);
      }
      const what = `exchanging the authorization code for ${connectorId}`;
      let credentials: OAuth2Credentials;
      try {
        const { mcp } = flow;
        const config = mcp ? await mcpClient(mcp) : await clients.get(connectorId);
        // RFC 8707: the token is asked for the MCP server it will be sent to. openid-client checks
        // the callback's `iss` against the issuer (RFC 9207) and the state before redeeming the code.
        const tokens = await oidc.authorizationCodeGrant(config, current, { pkceCodeVerifier: flow.verifier, expectedState: state }, mcp ? { resource: mcp.resource } : undefined);
        credentials = tokensToCredentials(tokens, now(), what);
        if (mcp) credentials = { ...credentials, issuer: mcp.issuer, resource: mcp.resource, client_id: mcp.clientId };
      } catch (e) {
        const mapped = mapOAuthError(e, what);
        if (flow.mcp && isClientRefused(e) && (await forgetClient(flow.mcp))) {
          throw new UpstreamError('reauthorize', `the authorization server ${flow.mcp.issuer} no longer knows the gateway's OAuth client (invalid_client): it was forgotten, and a new one is registered when you start the connection again`);
        }
        if (mapped instanceof GrantRefusedError) {
          throw new AuthError(`the provider refused the authorization code (invalid_grant): start the connection again`, 'invalid_oauth_code');
        }
        throw mapped;
      }
      if (flow.input.configurationId) {
        if (!opts.replaceCredentials) throw new ValidationError('re-authorizing a configuration is not available here', 'configuration_id');
        return opts.replaceCredentials(flow.principal, flow.input.configurationId, credentials);
      }
      const { input } = flow;
      return opts.createConfiguration(flow.principal, {
        personal_connector_id: connectorId,
        name: input.name,
        configuration: input.configuration,
        credentials,
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.metadata !== undefined ? { metadata: input.metadata } : {}),
      });
    },
  };
}

function callbackParams(callback: ConnectCallback): URLSearchParams {
  if (typeof callback === 'string' || callback instanceof URL) {
    try {
      return new URL(String(callback)).searchParams;
    } catch {
      throw new ValidationError('the OAuth callback must be an absolute URL', 'callback');
    }
  }
  const out = new URLSearchParams();
  for (const [k, v] of Object.entries(callback)) if (typeof v === 'string') out.set(k, v);
  return out;
}
