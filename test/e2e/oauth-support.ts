/**
 * Shared by the OAuth / OIDC end-to-end tests: tokens from the real provider, an upstream MCP
 * server that checks each bearer token against that provider, and an MCP client with a bearer.
 */
import { createHash, randomBytes } from 'node:crypto';
import { type Server as HttpServer } from 'node:http';
import { createServer } from '../helpers/test-server.js';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Server, createMcpHandler } from '@modelcontextprotocol/server';
import { toNodeHandler } from '@modelcontextprotocol/node';
import type { StartedOidcProvider } from '../fakes/oidc-provider.js';

export interface ProviderTokens {
  access_token: string;
  refresh_token: string;
  expires_in: number;
}

/** A real code flow (PKCE, consent, offline_access) for the provider's client: what a connected account holds. */
export async function providerTokens(provider: StartedOidcProvider, accountId = 'alice'): Promise<ProviderTokens> {
  const verifier = randomBytes(32).toString('base64url');
  const auth = new URL('/auth', provider.issuer);
  auth.search = new URLSearchParams({
    client_id: provider.clientId,
    response_type: 'code',
    redirect_uri: provider.redirectUri,
    scope: 'openid offline_access',
    prompt: 'consent',
    state: randomBytes(8).toString('hex'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();
  const callback = await provider.authorize(auth, accountId);
  const code = callback.searchParams.get('code');
  if (!code) throw new Error(`no code in the callback: ${callback.search}`);
  const res = await fetch(new URL('/token', provider.issuer), {
    method: 'POST',
    headers: {
      authorization: 'Basic ' + Buffer.from(`${provider.clientId}:${provider.clientSecret}`).toString('base64'),
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: provider.redirectUri, code_verifier: verifier }),
  });
  const body = (await res.json()) as Partial<ProviderTokens> & { error?: string };
  if (!body.access_token || !body.refresh_token) throw new Error(`token endpoint gave no access + refresh token: ${body.error ?? res.status}`);
  return { access_token: body.access_token, refresh_token: body.refresh_token, expires_in: body.expires_in ?? 0 };
}

/**
 * An upstream MCP server (SDK, Streamable HTTP) that admits a request only when its bearer token
 * is a live access token of `provider` (looked up in the provider itself, as introspection would).
 * `rejectNext(n)` answers 401 to the next n requests whatever the token: a token revoked upstream.
 */
export async function startCheckingUpstream(provider: StartedOidcProvider) {
  const seen = { tokens: [] as string[], admitted: [] as string[], refused: 0, calls: 0 };
  let forcedRejections = 0;
  const factory = () => {
    const server = new Server({ name: 'checking-upstream', version: '1.0.0' }, { capabilities: { tools: {} } });
    server.setRequestHandler('tools/list', async () => ({
      tools: [{ name: 'whoami', description: 'Says which account the token belongs to', inputSchema: { type: 'object' } }],
    }));
    server.setRequestHandler('tools/call', async () => {
      seen.calls++;
      return { content: [{ type: 'text' as const, text: 'token accepted' }] };
    });
    return server;
  };
  const handler = createMcpHandler(factory);
  const node = toNodeHandler(handler);
  const http: HttpServer = createServer((req, res) => {
    void (async () => {
      const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
      seen.tokens.push(token);
      const live = token ? await provider.provider.AccessToken.find(token) : undefined;
      if (forcedRejections > 0 || !live) {
        if (forcedRejections > 0) forcedRejections--;
        seen.refused++;
        req.resume();
        res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"', 'content-type': 'application/json' }).end('{"error":"invalid_token"}');
        return;
      }
      seen.admitted.push(token);
      await node(req, res);
    })();
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`,
    seen,
    rejectNext(n = 1) {
      forcedRejections = n;
    },
    async close() {
      await handler.close();
      http.closeAllConnections();
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}

export async function bearerClient(mcpUrl: string, bearer: string): Promise<Client> {
  const client = new Client({ name: 'e2e-oauth', version: '1' }, { versionNegotiation: { mode: 'auto' } });
  await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { requestInit: { headers: { Authorization: `Bearer ${bearer}` } } }));
  return client;
}

/** Raw POST /mcp (initialize) with an optional bearer: for status and header checks the SDK would hide. */
export async function rawMcpPost(mcpUrl: string, bearer?: string): Promise<Response> {
  return fetch(mcpUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(bearer !== undefined ? { authorization: `Bearer ${bearer}` } : {}),
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }),
  });
}

/**
 * What a browser does with the gateway's pages, reduced to what the OAuth steps need: it keeps the
 * cookies each origin sets (name=value, sent back on later requests to that origin) and submits the
 * one form of the confirmation page.
 */
export class CookieBrowser {
  readonly jar = new Map<string, Map<string, string>>();

  async get(url: string | URL, headers: Record<string, string> = {}): Promise<Response> {
    return this.#send(new URL(String(url)), { method: 'GET', headers });
  }

  /** Presses the confirmation page's button: posts its form fields back to the form's action. */
  async submitForm(pageUrl: string | URL, html: string): Promise<Response> {
    const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
    if (!action) throw new Error(`no form on the page: ${html}`);
    const fields = new URLSearchParams();
    for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) fields.set(m[1]!, m[2]!.replace(/&#(\d+);/g, (_, c: string) => String.fromCharCode(Number(c))));
    return this.#send(new URL(action, pageUrl), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: fields.toString() });
  }

  async #send(url: URL, init: { method: string; headers: Record<string, string>; body?: string }): Promise<Response> {
    const cookies = this.jar.get(url.origin);
    const cookie = cookies ? [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') : '';
    const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...init.headers, ...(cookie ? { cookie } : {}) } });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      const jar = this.jar.get(url.origin) ?? new Map<string, string>();
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a));
      if (expired) jar.delete(pair!.slice(0, eq).trim());
      else jar.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
      this.jar.set(url.origin, jar);
    }
    return res;
  }
}
