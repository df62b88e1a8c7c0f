/**
 * The one call pipeline, through the built server, against real SDK upstreams of both eras, from
 * clients of both eras, on both call transports (the lean forwarder and the SDK client): a call
 * is judged the same whichever path carried it.
 */
import { PATIENCE_MS } from '../helpers/timing.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, ProtocolError, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { api, CONFIGURATIONS, startServer, type ApiBody } from '../helpers/server.js';
import { startSdkUpstream, type UpstreamEra } from '../fakes/sdk-upstream.js';

type ClientEra = 'legacy' | 'modern';
const CLIENT_ERAS: readonly ClientEra[] = ['legacy', 'modern'];
const UPSTREAM_ERAS: readonly UpstreamEra[] = ['legacy', 'modern'];
/** More than the breaker's default threshold (5 consecutive failures). */
const MISTAKES = 7;

async function connect(url: string, secret: string, era: ClientEra): Promise<Client> {
  const client = new Client({ name: 'pipeline-test', version: '1' }, { versionNegotiation: era === 'legacy' ? { mode: 'legacy' } : { mode: { pin: '2026-07-28' } } });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${secret}` } } }));
  return client;
}

async function protocolErrorOf(p: Promise<unknown>): Promise<ProtocolError> {
  const e = await p.then(
    (v) => v,
    (err: unknown) => err,
  );
  expect(e, JSON.stringify(e)).toBeInstanceOf(ProtocolError);
  return e as ProtocolError;
}

describe.each(['lean', 'sdk'] as const)('failure vocabulary through the built server (%s call path)', (path) => {
  let srv: Awaited<ReturnType<typeof startServer>>;
  const upstreams = new Map<UpstreamEra, Awaited<ReturnType<typeof startSdkUpstream>>>();
  const configs = new Map<UpstreamEra, string>();
  let secret: string;

  beforeAll(async () => {
    for (const era of UPSTREAM_ERAS) upstreams.set(era, await startSdkUpstream(era));
    srv = await startServer({ principals: 1, env: { CONNECTOR_GATEWAY_ALLOW_LOOPBACK: '1', ...(path === 'sdk' ? { CONNECTOR_GATEWAY_LEAN_CALLS: '0' } : {}) } });
    secret = srv.principals[0]!.secret;
    for (const era of UPSTREAM_ERAS) {
      const created = await api<ApiBody>(srv.url, secret, 'POST', CONFIGURATIONS, {
        personal_connector_id: 'pc_custom_mcp',
        name: `up ${era}`,
        configuration: { endpoint: upstreams.get(era)!.url },
      });
      expect(created.status, created.text).toBe(201);
      configs.set(era, created.json!.id!);
    }
  });
  afterAll(async () => {
    await srv?.close();
    for (const u of upstreams.values()) await u.close();
  });

  describe.each(UPSTREAM_ERAS)('%s upstream', (upstreamEra) => {
    it.each(CLIENT_ERAS)('a client’s mistakes (-32602 for bad arguments, an unknown tool) reach a %s client as the upstream said them, never trip the breaker or drop the session', async (clientEra) => {
      const up = upstreams.get(upstreamEra)!;
      const client = await connect(srv.mcpUrl, secret, clientEra);
      try {
        const tool = `up_${upstreamEra}_echo`;
        expect((await client.callTool({ name: tool, arguments: { message: 'first' } })).content).toEqual([{ type: 'text', text: 'first' }]);
        const initialized = up.seen.initialize;
        const sessions = up.seen.sessionIds.size;
        for (let i = 0; i < MISTAKES; i++) {
          const bad = await protocolErrorOf(client.callTool({ name: tool, arguments: { message: i } }));
          expect(bad.code).toBe(-32602);
          expect(bad.message).toContain('Invalid arguments for tool echo: message must be a string');
          const unknown = await protocolErrorOf(client.callTool({ name: `up_${upstreamEra}_vanish`, arguments: {} }));
          expect(unknown.code).toBe(-32602);
          expect(unknown.message).toContain('Tool vanish not found');
        }
        // 14 rejected calls in a row, and the configuration still answers: nothing was counted against it.
        const after = await client.callTool({ name: tool, arguments: { message: 'still here' } });
        expect(after.isError, JSON.stringify(after.content)).toBeFalsy();
        expect(after.content).toEqual([{ type: 'text', text: 'still here' }]);
        // The upstream session was never dropped: no new initialize, no DELETE.
        expect(up.seen.initialize).toBe(initialized);
        expect(up.seen.sessionIds.size).toBe(sessions);
        expect(up.seen.deletes).toBe(0);
        const record = await api<ApiBody>(srv.url, secret, 'GET', `${CONFIGURATIONS}/${configs.get(upstreamEra)!}`);
        expect(record.json?.health_status).not.toBe('unhealthy');
      } finally {
        await client.close();
      }
    });
  });

  it.each(CLIENT_ERAS)('a 2026 upstream’s HTTP 400 with a JSON-RPC error body reaches a %s client as that error', async (clientEra) => {
    const client = await connect(srv.mcpUrl, secret, clientEra);
    try {
      for (let i = 0; i < MISTAKES; i++) {
        const e = await protocolErrorOf(client.callTool({ name: 'up_modern_needs_sampling', arguments: {} }));
        expect(e.code).toBe(-32021);
        expect(e.message).toContain('needs_sampling requires the sampling capability');
        expect(e.message).not.toMatch(/answered 400/);
      }
      expect((await client.callTool({ name: 'up_modern_echo', arguments: { message: 'fine' } })).content).toEqual([{ type: 'text', text: 'fine' }]);
    } finally {
      await client.close();
    }
  });

  it('the era’s header checks hold on every path: 2026 Mcp-Method/Mcp-Name, 2025 MCP-Protocol-Version and Accept', async () => {
    const up = upstreams.get('modern')!;
    const envelope = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {} };
    const post = async (headers: Record<string, string | undefined>, body: unknown) => {
      const h: Record<string, string> = {};
      for (const [k, v] of Object.entries({ authorization: `Bearer ${secret}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers })) if (v !== undefined) h[k] = v;
      const r = await fetch(srv.mcpUrl, { method: 'POST', headers: h, body: JSON.stringify(body) });
      const text = await r.text();
      // An SSE answer (the SDK path's 2025 session) carries its message on a data: line.
      const json = text.startsWith('{') ? text : (/^data: (.*)$/m.exec(text)?.[1] ?? '{}');
      return { status: r.status, text, code: (JSON.parse(json) as { error?: { code?: number } }).error?.code };
    };
    const modernCall = { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'up_modern_echo', arguments: { message: 'x' }, _meta: envelope } };
    const modernHeaders = { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'up_modern_echo' };
    const modernList = { jsonrpc: '2.0', id: 8, method: 'tools/list', params: { _meta: envelope } };
    // Warm: the principal's tool table is loaded, so a lean path would be ready to serve.
    expect((await post(modernHeaders, modernCall)).status).toBe(200);
    const calls = up.seen.calls.length;
    for (const missing of ['mcp-method', 'mcp-name'] as const) {
      const r = await post({ ...modernHeaders, [missing]: undefined }, modernCall);
      expect([r.status, r.code], r.text).toEqual([400, -32020]);
    }
    const wrongName = await post({ ...modernHeaders, 'mcp-name': 'up_modern_needs_sampling' }, modernCall);
    expect([wrongName.status, wrongName.code], wrongName.text).toEqual([400, -32020]);
    const listWithoutMethod = await post({ 'mcp-protocol-version': '2026-07-28' }, modernList);
    expect([listWithoutMethod.status, listWithoutMethod.code], listWithoutMethod.text).toEqual([400, -32020]);
    expect(up.seen.calls.length).toBe(calls); // none of them reached the upstream

    const client = await connect(srv.mcpUrl, secret, 'legacy');
    try {
      const session = (client.transport as StreamableHTTPClientTransport).sessionId!;
      const legacyCall = { jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'up_modern_echo', arguments: { message: 'y' } } };
      const unsupported = await post({ 'mcp-session-id': session, 'mcp-protocol-version': '1999-01-01' }, legacyCall);
      expect(unsupported.status, unsupported.text).toBe(400);
      expect(unsupported.text).toMatch(/Unsupported protocol version/i);
      const jsonOnly = await post({ 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25', accept: 'application/json' }, legacyCall);
      expect(jsonOnly.status, jsonOnly.text).toBe(406);
      expect(up.seen.calls.length).toBe(calls);
      const fine = await post({ 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' }, legacyCall);
      expect(fine.status, fine.text).toBe(200);
      expect(fine.text).toContain('"text":"y"');
      expect(up.seen.calls.length).toBe(calls + 1);
    } finally {
      await client.close();
    }
  });

  it.each(CLIENT_ERAS)('an unknown tools/list cursor is Invalid Params for a %s client, not the full list', async (clientEra) => {
    const client = await connect(srv.mcpUrl, secret, clientEra);
    try {
      expect((await client.listTools()).nextCursor).toBeUndefined();
      const e = await protocolErrorOf(client.listTools({ cursor: 'not-a-cursor-we-gave' }));
      expect(e.code).toBe(-32602);
      expect(e.message).toMatch(/unknown cursor/);
    } finally {
      await client.close();
    }
  });
});

