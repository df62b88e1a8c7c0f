/**
 * A real OpenID provider (oidc-provider) on 127.0.0.1:0 for the OAuth and OIDC tests: a confidential
 * client (client_secret_basic, PKCE required, refresh tokens with rotation), resource indicators that
 * mint JWT access tokens for a resource URL, test accounts with claims, grant revocation, and counters
 * of token endpoint calls per grant type.
 */
import { type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer } from '../helpers/test-server.js';
import type { AddressInfo } from 'node:net';
import { randomBytes, createHash } from 'node:crypto';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { exportJWK, generateKeyPair } from 'jose';

export interface TestAccount {
  /** Claims besides `sub` (which is the account id), e.g. { org_id: 'org_acme' }. */
  claims: Record<string, string>;
}

export interface OidcProviderOptions {
  /** Access token lifetime in seconds (default 3600). */
  accessTokenTtl?: number;
  /** Accounts by id (default: alice in org_acme, bob in org_beta, loner without org). */
  accounts?: Record<string, TestAccount>;
  /** Extra redirect URIs; loopback ones match any port (the client is `native`). */
  redirectUris?: string[];
  /**
   * Signing key slot: providers with the same slot share one RSA key (generating one costs ~0.5 s).
   * Give a second provider its own slot when a test needs keys that differ.
   */
  keySlot?: string;
  /** Open Dynamic Client Registration (RFC 7591) at /reg, as hosted MCP authorization servers offer it. */
  registration?: boolean;
}

const signingKeys = new Map<string, Promise<Record<string, unknown>>>();
function signingKey(slot: string): Promise<Record<string, unknown>> {
  let k = signingKeys.get(slot);
  if (!k) {
    k = generateKeyPair('RS256', { extractable: true }).then(async ({ privateKey }) => ({ ...(await exportJWK(privateKey)), kid: `test-${slot}`, alg: 'RS256', use: 'sig' }));
    signingKeys.set(slot, k);
  }
  return k;
}

export interface StartedOidcProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Redirect URI registered for the client (any loopback port is accepted). */
  redirectUri: string;
  provider: Provider;
  /** Token endpoint calls by grant type, successes and failures alike. */
  tokenCalls: Record<string, number>;
  /** Refresh grants answered with an error. */
  refreshFailures: number;
  /** Revocations (RFC 7009): grants ended (`grant`), refresh tokens destroyed (`refresh_token`). */
  revocations: Record<string, number>;
  /** Forgets a dynamically registered client, as a server that purges registrations does. */
  forgetClient(clientId: string): Promise<void>;
  /** Destroys every grant issued so far: the next refresh of any of their tokens gets invalid_grant. */
  revokeAllGrants(): Promise<void>;
  /** Drives login + consent for `accountId` starting at `authorizationUrl`; returns the callback URL (code, state, iss). */
  authorize(authorizationUrl: string | URL, accountId?: string): Promise<URL>;
  /** A JWT access token for `resource` (the audience) issued to `accountId` through a real code flow. */
  mintAccessToken(opts: { accountId?: string; resource: string; scope?: string; /** Issue it already expired by this many seconds (the provider refuses a negative TTL). */ expiredBySec?: number }): Promise<string>;
  close(): Promise<void>;
}

const DEFAULT_ACCOUNTS: Record<string, TestAccount> = {
  alice: { claims: { org_id: 'org_acme', email: 'alice@example.com' } },
  bob: { claims: { org_id: 'org_beta', email: 'bob@example.com' } },
  loner: { claims: { email: 'loner@example.com' } },
};

