import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/client';
import { startOidcProvider, type StartedOidcProvider } from '../fakes/oidc-provider.js';
import { api, CONFIGURATIONS, prepareData, spawnServer, type PreparedData, type SpawnedServer } from '../helpers/server.js';
import { bearerClient, providerTokens, startCheckingUpstream, type ProviderTokens } from './oauth-support.js';

/**
 * OAuth2 credentials refreshed by the running gateway (built binary) against a real provider, for
 * an upstream that admits only live access tokens of that provider.
 */
describe('OAuth refresh through the gateway', () => {
  let provider: StartedOidcProvider;
  let upstream: Awaited<ReturnType<typeof startCheckingUpstream>>;
  let data: PreparedData;
  let server: SpawnedServer;
  let secret = '';
  let client: Client;
  let original: ProviderTokens;
  const refreshes = () => provider.tokenCalls.refresh_token ?? 0;

  beforeAll(async () => {
    provider = await startOidcProvider();
    upstream = await startCheckingUpstream(provider);
    data = await prepareData({
      principals: 1,
      settings: {
        network: { allow_loopback: true },
        oauth: { pc_custom_mcp: { issuer: provider.issuer, client_id: provider.clientId, client_secret: provider.clientSecret, scopes: ['openid'] } },
      },
    });
    secret = data.principals[0]!.secret;
    server = await spawnServer(data);
    original = await providerTokens(provider, 'alice');
  });
  afterAll(async () => {
    await client?.close();
    await server?.stop();
    await Promise.all([provider?.close(), upstream?.close(), data?.remove()]);
  });

  it('refreshes an expired access token once before first use; the upstream gets the new token; nothing in clear on disk', async () => {
    const created = await api(server.url, secret, 'POST', CONFIGURATIONS, {
      personal_connector_id: 'pc_custom_mcp',
      name: 'Checked',
      configuration: { endpoint: upstream.url },
      // Still live at the provider, but the gateway believes it expired a minute ago.
      credentials: { type: 'oauth2', access_token: original.access_token, refresh_token: original.refresh_token, expires_at: new Date(Date.now() - 60_000).toISOString() },
    });
    expect(created.status, created.text).toBe(201);
    const before = refreshes();

    client = await bearerClient(server.mcpUrl, secret);
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['checked_whoami']);
    const r = await client.callTool({ name: 'checked_whoami', arguments: {} });
    expect(r.isError ?? false).toBe(false);
    expect(refreshes()).toBe(before + 1);
    expect(provider.refreshFailures).toBe(0);

    const fresh = upstream.seen.admitted.at(-1)!;
    expect(fresh).toBeTruthy();
    expect(fresh).not.toBe(original.access_token);
    // The expired token was never sent: the refresh happened before the first request.
    expect(upstream.seen.tokens).not.toContain(original.access_token);

    // Warm: the next call reuses the refreshed token.
    await client.callTool({ name: 'checked_whoami', arguments: {} });
    expect(refreshes()).toBe(before + 1);
    expect(upstream.seen.admitted.at(-1)).toBe(fresh);

    const disk = await readFile(data.dataFile, 'utf8');
    for (const t of [original.access_token, original.refresh_token, fresh]) expect(disk).not.toContain(t);
    const shown = await api(server.url, secret, 'GET', `${CONFIGURATIONS}/${created.json?.id ?? ''}`);
    for (const t of [original.access_token, original.refresh_token, fresh]) expect(shown.text).not.toContain(t);
  });

  it('a 401 from the upstream on a token believed valid → one refresh → the retry succeeds', async () => {
    const before = refreshes();
    const refusedBefore = upstream.seen.refused;
    const previous = upstream.seen.admitted.at(-1)!;
    upstream.rejectNext(1);

    const r = await client.callTool({ name: 'checked_whoami', arguments: {} });
    expect(r.isError ?? false).toBe(false);
    expect(JSON.stringify(r.content)).toContain('token accepted');
    expect(upstream.seen.refused).toBe(refusedBefore + 1);
    expect(refreshes()).toBe(before + 1);
    const next = upstream.seen.admitted.at(-1)!;
    expect(next).not.toBe(previous);
    expect(await readFile(data.dataFile, 'utf8')).not.toContain(next);
  });
});
