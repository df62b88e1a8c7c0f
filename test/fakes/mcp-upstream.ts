import { type Server as HttpServer } from 'node:http';
import { createServer } from '../helpers/test-server.js';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { Server, createMcpHandler, type Tool } from '@modelcontextprotocol/server';
import { toNodeHandler } from '@modelcontextprotocol/node';

export interface UpstreamBehaviour {
  /** Tools served by tools/list, split into pages of this size (cursor pagination). */
  tools?: Tool[];
  pageSize?: number;
  /** Delay before answering tools/list (a slow upstream, for discovery timing). */
  listDelayMs?: number;
  /** Answer 401 unless the request carries `Authorization: Bearer <this>`. */
  requireBearer?: string;
}

const text = (t: string) => ({ content: [{ type: 'text' as const, text: t }] });

/** `bytes` characters of text with quotes and line breaks, so a relay's JSON escaping is exercised too. */
function bigText(bytes: number): string {
  const line = 'lorem ipsum "dolor" sit amet, consectetur adipiscing elit\n';
  return line.repeat(Math.ceil(bytes / line.length)).slice(0, Math.max(0, bytes));
}

/**
 * A small upstream MCP server built with the SDK for fault tests: `hang` waits until cancelled,
 * `fail` returns isError, `boom` throws a JSON-RPC error, `die` kills the connection mid-call,
 * `slow_progress` reports progress, `big` (when listed) answers `bytes` characters of text. Records what it saw (calls, cancellations, auth headers).
 */
export async function startUpstream(behaviour: UpstreamBehaviour = {}) {
  const seen = { calls: [] as string[], cancelled: [] as string[], authorization: [] as string[], listPages: 0 };
  const tools: Tool[] = behaviour.tools ?? [
    { name: 'echo', description: 'Echo', inputSchema: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] } },
    { name: 'hang', description: 'Never answers until cancelled', inputSchema: { type: 'object' } },
    { name: 'fail', description: 'Returns a tool error', inputSchema: { type: 'object' } },
    { name: 'boom', description: 'Throws a JSON-RPC error', inputSchema: { type: 'object' } },
    { name: 'die', description: 'Drops the connection mid-call', inputSchema: { type: 'object' } },
  ];
  const pageSize = behaviour.pageSize ?? 1000;
  let httpServer: HttpServer;

  const factory = () => {
    const server = new Server({ name: 'fake-upstream', version: '1.0.0' }, { capabilities: { tools: {} } });
    server.setRequestHandler('tools/list', async (req) => {
      seen.listPages++;
      if (behaviour.listDelayMs) await new Promise((r) => setTimeout(r, behaviour.listDelayMs));
      const start = req.params?.cursor ? Number(req.params.cursor) : 0;
      const page = tools.slice(start, start + pageSize);
      const next = start + pageSize < tools.length ? String(start + pageSize) : undefined;
      return { tools: page, ...(next ? { nextCursor: next } : {}) };
    });
    server.setRequestHandler('tools/call', async (req, ctx) => {
      const name = req.params.name;
      seen.calls.push(name);
      switch (name) {
        case 'echo':
          return text(String((req.params.arguments as { message?: unknown } | undefined)?.message ?? ''));
        case 'hang':
          await new Promise<void>((resolve) => {
            ctx.mcpReq.signal.addEventListener('abort', () => {
              seen.cancelled.push(name);
              resolve();
            });
          });
          return text('cancelled');
        case 'fail':
          return { ...text('the upstream tool failed on purpose'), isError: true };
        case 'boom':
          throw new Error('upstream exploded');
        case 'die':
          httpServer.closeAllConnections();
          return text('unreachable');
        case 'big':
          return text(bigText(Number((req.params.arguments as { bytes?: unknown } | undefined)?.bytes ?? 0)));
        default:
          // A duplicated name still answers: it proves which one was routed.
          return text(`called ${name}`);
      }
    });
    return server;
  };

  const handler = createMcpHandler(factory);
  const node = toNodeHandler(handler);
  httpServer = createServer((req, res) => {
    seen.authorization.push(req.headers.authorization ?? '');
    if (behaviour.requireBearer !== undefined && req.headers.authorization !== `Bearer ${behaviour.requireBearer}`) {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' }).end('{"error":"invalid_token"}');
      return;
    }
    void node(req, res);
  });
  httpServer.listen(0, '127.0.0.1');
  await once(httpServer, 'listening');
  return {
    url: `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}/mcp`,
    seen,
    async close() {
      await handler.close();
      httpServer.closeAllConnections();
      await new Promise<void>((r) => httpServer.close(() => r()));
    },
  };
}
