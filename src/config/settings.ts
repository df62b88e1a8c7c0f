import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ValidationError } from '../domain/errors.js';
import type { NetworkPolicy } from '../domain/network.js';

const httpsOrLoopbackUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

/** One OAuth client per connector id: discovery through `issuer`, or explicit endpoints. */
export const OAuthClientSettingsSchema = z
  .strictObject({
    issuer: httpsOrLoopbackUrl.optional(),
    authorization_endpoint: httpsOrLoopbackUrl.optional(),
    token_endpoint: httpsOrLoopbackUrl.optional(),
    client_id: z.string().min(1, { error: 'must not be empty' }),
    client_secret: z.string().min(1).optional(),
    /** Name of an environment variable that holds the secret, so the file can be shared. */
    client_secret_env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'must be an environment variable name' }).optional(),
    scopes: z.array(z.string().min(1)).default([]),
    /** Extra authorization parameters, e.g. {"audience": "api.atlassian.com", "prompt": "consent"}. */
    authorization_params: z.record(z.string(), z.string()).optional(),
  })
  .refine((s) => s.issuer !== undefined || s.token_endpoint !== undefined, {
    error: 'set issuer (discovery) or token_endpoint',
    path: ['issuer'],
  });
export type OAuthClientSettings = z.infer<typeof OAuthClientSettingsSchema>;

/** OIDC sign-in for callers of the HTTP server (issue 5): whose tokens are accepted and how claims map. */
export const OidcAuthSettingsSchema = z.strictObject({
  issuer: httpsOrLoopbackUrl,
  /** The audience tokens must carry: this server's resource URL (default: http(s)://host:port/mcp). */
  audience: z.string().min(1).optional(),
  user_claim: z.string().min(1).default('sub'),
  organization_claim: z.string().min(1).default('org_id'),
  /** Used when the token has no organization claim. */
  default_organization_id: z.string().min(1).optional(),
  scopes_supported: z.array(z.string()).optional(),
  /**
   * The management page's own client at the issuer: with it, the page offers "Sign in with <name>"
   * (authorization code + PKCE); its redirect URI is <public URL>/v1/sessions/oidc/callback.
   */
  page: z
    .strictObject({
      client_id: z.string().min(1, { error: 'must not be empty' }),
      client_secret: z.string().min(1).optional(),
      /** Name of an environment variable that holds the secret, so the file can be shared. */
      client_secret_env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'must be an environment variable name' }).optional(),
      scopes: z.array(z.string().min(1)).default(['openid', 'profile', 'email']),
      /** What the button says after "Sign in with" (default: the issuer's host name). */
      display_name: z.string().min(1).max(60).optional(),
    })
    .optional(),
});
export type OidcAuthSettings = z.infer<typeof OidcAuthSettingsSchema>;

/**
 * A client an operator registered with the authorization server of a remote MCP server, keyed by
 * that server's issuer in `oauth_clients`: used before any dynamic registration (MCP authorization
 * spec, client registration priority).
 */
export const McpOAuthClientSettingsSchema = z.strictObject({
  client_id: z.string().min(1, { error: 'must not be empty' }),
  client_secret: z.string().min(1).optional(),
  client_secret_env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'must be an environment variable name' }).optional(),
  /** Scopes to ask for when neither the challenge nor the server's metadata names any. */
  scopes: z.array(z.string().min(1)).optional(),
});
export type McpOAuthClientSettings = z.infer<typeof McpOAuthClientSettingsSchema>;

