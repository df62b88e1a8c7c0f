import type { OidcAuthSettings } from '../config/settings.js';
import { AuthError, UpstreamError } from '../domain/errors.js';
import { createOidcAuthenticator, protectedResourceMetadata, protectedResourceMetadataUrl, wwwAuthenticate, type OidcAuthenticator } from '../auth/oidc.js';
import type { TokenVerifier } from './authenticate.js';
import { sendJson } from './http-io.js';
import type { ExtraRoute } from './server.js';

const WELL_KNOWN = '/.well-known/oauth-protected-resource';

/**
 * This server as an OAuth protected resource (RFC 9728): the OIDC token verifier, the metadata
 * documents and the 401 challenge that points to them. The resource URL of a server started on
 * port 0 is known only once it listens, hence `bind`.
 */
export interface ProtectedResource {
  bind(baseUrl: string): void;
  /** The audience tokens must carry (settings.audience, else <server>/mcp). */
  readonly resource: string;
  readonly verifier: TokenVerifier;
  readonly routes: ExtraRoute[];
  /** WWW-Authenticate for a refused request; `error` only when a token was presented (RFC 6750 §3). */
  challenge(e: AuthError): string;
}

export function createProtectedResource(opts: { settings: OidcAuthSettings; allowInsecure: boolean }): ProtectedResource {
  const s = opts.settings;
  let bound: { resource: string; metadataUrl: string; auth: OidcAuthenticator } | undefined;
  const ready = () => {
    // Requests are served only after listen() returned, and bind runs right then: this is a bug guard.
    if (!bound) throw new UpstreamError('server', 'the OIDC verifier is not bound to the server URL yet');
    return bound;
  };

  const document = () => {
    const b = ready();
    return protectedResourceMetadata({ resourceUrl: b.resource, issuer: s.issuer, ...(s.scopes_supported ? { scopes: s.scopes_supported } : {}) });
  };
  const paths = new Set([WELL_KNOWN, `${WELL_KNOWN}/mcp`]);
  // Behind a proxy the public resource may live under another path: serve its metadata path too.
  const audiencePath = httpUrl(s.audience)?.pathname.replace(/\/$/, '');
  if (audiencePath) paths.add(`${WELL_KNOWN}${audiencePath}`);
  const routes: ExtraRoute[] = [...paths].map((path) => ({
    path,
    public: true,
    async handle(_req, res) {
      // Public metadata: browser-based MCP clients fetch it cross-origin.
      sendJson(res, 200, document(), { 'Access-Control-Allow-Origin': '*' });
    },
  }));

  return {
    bind(baseUrl) {
      const own = `${baseUrl.replace(/\/$/, '')}/mcp`;
      const resource = s.audience ?? own;
      // A non-URL audience (e.g. api://gateway) has no well-known location: use the server's own.
      const metadataUrl = protectedResourceMetadataUrl(httpUrl(resource) ? resource : own);
      bound = { resource, metadataUrl, auth: createOidcAuthenticator({ settings: s, resourceUrl: own, allowInsecure: opts.allowInsecure }) };
    },
    get resource() {
      return ready().resource;
    },
    verifier: (token) => ready().auth.authenticate(token),
    routes,
    challenge(e) {
      const presented = e.code !== 'missing_authorization';
      return wwwAuthenticate({ resourceMetadataUrl: ready().metadataUrl, ...(presented ? { error: 'invalid_token' as const, description: e.message } : {}) });
    },
  };
}

function httpUrl(v: string | undefined): URL | undefined {
  if (!v) return undefined;
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Where browsers and clients reach this server: the origin of auth.oidc.audience when it is a URL
 * (the server sits behind a proxy), else the address it is bound to.
 */
export function publicBaseUrl(audience: string | undefined, boundUrl: string): string {
  return httpUrl(audience)?.origin ?? boundUrl.replace(/\/$/, '');
}
