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
import { PendingStates } from './pending-states.js';
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
  authorization_url: string;
  state: string;
  expires_at: string;
}

/** The callback as a URL (what the browser hit) or its parameters. */
export type ConnectCallback = string | URL | { code?: string; state?: string; iss?: string; error?: string };

export interface ConnectFlow {
  start(input: ConnectStartInput): Promise<ConnectStartResult>;
  complete(callback: ConnectCallback): Promise<ConfigurationObject>;
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
}

interface Pending {
  principal: Principal;
  input: z.output<typeof ConnectStartInputSchema>;
  verifier: string;
}

/**
 * Connecting an account: authorization code + PKCE (S256) + state. `start` returns the URL to open;
 * `complete` takes the callback, exchanges the code and creates the configuration with the tokens.
 */
export function createConnectFlow(opts: ConnectFlowOptions): ConnectFlow {
  const clients = opts.clients ?? createOAuthClients(opts.settings);
  const now = opts.clock ?? Date.now;
  const pending = new PendingStates<Pending>(opts.stateTtlMs ?? 10 * 60_000, now);

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
      const expiresAt = pending.put(state, { principal, input, verifier });
      return { authorization_url: url.href, state, expires_at: new Date(expiresAt).toISOString() };
    },

    async complete(callback) {
      const params = callbackParams(callback);
      const state = params.get('state');
      if (!state) throw new ValidationError('the OAuth callback has no state parameter', 'state');
      const flow = pending.take(state);
      if (!flow) {
        throw new AuthError('the OAuth state is unknown, expired or already used: start the connection again', 'invalid_oauth_state');
      }
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
