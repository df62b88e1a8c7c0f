import { z } from 'zod';
import type { AuthHttp } from './http.js';
import type { BearerChallenge } from './challenge.js';
import { firstIssue, metadataError } from './errors.js';

/** RFC 9728 §2: the members the MCP flow acts on; others are allowed (the document is extensible). */
const ProtectedResourceMetadataSchema = z.looseObject({
  resource: z.string({ error: 'is required (a URL)' }).min(1, { error: 'is required (a URL)' }),
  authorization_servers: z.array(z.string(), { error: 'is required (an array of issuer URLs)' }).min(1, { error: 'must name at least one authorization server' }),
  scopes_supported: z.array(z.string()).optional(),
});

export interface ProtectedResource {
  /** The resource identifier (RFC 8707 `resource` parameter): what tokens are requested for. */
  resource: string;
  authorizationServers: string[];
  scopesSupported?: string[];
  /** Where the document was read. */
  metadataUrl: string;
}

/**
 * Candidate URLs of an MCP endpoint's protected resource metadata in the order of the MCP
 * authorization spec (2025-11-25 and 2026-07-28): the challenge's `resource_metadata`, else the
 * path-aware well-known URI (RFC 9728 §3.1), then the one at the root.
 */
export function resourceMetadataUrls(endpoint: URL, challenge: BearerChallenge | undefined): string[] {
  if (challenge?.resourceMetadata) return [challenge.resourceMetadata];
  const path = endpoint.pathname.replace(/\/$/, '');
  const out: string[] = [];
  if (path) out.push(`${endpoint.origin}/.well-known/oauth-protected-resource${path}`);
  out.push(`${endpoint.origin}/.well-known/oauth-protected-resource`);
  return out;
}

/** The canonical resource URI of an endpoint (MCP spec: scheme and host lower case, no fragment). */
export function canonicalResource(endpoint: URL): string {
  const u = new URL(endpoint.href);
  u.hash = '';
  return u.href.replace(/\/$/, '') || u.href;
}

/**
 * Reads and checks the protected resource metadata of `endpoint`. Refused, naming the reason: a
 * metadata URL on another origin than the MCP server (discovery must not be steered elsewhere), a
 * document that is not JSON or lacks its members, or a `resource` that is not this server
 * (RFC 9728 §3.3: such metadata MUST NOT be used).
 */
export async function discoverProtectedResource(http: AuthHttp, endpoint: URL, challenge: BearerChallenge | undefined): Promise<ProtectedResource> {
  const candidates = resourceMetadataUrls(endpoint, challenge);
  const field = 'configuration.endpoint';
  for (const [i, url] of candidates.entries()) {
    let u: URL;
    try {
      u = new URL(url, endpoint);
    } catch {
      throw metadataError(`the MCP server's WWW-Authenticate resource_metadata`, field, 'is not a URL');
    }
    if (u.origin !== endpoint.origin) {
      throw metadataError(`the protected resource metadata of ${endpoint.origin}`, field, `is announced at ${u.origin}, another origin than the MCP server's; refused`);
    }
    const what = `the protected resource metadata at ${u.href}`;
    const answer = await http.getJson(u.href, field);
    const last = i === candidates.length - 1;
    if (answer.status === 404 && !last) continue;
    if (answer.status !== 200) {
      throw metadataError(what, field, answer.status === 404 ? 'is missing (404): the server does not announce how to authorize (RFC 9728)' : `answered HTTP ${answer.status}`);
    }
    if (answer.json === undefined) throw metadataError(what, field, 'is not JSON');
    const parsed = ProtectedResourceMetadataSchema.safeParse(answer.json);
    if (!parsed.success) throw metadataError(what, field, firstIssue(parsed.error));
    const doc = parsed.data;
    let resource: URL;
    try {
      resource = new URL(doc.resource);
    } catch {
      throw metadataError(what, field, 'resource is not a URL');
    }
    if (!coversEndpoint(resource, endpoint)) {
      throw metadataError(what, field, `names the resource ${resource.href}, which is not this MCP server (${endpoint.href}); refused (RFC 9728 §3.3)`);
    }
    return {
      resource: doc.resource,
      authorizationServers: doc.authorization_servers,
      ...(doc.scopes_supported ? { scopesSupported: doc.scopes_supported } : {}),
      metadataUrl: u.href,
    };
  }
  throw metadataError(`the protected resource metadata of ${endpoint.href}`, field, 'is missing');
}

/** Same origin, and the endpoint is the resource or below it (a server may protect its whole origin). */
function coversEndpoint(resource: URL, endpoint: URL): boolean {
  if (resource.origin !== endpoint.origin) return false;
  const base = resource.pathname.replace(/\/$/, '');
  const path = endpoint.pathname.replace(/\/$/, '');
  return path === base || path.startsWith(`${base}/`);
}
