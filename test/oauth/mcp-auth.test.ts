import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { SettingsSchema } from '../../src/config/settings.js';
import { UpstreamError, ValidationError } from '../../src/domain/errors.js';
import { silentLogger } from '../../src/domain/logger.js';
import { createCredentialSourceFactory } from '../../src/oauth/credential-source.js';
import type { BearerChallenge } from '../../src/oauth/mcp-auth/index.js';
import { MemoryStore } from '../../src/store/memory.js';
import { startOidcProvider, type StartedOidcProvider } from '../fakes/oidc-provider.js';
import { startProtectedMcp, type ProtectedMcp } from '../fakes/protected-mcp.js';
import { ALICE, caught, newVault, openCredentials } from './support.js';
import { BOB, connectMcp, mcpFlow, mcpSettings, REDIRECT } from './mcp-auth-support.js';

let provider: StartedOidcProvider;
let server: ProtectedMcp;
beforeAll(async () => {
  provider = await startOidcProvider({ registration: true, accessTokenTtl: 600 });
  server = await startProtectedMcp({ issuer: provider.issuer });
}, 60_000);
afterAll(async () => {
  await server?.close();
  await provider?.close();
});

/** A tools/call straight to the protected server with a stored access token. */
async function callWith(token: string, tool = 'whoami'): Promise<{ status: number; text: string }> {
  const res = await fetch(server.url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: tool, arguments: {} } }),
  });
  return { status: res.status, text: await res.text() };
}

describe('MCP authorization: discovery, dynamic registration, code + PKCE + resource', () => {
  it('connects two users of one server with one shared registration and tokens that only work as their own', async () => {
    const store = new MemoryStore();
    const vault = newVault();
    const { flow } = mcpFlow(store, vault);

    const a = await connectMcp(flow, provider, ALICE, server.url, 'alice');
    const url = new URL(a.started.authorization_url);
    expect(url.origin).toBe(provider.issuer);
    expect(url.searchParams.get('resource')).toBe(server.resource);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    // The scope of the server's 401 challenge (the spec's first choice), plus offline_access for a refresh token.
    expect(url.searchParams.get('scope')?.split(' ').sort()).toEqual(['offline_access', 'tools:read']);
    // RFC 9207: the provider names itself in the callback, and the flow checked it.
    expect(a.callback.searchParams.get('iss')).toBe(provider.issuer);

    const b = await connectMcp(flow, provider, BOB, server.url, 'bob');
    // One dynamic registration for the issuer, shared by both users, its client sealed.
    const regs = await store.listOAuthRegistrations();
    expect(regs).toHaveLength(1);
    expect(regs[0]).toMatchObject({ issuer: provider.issuer, redirect_uri: REDIRECT });
    expect(url.searchParams.get('client_id')).toBe(new URL(b.started.authorization_url).searchParams.get('client_id'));
    expect(JSON.stringify(regs)).not.toContain(url.searchParams.get('client_id'));

    const ca = (await openCredentials(store, vault, a.configuration.id)).credentials;
    const cb = (await openCredentials(store, vault, b.configuration.id)).credentials;
    if (ca.type !== 'oauth2' || cb.type !== 'oauth2') throw new Error('expected oauth2 credentials');
    expect(ca).toMatchObject({ issuer: provider.issuer, resource: server.resource });
    expect(ca.refresh_token).toBeTruthy();
    expect(ca.access_token).not.toBe(cb.access_token);
    expect((await callWith(ca.access_token)).text).toContain('whoami as alice');
    expect((await callWith(cb.access_token)).text).toContain('whoami as bob');
    expect(a.configuration).toMatchObject({ user_id: 'alice', personal_connector_id: 'pc_custom_mcp', configuration: { endpoint: server.url } });
    expect(JSON.stringify(a.configuration)).not.toContain(ca.access_token);
  });

  it('a second registration race leaves one client: the store keeps the first', async () => {
    const store = new MemoryStore();
    const vault = newVault();
    const { mcpAuth } = mcpFlow(store, vault);
    const plan = await mcpAuth.plan(server.url);
    const [x, y] = await Promise.all([mcpAuth.client(plan.server, REDIRECT), mcpAuth.client(plan.server, REDIRECT)]);
    expect(x.identity.clientId).toBe(y.identity.clientId);
    expect(await store.listOAuthRegistrations()).toHaveLength(1);
  });
});

