import type * as oidc from 'openid-client';
import { z } from 'zod';
import type { AuthHttp } from './http.js';
import { firstIssue, metadataError } from './errors.js';

const url = z.string().min(1);
/** RFC 8414 §2 / OpenID Discovery: what the flow uses; other members pass through untouched. */
const AuthorizationServerMetadataSchema = z.looseObject({
  issuer: url,
  authorization_endpoint: z.string({ error: 'is required' }).min(1),
  token_endpoint: z.string({ error: 'is required' }).min(1),
  registration_endpoint: z.string().min(1).optional(),
  revocation_endpoint: z.string().min(1).optional(),
  scopes_supported: z.array(z.string()).optional(),
  response_types_supported: z.array(z.string()).optional(),
  code_challenge_methods_supported: z.array(z.string()).optional(),
  token_endpoint_auth_methods_supported: z.array(z.string()).optional(),
  client_id_metadata_document_supported: z.boolean().optional(),
  authorization_response_iss_parameter_supported: z.boolean().optional(),
});
export type AuthorizationServerMetadata = z.infer<typeof AuthorizationServerMetadataSchema>;

/**
 * Metadata URLs of an issuer in the order of the MCP authorization spec: with a path,
 * RFC 8414 path insertion, OpenID Connect path insertion, then OpenID Connect path appending;
 * without one, RFC 8414 then OpenID Connect.
 */
export function serverMetadataUrls(issuer: URL): string[] {
  const path = issuer.pathname.replace(/\/$/, '');
  if (!path) return [`${issuer.origin}/.well-known/oauth-authorization-server`, `${issuer.origin}/.well-known/openid-configuration`];
  return [
    `${issuer.origin}/.well-known/oauth-authorization-server${path}`,
    `${issuer.origin}/.well-known/openid-configuration${path}`,
    `${issuer.origin}${path}/.well-known/openid-configuration`,
  ];
}

/**
 * Reads the authorization server's metadata and checks what the MCP flow relies on: the issuer is
 * exactly the one asked for (RFC 8414 §3.3), the endpoints obey the network policy (https, public),
 * and PKCE with S256 is supported (the spec: without `code_challenge_methods_supported` a client
 * MUST refuse to proceed).
 */
export async function discoverAuthorizationServer(http: AuthHttp, issuerRaw: string): Promise<AuthorizationServerMetadata> {
  const field = 'authorization_servers';
  let issuer: URL;
  try {
    issuer = http.check(issuerRaw, field);
  } catch (e) {
    throw metadataError(`the authorization server ${issuerRaw}`, field, e instanceof Error ? e.message : 'is not allowed');
  }
  const candidates = serverMetadataUrls(issuer);
  for (const [i, u] of candidates.entries()) {
    const answer = await http.getJson(u, field);
    const last = i === candidates.length - 1;
    if ((answer.status === 404 || answer.json === undefined) && !last) continue;
    const what = `the authorization server metadata at ${u}`;
    if (answer.status !== 200) throw metadataError(`the authorization server metadata of ${issuerRaw}`, field, `is missing (tried ${candidates.join(', ')}; the last answered HTTP ${answer.status})`);
    if (answer.json === undefined) throw metadataError(what, field, 'is not JSON');
    const parsed = AuthorizationServerMetadataSchema.safeParse(answer.json);
    if (!parsed.success) throw metadataError(what, field, firstIssue(parsed.error));
    const doc = parsed.data;
    if (doc.issuer !== issuerRaw && doc.issuer !== issuer.href && doc.issuer.replace(/\/$/, '') !== issuerRaw.replace(/\/$/, '')) {
      throw metadataError(what, field, `names the issuer ${doc.issuer}, not ${issuerRaw} (RFC 8414 §3.3)`);
    }
    for (const key of ['authorization_endpoint', 'token_endpoint', 'registration_endpoint', 'revocation_endpoint'] as const) {
      const v = doc[key];
      if (v === undefined) continue;
      try {
        http.check(v, key);
      } catch (e) {
        throw metadataError(what, field, `${key} ${e instanceof Error ? e.message.replace(/^[^:]*:\s*/, '') : 'is not allowed'}`);
      }
    }
    if (!doc.code_challenge_methods_supported?.includes('S256')) {
      throw metadataError(what, field, 'code_challenge_methods_supported does not include S256: the server does not announce PKCE, which MCP authorization requires');
    }
    return doc;
  }
  throw metadataError(`the authorization server metadata of ${issuerRaw}`, field, 'is missing');
}

/** What openid-client gets: only the members checked above, so nothing unvalidated steers it. */
export function toServerMetadata(doc: AuthorizationServerMetadata): oidc.ServerMetadata {
  return {
    issuer: doc.issuer,
    authorization_endpoint: doc.authorization_endpoint,
    token_endpoint: doc.token_endpoint,
    ...(doc.revocation_endpoint ? { revocation_endpoint: doc.revocation_endpoint } : {}),
    ...(doc.scopes_supported ? { scopes_supported: doc.scopes_supported } : {}),
    ...(doc.code_challenge_methods_supported ? { code_challenge_methods_supported: doc.code_challenge_methods_supported } : {}),
    ...(doc.token_endpoint_auth_methods_supported ? { token_endpoint_auth_methods_supported: doc.token_endpoint_auth_methods_supported } : {}),
    ...(doc.authorization_response_iss_parameter_supported !== undefined ? { authorization_response_iss_parameter_supported: doc.authorization_response_iss_parameter_supported } : {}),
  };
}
