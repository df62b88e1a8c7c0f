import * as oidc from 'openid-client';
import { createRemoteJWKSet, decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { OwnerIdSchema } from '../domain/configuration.js';
import { AuthError, UpstreamError } from '../domain/errors.js';
import type { Principal } from '../domain/principal.js';
import type { OidcAuthSettings } from '../config/settings.js';
import { checkOAuthEndpoint } from '../oauth/endpoint-policy.js';

export { protectedResourceMetadata, protectedResourceMetadataUrl, wwwAuthenticate } from './oidc-metadata.js';

export interface OidcAuthenticatorOptions {
  settings: OidcAuthSettings;
  /** This server's resource URL (its /mcp endpoint): the audience when settings.audience is unset. */
  resourceUrl: string;
  /** Accept an http issuer on loopback (tests, local providers). Never for anything else. */
  allowInsecure?: boolean;
  /** Seconds of clock difference tolerated on exp/nbf (default 30). */
  clockToleranceSec?: number;
  /** Discovery and JWKS fetch timeout (default 10 s). */
  timeoutMs?: number;
  now?: () => Date;
}

export interface OidcAuthenticator {
  readonly issuer: string;
  readonly audience: string;
  authenticate(bearerToken: string): Promise<Principal>;
}

/** Asymmetric algorithms only: a shared-secret (HS*) or unsigned token can never be the issuer's. */
const ASYMMETRIC_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

/**
 * Validates OIDC access tokens (JWTs) presented to the HTTP server: signature against the issuer's
 * JWKS, issuer, audience (this resource), expiry; then maps claims to a principal.
 */
export function createOidcAuthenticator(opts: OidcAuthenticatorOptions): OidcAuthenticator {
  const s = opts.settings;
  const audience = s.audience ?? opts.resourceUrl;
  const { url: issuerUrl, insecure } = checkOAuthEndpoint(s.issuer, 'auth.oidc.issuer', { allowLoopback: opts.allowInsecure ?? false, allowPrivate: true });
  const timeoutMs = opts.timeoutMs ?? 10_000;
  let keys: Promise<{ issuer: string; jwks: ReturnType<typeof createRemoteJWKSet> }> | undefined;

  const discover = () => {
    if (!keys) {
      keys = (async () => {
        let config: oidc.Configuration;
        try {
          // openid-client checks that the discovered issuer is exactly the configured one.
          config = await oidc.discovery(issuerUrl, audience, undefined, undefined, {
            timeout: timeoutMs / 1000,
            ...(insecure ? { execute: [oidc.allowInsecureRequests] } : {}),
          });
        } catch (e) {
          throw new UpstreamError('network', `cannot discover the OIDC issuer ${s.issuer} to validate access tokens (${e instanceof Error ? e.message : 'error'})`);
        }
        const meta = config.serverMetadata();
        if (!meta.jwks_uri) throw new UpstreamError('protocol', `the OIDC issuer ${s.issuer} publishes no jwks_uri`);
        const jwksUrl = checkOAuthEndpoint(meta.jwks_uri, 'auth.oidc.issuer (jwks_uri)', { allowLoopback: opts.allowInsecure ?? false, allowPrivate: true }).url;
        return { issuer: meta.issuer, jwks: createRemoteJWKSet(jwksUrl, { timeoutDuration: timeoutMs }) };
      })();
      keys.catch(() => (keys = undefined)); // retry discovery on the next request
    }
    return keys;
  };

  return {
    issuer: s.issuer,
    audience,
    async authenticate(token) {
      if (typeof token !== 'string' || token.split('.').length !== 3) throw new AuthError('the bearer token is not a JWT access token', 'invalid_token');
      let alg: unknown;
      try {
        alg = decodeProtectedHeader(token).alg;
      } catch {
        throw new AuthError('the bearer token is not a JWT access token (unreadable header)', 'invalid_token');
      }
      if (typeof alg !== 'string' || !ASYMMETRIC_ALGS.includes(alg)) {
        throw new AuthError(`the access token's alg ${typeof alg === 'string' ? JSON.stringify(alg.slice(0, 20)) : ''} is refused: only the issuer's asymmetric signing keys are accepted`, 'invalid_token');
      }
      const { issuer, jwks } = await discover();
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, jwks, {
          issuer,
          audience,
          algorithms: ASYMMETRIC_ALGS,
          clockTolerance: opts.clockToleranceSec ?? 30,
          requiredClaims: ['exp'],
          ...(opts.now ? { currentDate: opts.now() } : {}),
        }));
      } catch (e) {
        throw verificationError(e, issuer, audience);
      }
      return claimsToPrincipal(payload, s, 'access token');
    },
  };
}