export async function startOidcProvider(opts: OidcProviderOptions = {}): Promise<StartedOidcProvider> {
  const accounts = opts.accounts ?? DEFAULT_ACCOUNTS;
  const clientId = 'gateway-test';
  const clientSecret = randomBytes(24).toString('base64url');
  const redirectUri = 'http://127.0.0.1/oauth/callback';

  // The issuer carries the port, so listen first and plug the provider in afterwards.
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server: Server = createServer((req, res) => {
    if (handler) handler(req, res);
    else res.writeHead(503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const jwk = await signingKey(opts.keySlot ?? 'default');
  let backdateSec = 0;

  const configuration: Configuration = {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        application_type: 'native',
        redirect_uris: [redirectUri, ...(opts.redirectUris ?? [])],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [jwk] },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    pkce: { required: () => true },
    scopes: ['openid', 'offline_access', 'profile', 'email', 'tools:read', 'tools:write'],
    claims: { openid: ['sub'], email: ['email'], profile: ['org_id'] },
    rotateRefreshToken: true,
    ttl: {
      AccessToken: () => opts.accessTokenTtl ?? 3600,
      AuthorizationCode: 60,
      Grant: 3600,
      IdToken: 3600,
      Interaction: 600,
      RefreshToken: 24 * 3600,
      Session: 3600,
    },
    // Signed after this runs: moving iat/exp back yields a genuinely expired, validly signed token.
    formats: {
      customizers: {
        jwt: async (_ctx, _token, jwt) => {
          if (!backdateSec) return jwt;
          for (const claim of ['iat', 'exp'] as const) {
            const v = jwt.payload[claim];
            if (typeof v === 'number') jwt.payload[claim] = v - backdateSec;
          }
          return jwt;
        },
      },
    },
    features: {
      devInteractions: { enabled: true },
      ...(opts.registration ? { registration: { enabled: true } } : {}),
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async (_ctx, _client, oneOf) => oneOf ?? [],
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, resourceIndicator) => ({
          scope: 'tools:read tools:write',
          audience: resourceIndicator,
          accessTokenFormat: 'jwt',
          accessTokenTTL: opts.accessTokenTtl ?? 3600,
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
    // Claims a resource server needs to map a caller to an organization travel in the access token.
    extraTokenClaims: async (_ctx, token) => {
      const id = 'accountId' in token && typeof token.accountId === 'string' ? token.accountId : undefined;
      return id ? { ...accounts[id]?.claims } : undefined;
    },
    findAccount: async (_ctx, id) => {
      const account = accounts[id];
      if (!account) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, ...account.claims }) };
    },
  };

  const provider = new Provider(issuer, configuration);
  const tokenCalls: Record<string, number> = {};
  const grantIds = new Set<string>();
  const started: StartedOidcProvider = {
    issuer,
    clientId,
    clientSecret,
    redirectUri,
    provider,
    tokenCalls,
    refreshFailures: 0,
    revocations: {},
    async forgetClient(id) {
      await (provider.Client as unknown as { adapter: { destroy(id: string): Promise<void> } }).adapter.destroy(id);
    },
    async revokeAllGrants() {
      for (const id of grantIds) {
        const grant = await provider.Grant.find(id);
        await grant?.destroy();
      }
    },
    authorize: (url, accountId = 'alice') => driveInteraction(new URL(String(url)), accountId),
    async mintAccessToken({ accountId = 'alice', resource, scope = 'openid tools:read', expiredBySec }) {
      const verifier = randomBytes(32).toString('base64url');
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      const auth = new URL('/auth', issuer);
      auth.search = new URLSearchParams({
        client_id: clientId,
        response_type: 'code',
        redirect_uri: redirectUri,
        scope,
        resource,
        state: randomBytes(8).toString('hex'),
        code_challenge: challenge,
        code_challenge_method: 'S256',
      }).toString();
      const callback = await driveInteraction(auth, accountId);
      const code = callback.searchParams.get('code');
      if (!code) throw new Error(`no code in the callback: ${callback.search}`);
      backdateSec = expiredBySec === undefined ? 0 : (opts.accessTokenTtl ?? 3600) + expiredBySec;
      const res = await fetch(new URL('/token', issuer), {
        method: 'POST',
        headers: {
          authorization: 'Basic ' + Buffer.from(`${clientId}:${clientSecret}`).toString('base64'),
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier, resource }),
      });
      backdateSec = 0;
      const body = (await res.json()) as { access_token?: string; error?: string };
      if (!body.access_token) throw new Error(`token endpoint refused: ${body.error ?? res.status}`);
      return body.access_token;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const count = (ctx: KoaContextWithOIDC, failed: boolean) => {
    const grantType = String((ctx.oidc.params as Record<string, unknown> | undefined)?.grant_type ?? 'unknown');
    tokenCalls[grantType] = (tokenCalls[grantType] ?? 0) + 1;
    if (failed && grantType === 'refresh_token') started.refreshFailures++;
  };
  provider.on('grant.success', (ctx) => count(ctx, false));
  // A revoked refresh (or access) token ends its grant: counted by what the revocation endpoint received.
  const on = provider.on.bind(provider) as unknown as (event: string, listener: (...args: unknown[]) => void) => void;
  on('grant.revoked', () => {
    started.revocations.grant = (started.revocations.grant ?? 0) + 1;
  });
  on('refresh_token.destroyed', () => {
    started.revocations.refresh_token = (started.revocations.refresh_token ?? 0) + 1;
  });
  provider.on('grant.error', (ctx) => count(ctx, true));
  provider.on('grant.saved', (grant) => {
    if (grant.jti) grantIds.add(grant.jti);
  });
  // Errors are the point of several tests; keep the provider from printing them.
  provider.on('server_error', () => {});

  handler = provider.callback();

  /**
   * The devInteractions pages, driven as a browser would: follow redirects, keep the cookies,
   * post the login form then the consent form, stop at the client's redirect URI.
   */
  async function driveInteraction(start: URL, accountId: string): Promise<URL> {
    const jar = new Map<string, string>();
    const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const keep = (res: Response) => {
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const eq = pair?.indexOf('=') ?? -1;
        if (pair && eq > 0) jar.set(pair.slice(0, eq), pair.slice(eq + 1));
      }
    };
    let next: URL = start;
    let method: 'GET' | 'POST' = 'GET';
    let body: URLSearchParams | undefined;
    for (let hop = 0; hop < 20; hop++) {
      if (next.origin !== issuer) return next; // left the provider: this is the client's redirect URI
      const res = await fetch(next, {
        method,
        redirect: 'manual',
        headers: { cookie: cookieHeader(), ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
        ...(body ? { body } : {}),
      });
      keep(res);
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        await res.body?.cancel();
        next = new URL(location, next);
        method = 'GET';
        body = undefined;
        continue;
      }
      const html = await res.text();
      if (res.status !== 200) throw new Error(`provider answered ${res.status} at ${next.pathname}: ${html.slice(0, 300)}`);
      // An interaction page: a login or a consent form that posts back to the same path.
      const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1] ?? (/name="login"/.test(html) ? 'login' : 'consent');
      method = 'POST';
      body = prompt === 'login' ? new URLSearchParams({ prompt: 'login', login: accountId, password: 'any' }) : new URLSearchParams({ prompt: 'consent' });
    }
    throw new Error('too many redirects while driving the interaction');
  }

  return started;
}

