import * as oidc from 'openid-client';
import { Agent, fetch as undiciFetch } from 'undici';
import type { NetworkPolicy } from '../domain/network.js';
import { createGuardedLookup } from '../http/network-guard.js';
import { ValidationError } from '../domain/errors.js';
import { networkPolicy, oauthClientSecret, type OAuthClientSettings, type Settings } from '../config/settings.js';
import { checkOAuthEndpoint } from './endpoint-policy.js';
import { mapOAuthError } from './errors.js';
import { presetAuthorizationEndpoint } from './presets.js';

/** The OAuth clients of the settings file, one openid-client Configuration per connector id, built once. */
export interface OAuthClients {
  has(connectorId: string): boolean;
  settingsFor(connectorId: string): OAuthClientSettings | undefined;
  /** Throws ValidationError when no client is configured, UpstreamError when discovery fails. */
  get(connectorId: string): Promise<oidc.Configuration>;
}

export interface OAuthClientsOptions {
  env?: NodeJS.ProcessEnv;
  /** Per-request timeout for discovery and token requests (default: settings.limits.discovery_timeout_ms). */
  timeoutMs?: number;
}

export function createOAuthClients(settings: Settings, opts: OAuthClientsOptions = {}): OAuthClients {
  const cache = new Map<string, Promise<oidc.Configuration>>();
  const timeoutMs = opts.timeoutMs ?? settings.limits.discovery_timeout_ms;
  return {
    has: (id) => settings.oauth[id] !== undefined,
    settingsFor: (id) => settings.oauth[id],
    get(connectorId) {
      let p = cache.get(connectorId);
      if (!p) {
        p = build(connectorId, settings, timeoutMs, opts.env ?? process.env);
        cache.set(connectorId, p);
        // A failed discovery is retried on next use rather than cached forever.
        p.catch(() => cache.delete(connectorId));
      }
      return p;
    },
  };
}

async function build(connectorId: string, settings: Settings, timeoutMs: number, env: NodeJS.ProcessEnv): Promise<oidc.Configuration> {
  const s = settings.oauth[connectorId];
  const field = `oauth.${connectorId}`;
  if (!s) throw new ValidationError(`no OAuth client is configured for ${connectorId}: add ${field} to the settings file`, 'personal_connector_id');
  const policy = networkPolicy(settings);
  const secret = oauthClientSecret(s, env);
  if (s.client_secret_env && !secret) {
    throw new ValidationError(`${field}.client_secret_env names ${s.client_secret_env}, which is not set in the environment`, `${field}.client_secret_env`);
  }
  const metadata: Partial<oidc.ClientMetadata> = secret ? { client_secret: secret } : {};
  const fetchImpl = normalizingFetch(policy);

  if (s.issuer) {
    const { url, insecure } = checkOAuthEndpoint(s.issuer, `${field}.issuer`, policy);
    let config: oidc.Configuration;
    try {
      config = await oidc.discovery(url, s.client_id, metadata, undefined, {
        timeout: timeoutMs / 1000,
        [oidc.customFetch]: fetchImpl,
        ...(insecure ? { execute: [oidc.allowInsecureRequests] } : {}),
      });
    } catch (e) {
      throw mapOAuthError(e, `discovering the OAuth issuer of ${connectorId}`);
    }
    const server = config.serverMetadata();
    // Discovered endpoints face the same rules as configured ones.
    for (const key of ['token_endpoint', 'authorization_endpoint'] as const) {
      const v = server[key];
      if (v) checkOAuthEndpoint(v, `${field}.issuer (discovered ${key})`, policy);
    }
    // Re-create with the auth method the server prefers: openid-client defaults to client_secret_post.
    const auth = clientAuth(secret, server.token_endpoint_auth_methods_supported);
    const out = new oidc.Configuration(server, s.client_id, metadata, auth);
    finish(out, timeoutMs, fetchImpl, insecure || isHttp(server.token_endpoint));
    return out;
  }

  const token = checkOAuthEndpoint(s.token_endpoint ?? '', `${field}.token_endpoint`, policy);
  const authorizationRaw = s.authorization_endpoint ?? presetAuthorizationEndpoint(connectorId, s.token_endpoint);
  const authorization = authorizationRaw ? checkOAuthEndpoint(authorizationRaw, `${field}.authorization_endpoint`, policy) : undefined;
  const server: oidc.ServerMetadata = {
    issuer: token.url.origin,
    token_endpoint: token.url.href,
    ...(authorization ? { authorization_endpoint: authorization.url.href } : {}),
  };
  // Without metadata, client_secret_post is what GitHub, Atlassian and ClickUp all accept.
  const out = new oidc.Configuration(server, s.client_id, metadata, secret ? oidc.ClientSecretPost(secret) : oidc.None());
  finish(out, timeoutMs, fetchImpl, token.insecure || (authorization?.insecure ?? false));
  return out;
}

function finish(config: oidc.Configuration, timeoutMs: number, fetchImpl: oidc.CustomFetch, insecure: boolean): void {
  config.timeout = timeoutMs / 1000;
  config[oidc.customFetch] = fetchImpl;
  // Only reachable for loopback endpoints, which checkOAuthEndpoint admits only with allow_loopback.
  if (insecure) oidc.allowInsecureRequests(config);
}

function clientAuth(secret: string | undefined, supported: readonly string[] | undefined): oidc.ClientAuth {
  if (!secret) return oidc.None();
  if (!supported || supported.includes('client_secret_basic')) return oidc.ClientSecretBasic(secret);
  return oidc.ClientSecretPost(secret);
}

function isHttp(u: string | undefined): boolean {
  return u !== undefined && u.startsWith('http:');
}

/**
 * Every OAuth request dials through the network guard (checked at connect time, so a discovered
 * endpoint or a DNS answer cannot lead to a forbidden address). GitHub answers token errors with
 * HTTP 200 and `{"error": …}`; openid-client would call that a malformed success, so such answers
 * are re-labelled 400 and get the usual OAuth error handling (invalid_grant…).
 */
export function normalizingFetch(policy: NetworkPolicy): oidc.CustomFetch {
  // The policy itself, not a copy: a change of the stored settings applies at the next dial.
  const dispatcher = new Agent({ connect: { lookup: createGuardedLookup(policy) } });
  return async (url, init) => {
    const res = (await undiciFetch(url, { ...init, dispatcher })) as unknown as Response;
    if (res.status !== 200 || init.method !== 'POST' || !(res.headers.get('content-type') ?? '').includes('json')) return res;
    const text = await res.text();
    const rebuilt = (status: number) => new Response(text, { status, headers: res.headers });
    try {
      const body: unknown = JSON.parse(text);
      if (body && typeof body === 'object' && 'error' in body && !('access_token' in body)) return rebuilt(400);
    } catch {
      // Not JSON after all: openid-client reports it as a protocol error.
    }
    return rebuilt(200);
  };
}
