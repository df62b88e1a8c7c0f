import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, StreamableHTTPClientTransport, ProtocolError } from '@modelcontextprotocol/client';
import { startEverything } from '../helpers/everything.js';
import { startMcpHarness } from '../helpers/mcp-harness.js';
import { record } from '../helpers/records.js';

type Era = 'legacy' | 'modern';

/** Standalone GET event streams (2025 era) whose response headers the client has received. */
interface StreamWatch {
  opened: number;
}

async function connect(url: string, user: string, era: Era, onToolsChanged?: () => void, streams?: StreamWatch) {
  // Headers of the standalone GET stream arrive only after the server has registered the stream,
  // so counting them tells the test when a notification can reach this client (no fixed sleep).
  const watched: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    if (streams && (init?.method ?? 'GET') === 'GET' && res.ok && res.headers.get('content-type')?.startsWith('text/event-stream')) streams.opened++;
    return res;
  };
  const client = new Client(
    { name: 'test', version: '1' },
    {
      versionNegotiation: era === 'legacy' ? { mode: 'legacy' } : { mode: { pin: '2026-07-28' } },
      ...(onToolsChanged ? { listChanged: { tools: { onChanged: () => onToolsChanged(), autoRefresh: false } } } : {}),
    },
  );
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${user}` } }, fetch: watched }));
  return client;
}

describe.each<[Era, boolean]>([
  ['legacy', true],
  ['modern', true],
  ['legacy', false],
  ['modern', false],
])('MCP over Streamable HTTP, %s era, lean calls %s', (era, leanCalls) => {
  let everything: Awaited<ReturnType<typeof startEverything>>;
  let h: Awaited<ReturnType<typeof startMcpHarness>>;
  const alice = 'usr_alice';
  const bob = 'usr_bob';

  beforeAll(async () => {
    everything = await startEverything();
    h = await startMcpHarness({ leanCalls });
    await h.store.createConfiguration(record({ user_id: alice, organization_id: 'org_test', personal_connector_id: 'pc_custom_mcp', name: 'Everything', configuration: { endpoint: everything.url } }));
  });
  afterAll(async () => {
    await h.close();
    await everything.close();
  });

  it('lists and calls the principal’s tools, structuredContent passing through', async () => {
    const c = await connect(h.url, alice, era);
    const { tools } = await c.listTools();
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['everything_echo', 'everything_get-sum', 'everything_get-structured-content']));
    const sum = await c.callTool({ name: 'everything_get-sum', arguments: { a: 2, b: 3 } });
    expect(JSON.stringify(sum.content)).toContain('5');
    const structured = await c.callTool({ name: 'everything_get-structured-content', arguments: { location: 'Chicago' } });
    expect(structured.structuredContent).toMatchObject({ temperature: expect.any(Number) });
    // server-everything speaks the 2025 era; the lean path serves both client eras (translating for 2026 clients).
    expect(h.endpoint.leanCallsServed > 0).toBe(leanCalls);
    await c.close();
  });

  it('another principal sees none of them, even by guessing names', async () => {
    const c = await connect(h.url, bob, era);
    expect((await c.listTools()).tools).toEqual([]);
    const err = await c.callTool({ name: 'everything_echo', arguments: { message: 'x' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as ProtocolError).code).toBe(-32602);
    await c.close();
  });

  it('relays progress from a long-running upstream tool', async () => {
    const c = await connect(h.url, alice, era);
    const progress: number[] = [];
    const r = await c.callTool(
      { name: 'everything_trigger-long-running-operation', arguments: { duration: 1, steps: 3 } },
      { onprogress: (p) => progress.push(p.progress) },
    );
    expect(r.isError).toBeFalsy();
    expect(progress.length).toBeGreaterThanOrEqual(2);
    await c.close();
  });

  it('announces tools/list_changed to the principal when its configuration changes', async () => {
    let changed = 0;
    const streams: StreamWatch = { opened: 0 };
    const c = await connect(h.url, alice, era, () => changed++, streams);
    await c.listTools();
    if (era === 'modern') {
      // The 2026 client opens its subscriptions/listen stream on connect when listChanged is configured.
      await expect.poll(() => c.autoOpenedSubscription !== undefined).toBe(true);
    } else {
      // The 2025 client opens its standalone GET stream after initialize: wait until it is open.
      await expect.poll(() => streams.opened).toBeGreaterThanOrEqual(1);
    }
    await h.store.createConfiguration(record({ user_id: alice, organization_id: 'org_test', personal_connector_id: 'pc_custom_mcp', name: 'Second', configuration: { endpoint: everything.url } }));
    await expect.poll(() => changed).toBeGreaterThanOrEqual(1);
    expect((await c.listTools()).tools.some((t) => t.name === 'second_echo')).toBe(true);
    await c.close();
  });
});
