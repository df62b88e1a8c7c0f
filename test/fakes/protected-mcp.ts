/**
 * An MCP server built with the SDK that is protected the way the MCP authorization spec describes:
 * every request needs a bearer JWT issued by its authorization server for this resource (audience),
 * checked against the server's JWKS; without one it answers 401 with a `WWW-Authenticate` challenge
 * naming its protected resource metadata (RFC 9728) and the scope it wants; a tool that needs more
 * scope answers 403 `insufficient_scope` (step-up). The metadata can be served path-aware, at the
 * root, only through the header, or not at all, and can be moved to another authorization server.
 */
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { Server, createMcpHandler } from '@modelcontextprotocol/server';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createRemoteJWKSet, jwtVerify } from 'jose';

export type MetadataPlacement = 'path' | 'root' | 'header' | 'none';

export interface ProtectedMcpOptions {
  /** The issuer of the authorization server (oidc-provider on loopback). */
  issuer: string;
  placement?: MetadataPlacement;
  /** Scope every call needs (challenge `scope`), default tools:read. */
  baseScope?: string;
  /** Tools that need tools:write too (answered 403 insufficient_scope without it). */
  writeTools?: string[];
}

export interface ProtectedMcp {
  url: string;
  /** The resource identifier (the endpoint URL). */
  resource: string;
  /** What the server saw: the `sub` of each accepted token per tool call, refusals by status. */
  seen: { calls: { tool: string; sub: string }[]; refused: number[]; metadataReads: string[] };
  /** Refuse (401 invalid_token) every token seen so far, as a server whose tokens were revoked does. */
  rejectSeenTokens(): void;
  /** Change the authorization servers the metadata names (a server that moved to another one). */
  setAuthorizationServers(issuers: string[]): void;
  /** Serve a body instead of the metadata (bad input: not JSON, missing members, another resource). */
  setMetadataOverride(body: string | undefined, contentType?: string): void;
  close(): Promise<void>;
}

export async function startProtectedMcp(opts: ProtectedMcpOptions): Promise<ProtectedMcp> {
  const placement = opts.placement ?? 'path';
  const baseScope = opts.baseScope ?? 'tools:read';
  const writeTools = new Set(opts.writeTools ?? ['write']);
  let issuers = [opts.issuer];
  let override: { body: string; type: string } | undefined;
  const seenTokens = new Set<string>();
  const rejected = new Set<string>();
  const seen: ProtectedMcp['seen'] = { calls: [], refused: [], metadataReads: [] };
  const jwks = new Map<string, ReturnType<typeof createRemoteJWKSet>>();
  const keysOf = (iss: string) => {
    let k = jwks.get(iss);
    if (!k) {
      k = createRemoteJWKSet(new URL('/jwks', iss));
      jwks.set(iss, k);
    }
    return k;
  };

  const httpServer: HttpServer = createServer();
  httpServer.listen(0, '127.0.0.1');
  await once(httpServer, 'listening');
  const origin = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
  const resource = `${origin}/mcp`;
  const metadataPath = placement === 'path' ? '/.well-known/oauth-protected-resource/mcp' : placement === 'root' ? '/.well-known/oauth-protected-resource' : '/meta/resource.json';

  const factory = (sub: string) => {
    const server = new Server({ name: 'protected-upstream', version: '1.0.0' }, { capabilities: { tools: {} } });
    server.setRequestHandler('tools/list', async () => ({
      tools: [
        { name: 'whoami', description: 'Who the token belongs to', inputSchema: { type: 'object' } },
        { name: 'write', description: 'Needs tools:write', inputSchema: { type: 'object' } },
      ],
    }));
    server.setRequestHandler('tools/call', async (req) => {
      seen.calls.push({ tool: req.params.name, sub });
      return { content: [{ type: 'text' as const, text: `${req.params.name} as ${sub}` }] };
    });
    return server;
  };

  const node = toNodeHandler(createMcpHandler((ctx) => factory(String(ctx.authInfo?.extra?.sub ?? '?'))));
  const challenge = (extra: string) => `Bearer ${placement === 'none' ? '' : `resource_metadata="${origin}${metadataPath}", `}${extra}`;
  const refuse = (res: ServerResponse, status: number, header: string) => {
    seen.refused.push(status);
    res.writeHead(status, { 'content-type': 'application/json', 'www-authenticate': header }).end(JSON.stringify({ error: status === 403 ? 'insufficient_scope' : 'invalid_token' }));
  };

  httpServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const path = new URL(req.url ?? '/', origin).pathname;
      if (req.method === 'GET' && path.startsWith('/.well-known/oauth-protected-resource') || path === '/meta/resource.json') {
        seen.metadataReads.push(path);
        if (placement === 'none' || path !== metadataPath) {
          res.writeHead(404).end();
          return;
        }
        if (override) {
          res.writeHead(200, { 'content-type': override.type }).end(override.body);
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ resource, authorization_servers: issuers, scopes_supported: ['tools:read', 'tools:write'], bearer_methods_supported: ['header'] }));
        return;
      }
      if (path !== '/mcp') {
        res.writeHead(404).end();
        return;
      }
      const auth = req.headers.authorization ?? '';
      const token = /^Bearer (.+)$/.exec(auth)?.[1];
      if (!token) return refuse(res, 401, challenge(`scope="${baseScope}"`));
      seenTokens.add(token);
      if (rejected.has(token)) return refuse(res, 401, challenge(`error="invalid_token", scope="${baseScope}"`));
      let claims: { sub?: string; scope?: string };
      try {
        const iss = issuers[0]!;
        ({ payload: claims } = await jwtVerify(token, keysOf(iss), { issuer: iss, audience: resource }));
      } catch {
        return refuse(res, 401, challenge(`error="invalid_token", scope="${baseScope}"`));
      }
      const scopes = new Set(String(claims.scope ?? '').split(' '));
      if (!scopes.has('tools:read')) return refuse(res, 403, challenge(`error="insufficient_scope", scope="${baseScope}"`));
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const text = Buffer.concat(chunks).toString('utf8');
      const body: unknown = text ? JSON.parse(text) : undefined;
      const call = body as { method?: string; params?: { name?: string } } | undefined;
      if (call?.method === 'tools/call' && writeTools.has(call.params?.name ?? '') && !scopes.has('tools:write')) {
        return refuse(res, 403, challenge(`error="insufficient_scope", scope="tools:read tools:write"`));
      }
      // The SDK hands req.auth to the factory as authInfo: each request is served as its token's subject.
      Object.assign(req, { auth: { token, clientId: 'protected-mcp', scopes: [...scopes], extra: { sub: claims.sub ?? '?' } } });
      await node(req, res, body);
    })().catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(e));
    });
  });

  return {
    url: resource,
    resource,
    seen,
    rejectSeenTokens() {
      for (const t of seenTokens) rejected.add(t);
    },
    setAuthorizationServers(list) {
      issuers = list;
    },
    setMetadataOverride(body, contentType = 'application/json') {
      override = body === undefined ? undefined : { body, type: contentType };
    },
    async close() {
      httpServer.closeAllConnections();
      await new Promise<void>((r) => httpServer.close(() => r()));
    },
  };
}