function verificationError(e: unknown, issuer: string, audience: string): Error {
  if (e instanceof joseErrors.JWTExpired) return new AuthError('the access token expired (exp)', 'invalid_token');
  if (e instanceof joseErrors.JWTClaimValidationFailed) {
    switch (e.claim) {
      case 'aud':
        return new AuthError(`the access token's audience (aud) must include ${audience}`, 'invalid_token');
      case 'iss':
        return new AuthError(`the access token was not issued by ${issuer} (iss)`, 'invalid_token');
      case 'nbf':
        return new AuthError('the access token is not valid yet (nbf)', 'invalid_token');
      default:
        return new AuthError(`the access token's ${e.claim} claim is invalid (${e.reason})`, 'invalid_token');
    }
  }
  if (e instanceof joseErrors.JWKSNoMatchingKey) return new AuthError(`the access token is not signed by a key of ${issuer}`, 'invalid_token');
  if (e instanceof joseErrors.JWSSignatureVerificationFailed) return new AuthError('the access token signature is invalid', 'invalid_token');
  if (e instanceof joseErrors.JOSEAlgNotAllowed) return new AuthError("the access token's alg is not accepted", 'invalid_token');
  if (e instanceof joseErrors.JWKSTimeout) return new UpstreamError('timeout', `fetching the signing keys of ${issuer} timed out`);
  if (e instanceof joseErrors.JOSEError) return new AuthError(`the access token is invalid (${e.code})`, 'invalid_token');
  return new UpstreamError('network', `cannot fetch the signing keys of ${issuer}`);
}

/** The principal an issuer's claims name (an access token's, or an ID token's with userinfo), by the settings' claim names. */
export function claimsToPrincipal(payload: Record<string, unknown>, s: OidcAuthSettings, what = 'access token'): Principal {
  const user = claimString(payload, s.user_claim);
  if (user === undefined) throw new AuthError(`the ${what} has no ${s.user_claim} claim (auth.oidc.user_claim)`, 'invalid_token');
  if (!OwnerIdSchema.safeParse(user).success) {
    throw new AuthError(`the ${what}'s ${s.user_claim} claim is not a usable user id (1-128 letters, digits and _ . : @ | -)`, 'invalid_token');
  }
  const org = claimString(payload, s.organization_claim) ?? s.default_organization_id;
  if (org === undefined) {
    throw new AuthError(`the ${what} has no ${s.organization_claim} claim (auth.oidc.organization_claim) and no auth.oidc.default_organization_id is set`, 'invalid_token');
  }
  if (!OwnerIdSchema.safeParse(org).success) {
    throw new AuthError(`the ${what}'s ${s.organization_claim} claim is not a usable organization id`, 'invalid_token');
  }
  return { user_id: user, organization_id: org, via: 'oidc' };
}

/** A top-level claim, or a dotted path into nested claims (e.g. "org.id"). Numbers are accepted as ids. */
export function claimString(payload: Record<string, unknown>, name: string): string | undefined {
  let v: unknown = payload[name];
  if (v === undefined && name.includes('.')) {
    v = name.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), payload);
  }
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}
