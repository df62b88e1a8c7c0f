/**
 * A client's cancellation reaches the upstream, whatever the eras on either side and whichever
 * call path carries the call: the upstream hears `notifications/cancelled` for its own request id
 * (a 2025-era upstream has no other way to learn of it). And the cancelled call is never answered
 * (the receiver of a cancellation does not respond): a 2025-era client's POST ends with no message
 * for the cancelled id; a 2026-era client cancels by closing that POST itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { api, CONFIGURATIONS, startServer, type ApiBody } from '../helpers/server.js';
import { startSdkUpstream, type UpstreamEra } from '../fakes/sdk-upstream.js';
import { waitFor } from '../helpers/timing.js';

type ClientEra = 'legacy' | 'modern';
const ERAS = ['legacy', 'modern'] as const;

/** A POSTed request and, once its response body ended, the body's text. */
interface Exchange {
  id: unknown;
  name: unknown;
  body?: string;
}

/** The client's fetch, recording every tools/call POST and the whole body of its response. */
function recordingFetch(exchanges: Exchange[]): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    const sent: unknown = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
    const message = sent as { method?: unknown; id?: unknown; params?: { name?: unknown } } | undefined;
    if (message?.method === 'tools/call') {
      const exchange: Exchange = { id: message.id, name: message.params?.name };
      exchanges.push(exchange);
      // A copy of the body, read to its end (a closed request leaves it unread).
      response
        .clone()
        .text()
        .then((text) => (exchange.body = text))
        .catch(() => {});
    }
    return response;
  };
}

/** The JSON-RPC messages in a response body (plain JSON or SSE events). */
function messagesIn(body: string): { id?: unknown }[] {
  const trimmed = body.trim();
  if (trimmed === '') return [];
  if (trimmed.startsWith('{')) return [JSON.parse(trimmed) as { id?: unknown }];
  return [...trimmed.matchAll(/^data: ?(.*)$/gm)].flatMap((m) => (m[1] ? [JSON.parse(m[1]) as { id?: unknown }] : []));
}

async function connect(url: string, secret: string, era: ClientEra, exchanges: Exchange[] = []): Promise<Client> {
  const client = new Client({ name: 'cancel-test', version: '1' }, { versionNegotiation: era === 'legacy' ? { mode: 'legacy' } : { mode: { pin: '2026-07-28' } } });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { fetch: recordingFetch(exchanges), requestInit: { headers: { Authorization: `Bearer ${secret}` } } }));
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
    it.each(ERAS)('a %s client’s cancellation reaches it, and the cancelled call is not answered', async (clientEra) => {
      const up = upstreams.get(upstreamEra)!;
      const exchanges: Exchange[] = [];
      const client = await connect(srv.mcpUrl, secret, clientEra, exchanges);
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
        if (clientEra === 'legacy') {
          // The POST stays open after a 2025-era cancellation: the gateway ends it, with nothing for the cancelled id.
          const exchange = exchanges.find((x) => x.name === `up_${upstreamEra}_slow`)!;
          const ended = await waitFor(() => (exchange.body !== undefined ? { body: exchange.body } : undefined), 'the cancelled call’s response to end');
          expect(messagesIn(ended.body).filter((m) => m.id === exchange.id)).toEqual([]);
        }
      } finally {
        await client.close();
      }
    });
  });
});