describe('MCP authorization: refresh and revocation through the issuer the tokens came from', () => {
  it('refreshes with the registered client and the resource, then asks for re-authorization after revocation', async () => {
    const store = new MemoryStore();
    const vault = newVault();
    const settings = mcpSettings();
    const { flow, mcpAuth } = mcpFlow(store, vault, settings);
    const { configuration } = await connectMcp(flow, provider, ALICE, server.url, 'alice');
    const sources = createCredentialSourceFactory({ store, vault, settings, log: silentLogger, mcpAuth });
    const source = sources.forConfiguration(configuration.id);
    const first = await source.get();
    if (first?.type !== 'oauth2') throw new Error('expected oauth2');
    const before = provider.tokenCalls.refresh_token ?? 0;

    const fresh = await source.refresh(first);
    if (fresh?.type !== 'oauth2') throw new Error('expected refreshed oauth2 credentials');
    expect(provider.tokenCalls.refresh_token).toBe(before + 1);
    expect(fresh.access_token).not.toBe(first.access_token);
    // Still for the MCP server (RFC 8707 on refresh), still alice's.
    expect(fresh).toMatchObject({ issuer: provider.issuer, resource: server.resource, client_id: first.client_id });
    expect((await callWith(fresh.access_token)).text).toContain('whoami as alice');

    await provider.revokeAllGrants();
    const e = await caught(source.refresh(fresh));
    expect(e).toBeInstanceOf(UpstreamError);
    expect(e.message).toMatch(/re-authorization needed/);
    const record = await store.getConfiguration(configuration.id);
    expect(record).toMatchObject({ health_status: 'unhealthy' });
    for (const t of [fresh.access_token, fresh.refresh_token ?? '-']) expect(e.message).not.toContain(t);
  });
});

