import { type Server as HttpServer } from 'node:http';
import { createServer } from '../helpers/test-server.js';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { ProtocolError, Server, createMcpHandler } from '@modelcontextprotocol/server';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { api, CONFIGURATIONS, startServer, type ApiBody } from '../helpers/server.js';

/** An upstream MCP server (SDK) that hands back the Authorization header it received: in a result, in progress, in an error. */
async function startEchoingUpstream() {
  let lastAuth = '';
  const factory = () => {
    const server = new Server({ name: 'echoing', version: '1.0.0' }, { capabilities: { tools: {} } });
    server.setRequestHandler('tools/list', async () => ({
      tools: [
        { name: 'whoami', description: 'echoes the auth header', inputSchema: { type: 'object' } },
        { name: 'reject', description: 'fails, quoting the auth header', inputSchema: { type: 'object' } },
      ],
    }));
    server.setRequestHandler('tools/call', async (req) => {
      const token = lastAuth.replace(/^Bearer /, '');
      if (req.params.name === 'reject') throw new ProtocolError(-32001, `token ${lastAuth} is not allowed here`, { seen: token });
      return {
        content: [
          { type: 'text', text: `you sent ${lastAuth}; base64 ${Buffer.from(token).toString('base64')}; url ${encodeURIComponent(token)}; ${'y'.repeat(290)}${token}` },
        ],
        structuredContent: { token },
      };
    });
    return server;
  };
  const handler = toNodeHandler(createMcpHandler(factory));
  const http: HttpServer = createServer((req, res) => {
    lastAuth = req.headers.authorization ?? '';
    void handler(req, res);
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`,
    lastAuth: () => lastAuth,
    close: () => new Promise<void>((r) => (http.closeAllConnections(), http.close(() => r()))),
  };
}

describe('a custom MCP server that echoes the configuration’s token back', () => {
  let srv: Awaited<ReturnType<typeof startServer>>;
  let upstream: Awaited<ReturnType<typeof startEchoingUpstream>>;
  // Token-like characters with a "/" and "+" so the URL-encoded and base64 forms differ from the raw one.
  const TOKEN = `PLANTED/${randomBytes(12).toString('base64')}+tok`;
  beforeAll(async () => {
    upstream = await startEchoingUpstream();
    srv = await startServer({ principals: 1, env: { CONNECTOR_GATEWAY_ALLOW_LOOPBACK: '1' } });
    const created = await api<ApiBody>(srv.url, srv.principals[0]!.secret, 'POST', CONFIGURATIONS, {
      personal_connector_id: 'pc_custom_mcp',
      name: 'echo',
      configuration: { endpoint: upstream.url },
      credentials: { type: 'bearer', token: TOKEN },
    });
    expect(created.status, created.text).toBe(201);
  });
  afterAll(async () => {
    await srv?.close();
    await upstream?.close();
  });

  it.each(['auto', 'legacy'] as const)('results and errors reach the client without any form of it (%s era)', async (mode) => {
    const client = new Client({ name: 'victim', version: '1' }, { versionNegotiation: { mode } });
    await client.connect(new StreamableHTTPClientTransport(new URL(srv.mcpUrl), { requestInit: { headers: { Authorization: `Bearer ${srv.principals[0]!.secret}` } } }));
    try {
      const said: string[] = [];
      for (let i = 0; i < 2; i++) said.push(JSON.stringify(await client.callTool({ name: 'echo_whoami', arguments: {} })));
      said.push(JSON.stringify(await client.callTool({ name: 'echo_reject', arguments: {} }).catch((e: unknown) => ({ error: e instanceof Error ? e.message : e, data: (e as { data?: unknown }).data }))));
      expect(upstream.lastAuth()).toBe(`Bearer ${TOKEN}`); // it did get there: the search below is not vacuous
      const all = said.join('\n');
      expect(all).toContain('***');
      for (const form of [TOKEN, encodeURIComponent(TOKEN), Buffer.from(TOKEN).toString('base64'), JSON.stringify(TOKEN).slice(1, -1), TOKEN.slice(0, 20)]) expect(all).not.toContain(form);
    } finally {
      await client.close();
    }
  });
});
