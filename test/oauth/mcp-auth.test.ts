import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/store/memory.js';
import { startOidcProvider, type StartedOidcProvider } from '../fakes/oidc-provider.js';
import { startProtectedMcp, type ProtectedMcp } from '../fakes/protected-mcp.js';
import { ALICE, newVault, openCredentials } from './support.js';
import { BOB, connectMcp, mcpFlow, REDIRECT } from './mcp-auth-support.js';

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
    expect(url.searchParams.get('scope')?.split(' ')).toEqual(expect.arrayContaining(['tools:read', 'tools:write', 'offline_access']));
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
