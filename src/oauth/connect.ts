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
import { AuthError, ValidationError } from '../domain/errors.js';
import type { Principal } from '../domain/principal.js';
import type { Settings } from '../config/settings.js';
import { createOAuthClients, type OAuthClients } from './clients.js';
import { GrantRefusedError, mapOAuthError } from './errors.js';
import { PendingFlows, type FlowSealer, type FlowStore } from './pending-flows.js';
import { tokensToCredentials } from './tokens.js';

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
});
export type ConnectStartInput = z.input<typeof ConnectStartInputSchema> & { principal: Principal };

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

const PendingSchema = z.strictObject({
  input: z.strictObject({
    connectorId: z.string(),
    name: z.string(),
    configuration: z.record(z.string(), z.unknown()),
    description: z.string().optional(),
    metadata: z.record(z.string(), z.string()).optional(),
    redirectUri: z.string(),
  }),
  verifier: z.string(),
  authorizationUrl: z.string(),
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

  return {
    async start(raw) {
      const { principal, ...rest } = raw;
      const parsed = ConnectStartInputSchema.safeParse(rest);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const field = issue?.path.map(String).join('.') || 'body';
        throw new ValidationError(`${field}: ${issue?.message ?? 'invalid'}`, field);
      }
      const input = parsed.data;
      const settings = clients.settingsFor(input.connectorId);
      if (!settings) {
        throw new ValidationError(`no OAuth client is configured for ${input.connectorId}: add oauth.${input.connectorId} to the settings file`, 'connectorId');
      }
      const config = await clients.get(input.connectorId);
      const server = config.serverMetadata();
      if (!server.authorization_endpoint) {
        throw new ValidationError(`oauth.${input.connectorId}.authorization_endpoint is not set and the issuer does not publish one`, `oauth.${input.connectorId}.authorization_endpoint`);
      }
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const scopes = [...settings.scopes];
      // Without offline_access most providers issue no refresh token, and the connection dies within the hour.
      if (server.scopes_supported?.includes('offline_access') && !scopes.includes('offline_access')) scopes.push('offline_access');
      const url = oidc.buildAuthorizationUrl(config, {
        ...settings.authorization_params,
        redirect_uri: input.redirectUri,
        response_type: 'code',
        ...(scopes.length ? { scope: scopes.join(' ') } : {}),
        state,
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      });
      const started = await pending.start(principal, { input, verifier, authorizationUrl: url.href }, state);
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
      const flow = { principal: opened.principal, input: opened.payload.input, verifier: opened.payload.verifier };
      const error = params.get('error');
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
        const config = await clients.get(connectorId);
        const tokens = await oidc.authorizationCodeGrant(config, current, { pkceCodeVerifier: flow.verifier, expectedState: state });
        credentials = tokensToCredentials(tokens, now(), what);
      } catch (e) {
        const mapped = mapOAuthError(e, what);
        if (mapped instanceof GrantRefusedError) {
          throw new AuthError(`the provider refused the authorization code (invalid_grant): start the connection again`, 'invalid_oauth_code');
        }
        throw mapped;
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