describe('MCP authorization: bad metadata is refused, naming what was wrong', () => {
  const plan = async (endpoint: string, settings = mcpSettings(), challenge?: BearerChallenge) => {
    const { mcpAuth } = mcpFlow(new MemoryStore(), newVault(), settings);
    return caught(mcpAuth.plan(endpoint, challenge ? { challenge } : {}));
  };

  it('metadata that is not JSON, lacks authorization_servers, or names another resource', async () => {
    try {
      server.setMetadataOverride('<html>sign in</html>', 'text/html');
      expect((await plan(server.url)).message).toMatch(/protected resource metadata at .* is not JSON/);
      server.setMetadataOverride(JSON.stringify({ resource: server.resource }));
      expect((await plan(server.url)).message).toMatch(/authorization_servers is required/);
      server.setMetadataOverride(JSON.stringify({ resource: 'http://127.0.0.1:1/other', authorization_servers: [provider.issuer] }));
      const e = await plan(server.url);
      expect(e.message).toMatch(/names the resource http:\/\/127\.0\.0\.1:1\/other, which is not this MCP server/);
      expect(e).toBeInstanceOf(ValidationError);
    } finally {
      server.setMetadataOverride(undefined);
    }
  });

  it('a challenge pointing at metadata on another origin is refused', async () => {
    const e = await plan(server.url, mcpSettings(), { resourceMetadata: `${provider.issuer}/.well-known/oauth-protected-resource` });
    expect(e.message).toMatch(/another origin than the MCP server's/);
  });

  it('no metadata at all: missing, with the URLs tried', async () => {
    const bare = await startProtectedMcp({ issuer: provider.issuer, placement: 'none' });
    try {
      const e = await plan(bare.url);
      expect(e.message).toMatch(/is missing \(404\)/);
      expect(bare.seen.metadataReads).toEqual(['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']);
    } finally {
      await bare.close();
    }
  });

  it('every hop obeys the network policy: private, metadata and insecure addresses', async () => {
    expect((await plan('https://10.1.2.3/mcp')).message).toMatch(/private|not allowed/i);
    expect((await plan('http://169.254.169.254/mcp')).message).toMatch(/metadata|link-local|not allowed/i);
    // Without allow_loopback the loopback MCP server and its http endpoints are refused before any request.
    const reads = server.seen.metadataReads.length;
    expect((await plan(server.url, SettingsSchema.parse({}))).message).toMatch(/https|loopback/);
    expect(server.seen.metadataReads.length).toBe(reads);
    try {
      server.setAuthorizationServers(['http://169.254.169.254/']);
      expect((await plan(server.url)).message).toMatch(/169\.254\.169\.254/);
      server.setAuthorizationServers(['https://10.0.0.7/']);
      expect((await plan(server.url)).message).toMatch(/10\.0\.0\.7/);
    } finally {
      server.setAuthorizationServers([provider.issuer]);
    }
  });

  it('a registration answer that is not JSON, or lacks client_id, stores nothing', async () => {
    const as = await startRegistrationServer();
    server.setAuthorizationServers([as.issuer]);
    try {
      const store = new MemoryStore();
      const { mcpAuth } = mcpFlow(store, newVault());
      const p = await mcpAuth.plan(server.url);
      as.mode = 'html';
      expect((await caught(mcpAuth.client(p.server, REDIRECT))).message).toMatch(/dynamic client registration .* not JSON; nothing was stored/);
      as.mode = 'no-client-id';
      expect((await caught(mcpAuth.client(p.server, REDIRECT))).message).toMatch(/client_id is required; nothing was stored/);
      as.mode = 'no-secret';
      expect((await caught(mcpAuth.client(p.server, REDIRECT))).message).toMatch(/no client_secret for client_secret_basic; nothing was stored/);
      expect(await store.listOAuthRegistrations()).toEqual([]);
    } finally {
      server.setAuthorizationServers([provider.issuer]);
      await as.close();
    }
  });

  it('an authorization server without PKCE (S256) or with another issuer is refused', async () => {
    const as = await startRegistrationServer();
    server.setAuthorizationServers([as.issuer]);
    try {
      as.metadata = { code_challenge_methods_supported: ['plain'] };
      expect((await plan(server.url)).message).toMatch(/does not include S256/);
      as.metadata = { issuer: 'https://evil.example' };
      expect((await plan(server.url)).message).toMatch(/names the issuer https:\/\/evil\.example/);
      as.metadata = { token_endpoint: 'http://example.com/token' };
      expect((await plan(server.url)).message).toMatch(/token_endpoint must use https/);
    } finally {
      server.setAuthorizationServers([provider.issuer]);
      await as.close();
    }
  });
});

/** A minimal authorization server whose metadata and registration endpoint misbehave on demand. */
async function startRegistrationServer() {
  const state = { mode: 'html' as 'html' | 'no-client-id' | 'no-secret', metadata: {} as Record<string, unknown> };
  const http = createServer((req, res) => {
    if (req.url === '/.well-known/oauth-authorization-server') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({ issuer, authorization_endpoint: `${issuer}/auth`, token_endpoint: `${issuer}/token`, registration_endpoint: `${issuer}/reg`, code_challenge_methods_supported: ['S256'], ...state.metadata }),
      );
      return;
    }
    if (req.url === '/reg') {
      req.resume();
      if (state.mode === 'html') res.writeHead(201, { 'content-type': 'text/html' }).end('<html>registered!</html>');
      else if (state.mode === 'no-client-id') res.writeHead(201, { 'content-type': 'application/json' }).end('{"client_secret":"s3cr3t-value"}');
      else res.writeHead(201, { 'content-type': 'application/json' }).end('{"client_id":"abc","token_endpoint_auth_method":"client_secret_basic"}');
      return;
    }
    res.writeHead(404).end();
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const issuer = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return Object.assign(state, {
    issuer,
    close: () => new Promise<void>((r) => http.close(() => r())),
  });
}
