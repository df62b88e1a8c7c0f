import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOidcProvider, type StartedOidcProvider } from '../fakes/oidc-provider.js';
import { startUpstream } from '../fakes/mcp-upstream.js';
import { rpcErrorCode } from '../helpers/connector-e2e.js';
import { api, CONFIGURATIONS, prepareData, spawnServer, type PreparedData, type SpawnedServer } from '../helpers/server.js';
import { bearerClient, rawMcpPost } from './oauth-support.js';

/** The built server with auth.oidc pointing at a real OpenID provider: callers sign in with access tokens. */
describe('HTTP server: OIDC access tokens', () => {
  let provider: StartedOidcProvider;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let data: PreparedData;
  let server: SpawnedServer;
  let resource = '';
  let metadataUrl = '';
  const tokens = { alice: '', bob: '' };

  beforeAll(async () => {
    [provider, upstream] = await Promise.all([startOidcProvider(), startUpstream()]);
    data = await prepareData({ principals: 1, settings: { network: { allow_loopback: true }, auth: { oidc: { issuer: provider.issuer, scopes_supported: ['tools:read'] } } } });
    server = await spawnServer(data);
    resource = `${server.url}/mcp`;
    metadataUrl = `${server.url}/.well-known/oauth-protected-resource/mcp`;
    [tokens.alice, tokens.bob] = await Promise.all([provider.mintAccessToken({ accountId: 'alice', resource }), provider.mintAccessToken({ accountId: 'bob', resource })]);
  });
  afterAll(async () => {
    await server?.stop();
    await Promise.all([provider?.close(), upstream?.close(), data?.remove()]);
  });

  it('serves RFC 9728 metadata without authentication, at both well-known paths', async () => {
    for (const path of ['/.well-known/oauth-protected-resource', '/.well-known/oauth-protected-resource/mcp']) {
      const r = await api(server.url, undefined, 'GET', path);
      expect(r.status, path).toBe(200);
      expect(r.json).toEqual({ resource, authorization_servers: [provider.issuer], bearer_methods_supported: ['header'], scopes_supported: ['tools:read'] });
    }
  });

  it('keeps two OIDC users apart: REST and MCP each see only their own configuration', async () => {
    for (const [who, name] of [['alice', 'Alice Tools'], ['bob', 'Bob Tools']] as const) {
      const r = await api(server.url, tokens[who], 'POST', CONFIGURATIONS, { personal_connector_id: 'pc_custom_mcp', name, configuration: { endpoint: upstream.url } });
      expect(r.status, r.text).toBe(201);
      expect(r.json?.user_id).toBe(who);
      expect(r.json?.organization_id).toBe(who === 'alice' ? 'org_acme' : 'org_beta');
    }
    const listed = await api(server.url, tokens.alice, 'GET', CONFIGURATIONS);
    expect(listed.json?.data?.map((c) => c.name)).toEqual(['Alice Tools']);

    const alice = await bearerClient(resource, tokens.alice);
    const bob = await bearerClient(resource, tokens.bob);
    try {
      const aliceTools = (await alice.listTools()).tools.map((t) => t.name);
      const bobTools = (await bob.listTools()).tools.map((t) => t.name);
      expect(aliceTools).toContain('alice_tools_echo');
      expect(aliceTools.some((n) => n.startsWith('bob_'))).toBe(false);
      expect(bobTools).toContain('bob_tools_echo');
      expect(bobTools.some((n) => n.startsWith('alice_'))).toBe(false);

      const r = await alice.callTool({ name: 'alice_tools_echo', arguments: { message: 'hi from alice' } });
      expect(JSON.stringify(r.content)).toContain('hi from alice');
      expect(await rpcErrorCode(alice.callTool({ name: 'bob_tools_echo', arguments: { message: 'x' } }))).toBe(-32602);
      expect(await rpcErrorCode(bob.callTool({ name: 'alice_tools_echo', arguments: { message: 'x' } }))).toBe(-32602);
    } finally {
      await Promise.all([alice.close(), bob.close()]);
    }
    // The upstream saw no caller token: the gateway never forwards its own callers' credentials.
    for (const t of [tokens.alice, tokens.bob]) expect(upstream.seen.authorization.join('\n')).not.toContain(t);
  });

  it('answers 401 with a resource_metadata challenge, and error=invalid_token only when a token was sent', async () => {
    const none = await rawMcpPost(resource);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe(`Bearer resource_metadata="${metadataUrl}"`);

    const rest = await api(server.url, undefined, 'GET', CONFIGURATIONS);
    expect(rest.status).toBe(401);
    expect(rest.headers.get('www-authenticate')).toBe(`Bearer resource_metadata="${metadataUrl}"`);
  });

  it('refuses a token minted for another audience', async () => {
    const foreign = await provider.mintAccessToken({ accountId: 'alice', resource: 'http://127.0.0.1:9/elsewhere/mcp' });
    for (const r of [await rawMcpPost(resource, foreign), await fetch(server.url + CONFIGURATIONS, { headers: { authorization: `Bearer ${foreign}` } })]) {
      expect(r.status).toBe(401);
      const challenge = r.headers.get('www-authenticate') ?? '';
      expect(challenge).toContain(`resource_metadata="${metadataUrl}"`);
      expect(challenge).toContain('error="invalid_token"');
      expect(challenge).toMatch(/audience/);
      const body = (await r.json()) as { error: { type: string; message: string } };
      expect(body.error.type).toBe('authentication_error');
      expect(body.error.message).not.toContain(foreign);
    }
  });

  it('refuses an expired token', async () => {
    const expired = await provider.mintAccessToken({ accountId: 'alice', resource, expiredBySec: 600 });
    const r = await rawMcpPost(resource, expired);
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(((await r.json()) as { error: { message: string } }).error.message).toMatch(/expired/);
  });

  it('still accepts API keys, and refuses garbage tokens', async () => {
    const key = data.principals[0]!;
    const ok = await api(server.url, key.secret, 'GET', CONFIGURATIONS);
    expect(ok.status).toBe(200);
    expect(ok.json?.data).toEqual([]);
    const bad = await api(server.url, 'not-a-jwt', 'GET', CONFIGURATIONS);
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toContain('error="invalid_token"');
    const wrongKey = await api(server.url, `cgw_${'x'.repeat(40)}`, 'GET', CONFIGURATIONS);
    expect(wrongKey.status).toBe(401);
  });
});
