/**
 * A client's cancellation reaches the upstream, whatever the eras on either side and whichever
 * call path carries the call: the upstream hears `notifications/cancelled` for its own request id
 * (a 2025-era upstream has no other way to learn of it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { api, CONFIGURATIONS, startServer, type ApiBody } from '../helpers/server.js';
import { startSdkUpstream, type UpstreamEra } from '../fakes/sdk-upstream.js';
import { waitFor } from '../helpers/timing.js';

type ClientEra = 'legacy' | 'modern';
const ERAS = ['legacy', 'modern'] as const;

async function connect(url: string, secret: string, era: ClientEra): Promise<Client> {
  const client = new Client({ name: 'cancel-test', version: '1' }, { versionNegotiation: era === 'legacy' ? { mode: 'legacy' } : { mode: { pin: '2026-07-28' } } });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${secret}` } } }));
  return client;
}

describe.each(['lean', 'sdk'] as const)('cancellation (%s call path)', (path) => {
  let srv: Awaited<ReturnType<typeof startServer>>;
  const upstreams = new Map<UpstreamEra, Awaited<ReturnType<typeof startSdkUpstream>>>();
  let secret: string;

  beforeAll(async () => {
    srv = await startServer({ principals: 1, env: { CONNECTOR_GATEWAY_ALLOW_LOOPBACK: '1', ...(path === 'sdk' ? { CONNECTOR_GATEWAY_LEAN_CALLS: '0' } : {}) } });
    secret = srv.principals[0]!.secret;
    for (const era of ERAS) {
      const up = await startSdkUpstream(era);
      up.addTool({ name: 'slow', description: 'Waits to be cancelled', inputSchema: { type: 'object' } });
      upstreams.set(era, up);
      const created = await api<ApiBody>(srv.url, secret, 'POST', CONFIGURATIONS, { personal_connector_id: 'pc_custom_mcp', name: `up ${era}`, configuration: { endpoint: up.url } });
      expect(created.status, created.text).toBe(201);
    }
  });
  afterAll(async () => {
    await srv?.close();
    for (const u of upstreams.values()) await u.close();
  });

  describe.each(ERAS)('%s upstream', (upstreamEra) => {
    it.each(ERAS)('a %s client’s cancellation reaches it', async (clientEra) => {
      const up = upstreams.get(upstreamEra)!;
      const client = await connect(srv.mcpUrl, secret, clientEra);
      try {
        // Warm: the upstream connection is open, so the lean path (when on) is ready to serve.
        await client.callTool({ name: `up_${upstreamEra}_echo`, arguments: { message: 'warm' } });
        const before = up.seen.cancelled;
        const calls = up.seen.calls.filter((c) => c === 'slow').length;
        const controller = new AbortController();
        const call = client.callTool({ name: `up_${upstreamEra}_slow`, arguments: {} }, { signal: controller.signal });
        const outcome = call.then(
          () => 'answered',
          () => 'rejected',
        );
        await waitFor(() => up.seen.calls.filter((c) => c === 'slow').length > calls, 'the call to reach the upstream');
        controller.abort('the user changed their mind');
        expect(await outcome).toBe('rejected');
        // Only a cancellation ends `slow`: the upstream heard it.
        await waitFor(() => up.seen.cancelled > before, 'the upstream to hear the cancellation');
      } finally {
        await client.close();
      }
    });
  });
});
