import * as oidc from 'openid-client';
import { AuthError, UpstreamError, ValidationError } from '../domain/errors.js';
import type { Principal } from '../domain/principal.js';
import type { OidcAuthSettings } from '../config/settings.js';
import { checkOAuthEndpoint } from '../oauth/endpoint-policy.js';
import { claimString, claimsToPrincipal } from './oidc.js';

/** What one sign-in keeps between leaving for the provider and coming back: never shown to the page. */
export interface OidcLoginSecrets {
  state: string;
  nonce: string;
  verifier: string;
}

export interface OidcLogin {
  /** What the page's button says after "Sign in with". */
  readonly name: string;
  /** The provider's authorization URL for a new sign-in, and the secrets its callback must match. */
  start(redirectUri: string): Promise<{ url: string; secrets: OidcLoginSecrets }>;
  /**
   * The principal the provider's ID token names, after openid-client checked the callback's state
   * and `iss` (RFC 9207), redeemed the code with the PKCE verifier and checked the ID token's
   * issuer, audience, expiry and nonce. Throws AuthError for anything refused.
   */
  finish(callback: URLSearchParams, secrets: OidcLoginSecrets, redirectUri: string): Promise<Principal>;
}

export type OidcPageSettings = OidcAuthSettings & { page: NonNullable<OidcAuthSettings['page']> };

export function hasPageClient(s: OidcAuthSettings | undefined): s is OidcPageSettings {
  return s?.page !== undefined;
}

/**
 * Signing a person in to the management page through the OIDC issuer the HTTP server already trusts
 * for bearer tokens (auth.oidc), with the page's own client (auth.oidc.page): authorization code +
 * PKCE (S256), state and nonce. Claims map to a principal exactly as access tokens' do.
 */
export function createOidcLogin(opts: { settings: OidcPageSettings; env: NodeJS.ProcessEnv; allowInsecure: boolean; timeoutMs?: number }): OidcLogin {
  const s = opts.settings;
  const client = s.page;
  const { url: issuerUrl, insecure } = checkOAuthEndpoint(s.issuer, 'auth.oidc.issuer', { allowLoopback: opts.allowInsecure, allowPrivate: true });
  const secret = client.client_secret ?? (client.client_secret_env ? opts.env[client.client_secret_env] : undefined);
  if (client.client_secret_env && !secret) {
    throw new ValidationError(`auth.oidc.page.client_secret_env names ${client.client_secret_env}, which is not set in the environment`, 'auth.oidc.page.client_secret_env');
  }
  const timeoutMs = opts.timeoutMs ?? 10_000;
  let config: Promise<oidc.Configuration> | undefined;

  const discover = () => {
    if (!config) {
      config = (async () => {
        try {
          // openid-client checks that the discovered issuer is exactly the configured one.
          return await oidc.discovery(issuerUrl, client.client_id, secret ? { client_secret: secret } : {}, secret ? oidc.ClientSecretBasic(secret) : oidc.None(), {
            timeout: timeoutMs / 1000,
            ...(insecure ? { execute: [oidc.allowInsecureRequests] } : {}),
          });
        } catch (e) {
          throw new UpstreamError('network', `cannot discover the OIDC issuer ${s.issuer} to sign in (${e instanceof Error ? e.message : 'error'})`);
        }
      })();
      config.catch(() => (config = undefined)); // retry discovery on the next sign-in
    }
    return config;
  };

  return {
    name: client.display_name ?? issuerUrl.hostname,

    async start(redirectUri) {
      const c = await discover();
      const secrets = { state: oidc.randomState(), nonce: oidc.randomNonce(), verifier: oidc.randomPKCECodeVerifier() };
      const url = oidc.buildAuthorizationUrl(c, {
        redirect_uri: redirectUri,
        response_type: 'code',
        scope: client.scopes.includes('openid') ? client.scopes.join(' ') : ['openid', ...client.scopes].join(' '),
        state: secrets.state,
        nonce: secrets.nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(secrets.verifier),
        code_challenge_method: 'S256',
      });
      return { url: url.href, secrets };
    },

    async finish(callback, secrets, redirectUri) {
      const error = callback.get('error');
      if (error !== null) {
        const code = /^[\w.-]{1,64}$/.test(error) ? error : 'error';
        throw new AuthError(`the provider did not sign you in (${code})`, 'oidc_access_denied');
      }
      const c = await discover();
      // Rebuilt on the registered redirect URI: the URL the server saw may differ behind a proxy.
      const current = new URL(redirectUri);
      for (const key of ['code', 'state', 'iss'] as const) {
        const v = callback.get(key);
        if (v !== null) current.searchParams.set(key, v);
      }
      let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
      try {
        tokens = await oidc.authorizationCodeGrant(c, current, { pkceCodeVerifier: secrets.verifier, expectedState: secrets.state, expectedNonce: secrets.nonce, idTokenExpected: true });
      } catch (e) {
        throw refused(e);
      }
      const idClaims = tokens.claims();
      if (!idClaims) throw new AuthError('the provider returned no ID token', 'oidc_sign_in_refused');
      let claims: Record<string, unknown> = { ...idClaims };
      // Providers put few claims in an ID token of the code flow: the rest come from userinfo, for the same subject.
      const missing = claimString(claims, s.user_claim) === undefined || (claimString(claims, s.organization_claim) === undefined && s.default_organization_id === undefined);
      if (missing && c.serverMetadata().userinfo_endpoint) {
        try {
          claims = { ...(await oidc.fetchUserInfo(c, tokens.access_token, idClaims.sub)), ...claims };
        } catch (e) {
          throw refused(e);
        }
      }
      return claimsToPrincipal(claims, s, 'ID token');
    },
  };
}

/** What openid-client refused (state, iss, nonce, audience, the code), as a sign-in refusal; the provider unreachable stays an upstream error. */
function refused(e: unknown): Error {
  if (e instanceof AuthError) return e;
  if (e instanceof oidc.ResponseBodyError) return new AuthError(`the provider refused the sign-in (${/^[\w.-]{1,64}$/.test(e.error) ? e.error : 'error'})`, 'oidc_sign_in_refused');
  if (e instanceof oidc.ClientError || e instanceof oidc.AuthorizationResponseError || e instanceof oidc.WWWAuthenticateChallengeError) {
    // openid-client wraps the precise check that failed (which claim or parameter) as the cause.
    const why = e.cause instanceof Error ? e.cause.message : e.message;
    return new AuthError(`the sign-in response was refused: ${why}`, 'oidc_sign_in_refused');
  }
  return new UpstreamError('network', `cannot reach the OIDC issuer to finish the sign-in`);
}
