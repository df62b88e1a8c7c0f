import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OidcAuthSettingsSchema } from '../../src/config/settings.js';
import { AuthError, ValidationError } from '../../src/domain/errors.js';
import { createOidcAuthenticator, protectedResourceMetadata, protectedResourceMetadataUrl, wwwAuthenticate } from '../../src/auth/oidc.js';
import { startOidcProvider, type StartedOidcProvider } from '../fakes/oidc-provider.js';
import { caught } from './support.js';

const RESOURCE = 'http://127.0.0.1:3333/mcp';
let provider: StartedOidcProvider;
let other: StartedOidcProvider;
beforeAll(async () => {
  [provider, other] = await Promise.all([startOidcProvider(), startOidcProvider({ keySlot: 'other' })]);
});
afterAll(async () => {
  await Promise.all([provider?.close(), other?.close()]);
});

function authenticator(settings: Record<string, unknown> = {}, extra: { now?: () => Date } = {}) {
  return createOidcAuthenticator({
    settings: OidcAuthSettingsSchema.parse({ issuer: provider.issuer, ...settings }),
    resourceUrl: RESOURCE,
    allowInsecure: true,
    ...extra,
  });
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
function payloadOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
}

async function refused(p: Promise<unknown>, token: string, pattern: RegExp) {
  const e = await caught(p);
  expect(e).toBeInstanceOf(AuthError);
  expect(e.code).toBe('invalid_token');
  expect(e.message).toMatch(pattern);
  expect(e.message).not.toContain(token);
  const signature = token.split('.')[2] ?? '';
  if (signature.length > 8) expect(e.message).not.toContain(signature);
}

describe('OIDC bearer tokens for HTTP callers', () => {
  it('maps a valid token to a principal', async () => {
    const token = await provider.mintAccessToken({ accountId: 'alice', resource: RESOURCE });
    expect(await authenticator().authenticate(token)).toEqual({ user_id: 'alice', organization_id: 'org_acme', via: 'oidc' });
  });

  it('refuses a token minted for another audience', async () => {
    const token = await provider.mintAccessToken({ resource: 'http://127.0.0.1:4444/other' });
    await refused(authenticator().authenticate(token), token, /audience \(aud\) must include http:\/\/127\.0\.0\.1:3333\/mcp/);
  });

  it('accepts the configured audience instead of the resource URL', async () => {
    const token = await provider.mintAccessToken({ resource: 'https://gateway.example.com/mcp' });
    expect((await authenticator({ audience: 'https://gateway.example.com/mcp' }).authenticate(token)).user_id).toBe('alice');
  });

  it('refuses an expired token', async () => {
    const token = await provider.mintAccessToken({ resource: RESOURCE });
    const exp = payloadOf(token).exp as number;
    const later = authenticator({}, { now: () => new Date((exp + 120) * 1000) });
    await refused(later.authenticate(token), token, /expired/);
  });

  it('refuses unsigned (alg none) and shared-secret (HS256) tokens', async () => {
    const real = await provider.mintAccessToken({ resource: RESOURCE });
    const claims = payloadOf(real);
    const none = `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64(claims)}.`;
    await refused(authenticator().authenticate(none), none, /alg "none" is refused/);
    const head = b64({ alg: 'HS256', typ: 'at+jwt', kid: 'test-default' });
    const body = b64(claims);
    const hs = `${head}.${body}.${createHmac('sha256', provider.clientSecret).update(`${head}.${body}`).digest('base64url')}`;
    await refused(authenticator().authenticate(hs), hs, /alg "HS256" is refused/);
  });

  it('refuses a token from another issuer, and a tampered one', async () => {
    const foreign = await other.mintAccessToken({ resource: RESOURCE });
    await refused(authenticator().authenticate(foreign), foreign, /not signed by a key of|not issued by|signature/);
    const real = await provider.mintAccessToken({ resource: RESOURCE });
    const [h, , s] = real.split('.');
    const forged = `${h}.${b64({ ...payloadOf(real), sub: 'bob', org_id: 'org_beta' })}.${s}`;
    await refused(authenticator().authenticate(forged), forged, /signature is invalid/);
  });

  it('refuses what is not a JWT', async () => {
    await refused(authenticator().authenticate('opaque-token-value'), 'opaque-token-value', /not a JWT/);
    await refused(authenticator().authenticate('a.b.c'), 'a.b.c', /not a JWT/);
  });

  it('maps claims as configured', async () => {
    const bob = await provider.mintAccessToken({ accountId: 'bob', resource: RESOURCE, scope: 'openid email tools:read' });
    expect(await authenticator({ user_claim: 'email' }).authenticate(bob)).toEqual({ user_id: 'bob@example.com', organization_id: 'org_beta', via: 'oidc' });
    expect(await authenticator({ organization_claim: 'client_id' }).authenticate(bob)).toMatchObject({ user_id: 'bob', organization_id: provider.clientId });

    const loner = await provider.mintAccessToken({ accountId: 'loner', resource: RESOURCE });
    await refused(authenticator().authenticate(loner), loner, /no org_id claim \(auth\.oidc\.organization_claim\)/);
    expect(await authenticator({ default_organization_id: 'org_default' }).authenticate(loner)).toEqual({ user_id: 'loner', organization_id: 'org_default', via: 'oidc' });
    await refused(authenticator({ user_claim: 'preferred_username' }).authenticate(loner), loner, /no preferred_username claim/);
  });

  it('refuses an http issuer unless loopback is allowed', () => {
    expect(() =>
      createOidcAuthenticator({ settings: OidcAuthSettingsSchema.parse({ issuer: provider.issuer }), resourceUrl: RESOURCE, allowInsecure: false }),
    ).toThrow(ValidationError);
    expect(() =>
      createOidcAuthenticator({ settings: OidcAuthSettingsSchema.parse({ issuer: 'http://idp.example.com' }), resourceUrl: RESOURCE, allowInsecure: true }),
    ).toThrow(/must use https/);
  });
});

describe('protected resource metadata (RFC 9728)', () => {
  it('describes the resource and its authorization server', () => {
    expect(protectedResourceMetadata({ resourceUrl: RESOURCE, issuer: provider.issuer, scopes: ['tools:read'] })).toEqual({
      resource: RESOURCE,
      authorization_servers: [provider.issuer],
      bearer_methods_supported: ['header'],
      scopes_supported: ['tools:read'],
    });
    expect(protectedResourceMetadataUrl('https://gw.example.com/mcp')).toBe('https://gw.example.com/.well-known/oauth-protected-resource/mcp');
    expect(protectedResourceMetadataUrl('https://gw.example.com/')).toBe('https://gw.example.com/.well-known/oauth-protected-resource');
  });

  it('builds the WWW-Authenticate challenge', () => {
    const url = 'https://gw.example.com/.well-known/oauth-protected-resource/mcp';
    expect(wwwAuthenticate({ resourceMetadataUrl: url })).toBe(`Bearer resource_metadata="${url}"`);
    expect(wwwAuthenticate({ resourceMetadataUrl: url, error: 'invalid_token', description: 'the access token expired (exp) "x"' })).toBe(
      `Bearer resource_metadata="${url}", error="invalid_token", error_description="the access token expired (exp) \\"x\\""`,
    );
  });
});