describe('upstream sessions are closed with DELETE when the gateway drops them', () => {
  it('on a configuration change and at shutdown (2025-era upstream)', async () => {
    const up = await startSdkUpstream('legacy');
    const srv = await startServer({ principals: 1, env: { CONNECTOR_GATEWAY_ALLOW_LOOPBACK: '1' } });
    try {
      const secret = srv.principals[0]!.secret;
      const created = await api<ApiBody>(srv.url, secret, 'POST', CONFIGURATIONS, { personal_connector_id: 'pc_custom_mcp', name: 'up', configuration: { endpoint: up.url } });
      expect(created.status, created.text).toBe(201);
      const client = await connect(srv.mcpUrl, secret, 'legacy');
      expect((await client.callTool({ name: 'up_echo', arguments: { message: 'a' } })).isError).toBeFalsy();
      expect(up.seen.sessionIds.size).toBe(1);
      expect(up.seen.deletes).toBe(0);
      // A change that replaces the configuration's connection: the old session is ended.
      const patched = await api<ApiBody>(srv.url, secret, 'PATCH', `${CONFIGURATIONS}/${created.json!.id!}`, { configuration: { endpoint: up.url, timeout_ms: PATIENCE_MS } });
      expect(patched.status, patched.text).toBe(200);
      await expect.poll(() => up.seen.deletes).toBe(1);
      expect((await client.callTool({ name: 'up_echo', arguments: { message: 'b' } })).isError).toBeFalsy();
      expect(up.seen.sessionIds.size).toBe(2);
      await client.close();
      // Shutdown ends the session in use.
      await srv.stop();
      expect(up.seen.deletes).toBe(2);
    } finally {
      await srv.close();
      await up.close();
    }
  });
});