/**
 * A token endpoint that misbehaves: `html` answers 200 text/html, `hang` never answers, `500` fails,
 * `json-garbage` is JSON without tokens, `github-200-error` refuses the grant the way GitHub does.
 * Serves a discovery document too, so it can stand in for an issuer.
 */
export async function startBrokenAuthServer(mode: 'html' | 'hang' | '500' | 'json-garbage' | 'github-200-error'): Promise<{ issuer: string; tokenEndpoint: string; tokenCalls: number; close(): Promise<void> }> {
  const state = { tokenCalls: 0 };
  const server = createServer((req, res) => {
    if (req.url === '/.well-known/openid-configuration') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ issuer, authorization_endpoint: `${issuer}/auth`, token_endpoint: `${issuer}/token`, response_types_supported: ['code'] }));
      return;
    }
    if (req.url?.startsWith('/token')) {
      state.tokenCalls++;
      req.resume();
      if (mode === 'hang') return;
      if (mode === '500') {
        res.writeHead(500, { 'content-type': 'text/plain' }).end('boom');
        return;
      }
      if (mode === 'github-200-error') {
        // GitHub's way of refusing a refresh token: HTTP 200 with an error body.
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify({ error: 'bad_refresh_token', error_description: 'The refresh token passed is incorrect or expired.' }));
        return;
      }
      if (mode === 'json-garbage') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"token_type": 42}');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Sign in to continue</body></html>');
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    tokenEndpoint: `${issuer}/token`,
    get tokenCalls() {
      return state.tokenCalls;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
