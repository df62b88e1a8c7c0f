/**
 * An upstream's own `list_changed`, through the built server, from real SDK upstreams of both eras
 * to clients of both eras: the gateway drops its cached list, asks again, and tells the principal's
 * open sessions. A list the upstream changes without saying so is seen once it expires.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { api, CONFIGURATIONS, startServer, type ApiBody } from '../helpers/server.js';
import { startSdkUpstream, type UpstreamEra } from '../fakes/sdk-upstream.js';
import { waitFor } from '../helpers/timing.js';

type ClientEra = 'legacy' | 'modern';

async function connect(url: string, secret: string, era: ClientEra): Promise<{ client: Client; changes: () => number }> {
  const client = new Client({ name: 'list-changed-test', version: '1' }, { versionNegotiation: era === 'legacy' ? { mode: 'legacy' } : { mode: { pin: '2026-07-28' } } });
  let changes = 0;
  client.setNotificationHandler('notifications/tools/list_changed', () => {
    changes++;
  });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${secret}` } } }));
  // 2025: the standalone GET stream opens by itself; 2026: change notifications need a listen stream.
  if (era === 'modern') await client.listen({ toolsListChanged: true });
  return { client, changes: () => changes };
}

const names = async (client: Client) => (await client.listTools()).tools.map((t) => t.name);

describe.each(['legacy', 'modern'] as const)('a %s upstream’s tools/list_changed', (upstreamEra: UpstreamEra) => {
  let srv: Awaited<ReturnType<typeof startServer>>;
  let up: Awaited<ReturnType<typeof startSdkUpstream>>;
  let secret: string;

  beforeAll(async () => {
    up = await startSdkUpstream(upstreamEra);
    srv = await startServer({ principals: 1, env: { CONNECTOR_GATEWAY_ALLOW_LOOPBACK: '1' } });
    secret = srv.principals[0]!.secret;
    const created = await api<ApiBody>(srv.url, secret, 'POST', CONFIGURATIONS, { personal_connector_id: 'pc_custom_mcp', name: 'up', configuration: { endpoint: up.url } });
    expect(created.status, created.text).toBe(201);
  });
  afterAll(async () => {
    await srv?.close();
    await up?.close();
  });

  it('reaches open sessions of both eras, whose next tools/list has the new tool', async () => {
    const legacy = await connect(srv.mcpUrl, secret, 'legacy');
    const modern = await connect(srv.mcpUrl, secret, 'modern');
    try {
      expect(await names(legacy.client)).toEqual(['up_echo', 'up_needs_sampling', 'up_vanish']);
      // The gateway listens upstream: the 2025 session's standalone stream, or a 2026 subscriptions/listen.
      await waitFor(() => (upstreamEra === 'legacy' ? up.seen.gets > 0 : up.seen.methods.includes('subscriptions/listen')), 'the gateway to listen upstream');
      const listed = up.seen.toolLists;
      // Served from the cache: no upstream tools/list for a warm list.
      expect(await names(modern.client)).toEqual(['up_echo', 'up_needs_sampling', 'up_vanish']);
      expect(up.seen.toolLists).toBe(listed);

      up.addTool({ name: 'added', description: 'Added later', inputSchema: { type: 'object' } });
      // The upstream announces (again, should a notification race the listen stream's opening).
      await waitFor(() => {
        if (legacy.changes() > 0 && modern.changes() > 0) return true;
        up.announce('tools');
        return false;
      }, 'list_changed to reach both sessions');
      expect(up.seen.toolLists).toBeGreaterThan(listed);
      expect(await names(legacy.client)).toContain('up_added');
      expect(await names(modern.client)).toContain('up_added');
    } finally {
      await legacy.client.close();
      await modern.client.close();
    }
  });

  it('an announcement that changes nothing the client sees is not passed on', async () => {
    const legacy = await connect(srv.mcpUrl, secret, 'legacy');
    try {
      await names(legacy.client);
      const listed = up.seen.toolLists;
      up.announce('tools');
      // The gateway asked again, found the same tools, and said nothing.
      await waitFor(() => up.seen.toolLists > listed, 'the gateway to list the upstream again');
      await names(legacy.client);
      expect(legacy.changes()).toBe(0);
      // A real change afterwards still arrives, and is the first the session hears.
      up.addTool({ name: `later_${Date.now()}`, inputSchema: { type: 'object' } });
      await waitFor(() => {
        if (legacy.changes() > 0) return true;
        up.announce('tools');
        return false;
      }, 'list_changed after a real change');
      expect(legacy.changes()).toBeGreaterThanOrEqual(1);
    } finally {
      await legacy.client.close();
    }
  });
});

describe('a tool list the upstream changes silently', () => {
  it('is asked for again once limits.tool_list_ttl_ms has passed', async () => {
    const up = await startSdkUpstream('modern');
    const srv = await startServer({ principals: 1, env: { CONNECTOR_GATEWAY_ALLOW_LOOPBACK: '1' }, settings: { limits: { tool_list_ttl_ms: 100 } } });
    try {
      const secret = srv.principals[0]!.secret;
      const created = await api<ApiBody>(srv.url, secret, 'POST', CONFIGURATIONS, { personal_connector_id: 'pc_custom_mcp', name: 'up', configuration: { endpoint: up.url } });
      expect(created.status, created.text).toBe(201);
      const { client } = await connect(srv.mcpUrl, secret, 'legacy');
      try {
        expect(await names(client)).not.toContain('up_silent');
        up.addTool({ name: 'silent', inputSchema: { type: 'object' } });
        await waitFor(async () => (await names(client)).includes('up_silent'), 'the expired list to be asked for again');
      } finally {
        await client.close();
      }
    } finally {
      await srv.close();
      await up.close();
    }
  });
});