export const SettingsSchema = z.strictObject({
  oauth: z.record(z.string().regex(/^pc_[a-z0-9_]+$/, { error: 'keys must be connector ids (pc_…)' }), OAuthClientSettingsSchema).default({}),
  network: z
    .strictObject({
      /**
       * Per-process overrides of the stored settings (`connector-gateway settings set`); absent unless
       * the file sets them. See network-settings.ts.
       */
      allow_loopback: z.boolean().optional(),
      allow_private: z.boolean().optional(),
    })
    .default({}),
  limits: z
    .strictObject({
      discovery_timeout_ms: z.number().int().min(100).max(120_000).default(10_000),
      call_timeout_ms: z.number().int().min(100).max(600_000).default(60_000),
      /** How long a custom MCP server's tool list is trusted when the server announces no change. */
      tool_list_ttl_ms: z.number().int().min(100).max(86_400_000).default(600_000),
      max_body_bytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
      upstream_max_bytes: z.number().int().min(1024).max(256 * 1024 * 1024).default(10 * 1024 * 1024),
      refresh_skew_ms: z.number().int().min(0).max(3_600_000).default(60_000),
      rate_limit_per_minute: z.number().int().min(0).max(1_000_000).default(600),
      mcp_rate_limit_per_minute: z.number().int().min(0).max(10_000_000).default(6000),
      /** OAuth connections one principal may have waiting for their browser at once. */
      max_pending_oauth_flows: z.number().int().min(1).max(1000).default(10),
    })
    .default({
      discovery_timeout_ms: 10_000,
      call_timeout_ms: 60_000,
      tool_list_ttl_ms: 600_000,
      max_body_bytes: 1024 * 1024,
      upstream_max_bytes: 10 * 1024 * 1024,
      refresh_skew_ms: 60_000,
      rate_limit_per_minute: 600,
      mcp_rate_limit_per_minute: 6000,
      max_pending_oauth_flows: 10,
    }),
  auth: z.strictObject({ oidc: OidcAuthSettingsSchema.optional() }).default({}),
  /** OAuth clients registered by an operator with remote MCP servers' authorization servers, keyed by issuer URL. */
  oauth_clients: z.record(httpsOrLoopbackUrl, McpOAuthClientSettingsSchema).default({}),
  /**
   * The public https URL of this gateway (e.g. https://gateway.example.com), where browsers and
   * authorization servers reach it: the redirect URI of connections started over REST or from the
   * chat, and the home of the gateway's Client ID Metadata Document.
   */
  public_base_url: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .refine((u) => !u.includes('?') && !u.includes('#'), { error: 'must not carry a query string or fragment' })
    .optional(),
  /** Hostnames accepted in Host/Origin besides the bind address (when served behind a proxy). */
  allowed_hosts: z.array(z.string().min(1)).default([]),
});
export type Settings = z.infer<typeof SettingsSchema>;

export function defaultSettings(): Settings {
  return SettingsSchema.parse({});
}

/**
 * Reads the settings file. The network allowances are not resolved here: they are stored with the
 * data (see network-settings.ts), and the file's `network` values are only per-process overrides.
 */
export function loadSettings(path: string | undefined, env: NodeJS.ProcessEnv = process.env): Settings {
  let raw: unknown = {};
  if (path) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new ValidationError(`cannot read the settings file ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, 'CONNECTOR_GATEWAY_CONFIG');
    }
    try {
      raw = JSON.parse(text);
    } catch {
      throw new ValidationError(`the settings file ${path} is not valid JSON`, 'CONNECTOR_GATEWAY_CONFIG');
    }
  }
  const parsed = SettingsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue ? issue.path.map(String).join('.') : '';
    throw new ValidationError(`settings file ${path ?? ''}: ${field ? field + ': ' : ''}${issue?.message ?? 'invalid'}`, field || 'CONNECTOR_GATEWAY_CONFIG');
  }
  return parsed.data;
}

/**
 * A live view of `s.network`: reads the current values on every access, so the parts that keep the
 * policy (guards checked at dial time) follow a change of the stored settings in a running process.
 * Spreading it (`{...policy}`) takes a snapshot.
 */
export function networkPolicy(s: Settings): NetworkPolicy {
  return {
    get allowLoopback() {
      return s.network.allow_loopback ?? false;
    },
    get allowPrivate() {
      return s.network.allow_private ?? false;
    },
  };
}

/** The client secret, from the file or from the environment variable it names. */
export function oauthClientSecret(s: OAuthClientSettings, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (s.client_secret) return s.client_secret;
  if (s.client_secret_env) return env[s.client_secret_env];
  return undefined;
}
