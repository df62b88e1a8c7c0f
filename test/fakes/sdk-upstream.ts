import { randomUUID } from 'node:crypto';
import { createServer, type Server as HttpServer } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createMcpHandler, isInitializeRequest, MissingRequiredClientCapabilityError, ProtocolError, ProtocolErrorCode, ResourceNotFoundError, Server, type CompleteRequestParams, type LoggingLevel, type Tool } from '@modelcontextprotocol/server';
import { NodeStreamableHTTPServerTransport, toNodeHandler } from '@modelcontextprotocol/node';

export type UpstreamEra = 'legacy' | 'modern';

/**
 * A real SDK MCP server of one protocol era, for the call-pipeline tests. `legacy`: 2025-11-25
 * sessions (`initialize`, `Mcp-Session-Id`, DELETE ends a session); `modern`: the stateless
 * 2026-07-28 handler only. Tools:
 * - `echo {message: string}`: answers the message; any other arguments are a JSON-RPC -32602
 *   (as a server that validates its own input says it);
 * - `needs_sampling`: answers -32021 (MissingRequiredClientCapability), which a 2026 server sends with HTTP 400;
 * - `slow` (not listed unless added): waits until the call is cancelled (`notifications/cancelled`), counts it;
 * - `vanish`: listed, but answered as an unknown tool (-32602) — what a client meets when the
 *   upstream dropped a tool since the gateway listed it.
 * - `log {messages: [{level, data}]}` (not listed unless added): sends each as `notifications/message`
 *   during the call (the SDK drops those below the level its client set), then answers "logged".
 * Prompts: `greet {name}` (a text message and an embedded `test://static/a`). Resources:
 * `test://static/a` (text "A") and the template `test://items/{id}` ("item <id>"); any other URI
 * is not found. Completion: `greet`'s `name` and the template's `id`, by prefix (`completions` records
 * each request's params). Resource subscriptions (2025: `resources/subscribe`, recorded per session in
 * `subscribed()`; 2026: `subscriptions/listen`); `updateResource(uri)` announces a change to them.
 * `log(level, data)` sends a log message outside any request (2025: on every session's standalone stream).
 * Records what it saw: initialize requests, session ids, DELETEs, calls, tools/list requests.
 * `addTool` changes the list silently; `announce(kind)` sends `notifications/<kind>/list_changed`
 * (2025: on every open session's standalone stream; 2026: to every `subscriptions/listen` stream).
 */
export async function startSdkUpstream(era: UpstreamEra) {
  const seen = { initialize: 0, deletes: 0, calls: [] as string[], sessionIds: new Set<string>(), methods: [] as string[], toolLists: 0, gets: 0, cancelled: 0, completions: [] as CompleteRequestParams[] };
  const live = new Set<Server>();
  /** 2025 era: the URIs each live session subscribed to. */
  const subscriptions = new Map<Server, Set<string>>();
  const tools: Tool[] = [
    { name: 'echo', description: 'Echo', inputSchema: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] } },
    { name: 'needs_sampling', description: 'Needs the sampling capability', inputSchema: { type: 'object' } },
    { name: 'vanish', description: 'Gone when called', inputSchema: { type: 'object' } },
  ];

  const factory = () => {
    const server = new Server(
      { name: `sdk-upstream-${era}`, version: '1.0.0' },
      { capabilities: { tools: { listChanged: true }, prompts: { listChanged: true }, resources: { listChanged: true, subscribe: true }, completions: {}, logging: {} } },
    );
    const subscribed = new Set<string>();
    if (era === 'legacy') {
      subscriptions.set(server, subscribed);
      server.setRequestHandler('resources/subscribe', async (req) => {
        subscribed.add(req.params.uri);
        return {};
      });
      server.setRequestHandler('resources/unsubscribe', async (req) => {
        subscribed.delete(req.params.uri);
        return {};
      });
    }
    server.setRequestHandler('completion/complete', async (req) => {
      seen.completions.push(req.params);
      const { ref, argument } = req.params;
      const candidates = ref.type === 'ref/prompt' && ref.name === 'greet' && argument.name === 'name' ? ['Ada', 'Alan', 'Grace'] : ref.type === 'ref/resource' && ref.uri === 'test://items/{id}' && argument.name === 'id' ? ['1', '7', '42'] : [];
      const values = candidates.filter((v) => v.startsWith(argument.value));
      return { completion: { values, total: values.length, hasMore: false } };
    });
    server.setRequestHandler('prompts/list', async () => ({ prompts: [{ name: 'greet', description: 'Greets', arguments: [{ name: 'name', required: true }] }] }));
    server.setRequestHandler('prompts/get', async (req) => {
      if (req.params.name !== 'greet') throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Prompt ${req.params.name} not found`);
      return {
        messages: [
          { role: 'user' as const, content: { type: 'text' as const, text: `Hello ${req.params.arguments?.name ?? 'nobody'}` } },
          { role: 'user' as const, content: { type: 'resource' as const, resource: { uri: 'test://static/a', text: 'A' } } },
        ],
      };
    });
    server.setRequestHandler('resources/list', async () => ({ resources: [{ uri: 'test://static/a', name: 'a', mimeType: 'text/plain' }] }));
    server.setRequestHandler('resources/templates/list', async () => ({ resourceTemplates: [{ uriTemplate: 'test://items/{id}', name: 'item' }] }));
    server.setRequestHandler('resources/read', async (req) => {
      const uri = req.params.uri;
      if (uri === 'test://static/a') return { contents: [{ uri, mimeType: 'text/plain', text: 'A' }] };
      const item = /^test:\/\/items\/(\w+)$/.exec(uri);
      if (item) return { contents: [{ uri, text: `item ${item[1]}` }] };
      throw new ResourceNotFoundError(uri);
    });
    server.setRequestHandler('tools/list', async () => {
      seen.toolLists++;
      return { tools };
    });
    server.setRequestHandler('tools/call', async (req, ctx) => {
      const name = req.params.name;
      seen.calls.push(name);
      switch (name) {
        case 'echo': {
          const message = (req.params.arguments as { message?: unknown } | undefined)?.message;
          if (typeof message !== 'string') throw new ProtocolError(ProtocolErrorCode.InvalidParams, 'Invalid arguments for tool echo: message must be a string');
          return { content: [{ type: 'text', text: message }] };
        }
        case 'log': {
          const messages = (req.params.arguments as { messages?: { level: LoggingLevel; data: unknown }[] } | undefined)?.messages ?? [];
          for (const m of messages) await ctx.mcpReq.log(m.level, m.data, 'sdk-upstream');
          return { content: [{ type: 'text', text: 'logged' }] };
        }
        case 'needs_sampling':
          throw new MissingRequiredClientCapabilityError({ requiredCapabilities: { sampling: {} } }, 'needs_sampling requires the sampling capability');
        case 'slow':
          // Answers only when cancelled: the count says a cancellation reached this server.
          await new Promise<void>((resolve) => {
            if (ctx.mcpReq.signal.aborted) resolve();
            ctx.mcpReq.signal.addEventListener('abort', () => resolve(), { once: true });
          });
          seen.cancelled++;
          return { content: [{ type: 'text', text: 'cancelled, yet answered' }] };
        default:
          throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Tool ${name} not found`);
      }
    });
    return server;
  };

  let close: () => Promise<void>;
  let httpServer: HttpServer;
  let announce: (kind: 'tools' | 'resources' | 'prompts') => void;
  let updateResource: (uri: string) => void;
  if (era === 'modern') {
    const handler = createMcpHandler(factory, { legacy: 'reject' });
    updateResource = (uri) => handler.notify.resourceUpdated(uri);
    announce = (kind) => {
      if (kind === 'tools') handler.notify.toolsChanged();
      else if (kind === 'resources') handler.notify.resourcesChanged();
      else handler.notify.promptsChanged();
    };
    const node = toNodeHandler(handler);
    httpServer = createServer((req, res) => {
      if (req.method === 'DELETE') seen.deletes++;
      seen.methods.push(String(req.headers['mcp-method'] ?? req.method));
      void node(req, res);
    });
    close = () => handler.close();
  } else {
    const sessions = new Map<string, NodeStreamableHTTPServerTransport>();
    updateResource = (uri) => {
      for (const s of live) if (subscriptions.get(s)?.has(uri)) void s.sendResourceUpdated({ uri }).catch(() => {});
    };
    announce = (kind) => {
      for (const s of live) {
        const sent = kind === 'tools' ? s.sendToolListChanged() : kind === 'resources' ? s.sendResourceListChanged() : s.sendPromptListChanged();
        void sent.catch(() => {});
      }
    };
    httpServer = createServer((req, res) => {
      void (async () => {
        if (req.method === 'DELETE') seen.deletes++;
        if (req.method === 'GET') seen.gets++;
        const id = req.headers['mcp-session-id'];
        const sessionId = Array.isArray(id) ? id[0] : id;
        let body: unknown;
        if (req.method === 'POST') {
          const chunks: Buffer[] = [];
          for await (const c of req) chunks.push(c as Buffer);
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          seen.methods.push(String((body as { method?: unknown }).method ?? 'response'));
        }
        const existing = sessionId !== undefined ? sessions.get(sessionId) : undefined;
        if (existing) {
          await existing.handleRequest(req, res, body);
          return;
        }
        if (req.method !== 'POST' || !isInitializeRequest(body)) {
          res.writeHead(sessionId !== undefined ? 404 : 400, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message: sessionId !== undefined ? 'Session not found' : 'Bad Request: no session' }, id: null }));
          return;
        }
        seen.initialize++;
        const transport = new NodeStreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          onsessioninitialized: (sid) => {
            seen.sessionIds.add(sid);
            sessions.set(sid, transport);
          },
          onsessionclosed: (sid) => {
            sessions.delete(sid);
          },
        });
        const server = factory();
        live.add(server);
        server.onclose = () => {
          live.delete(server);
          subscriptions.delete(server);
        };
        await server.connect(transport);
        await transport.handleRequest(req, res, body);
      })().catch((e: unknown) => {
        if (!res.headersSent) res.writeHead(500).end(String(e));
      });
    });
    close = async () => {
      await Promise.all([...sessions.values()].map((t) => t.close().catch(() => {})));
    };
  }
  httpServer.listen(0, '127.0.0.1');
  await once(httpServer, 'listening');
  return {
    url: `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}/mcp`,
    seen,
    /** Adds a tool without telling anyone (the gateway sees it on its next discovery). */
    addTool(tool: Tool) {
      tools.push(tool);
    },
    announce: (kind: 'tools' | 'resources' | 'prompts') => announce(kind),
    updateResource: (uri: string) => updateResource(uri),
    /** 2025 era: what each open session is subscribed to. */
    subscribed: () => [...live].map((s) => [...(subscriptions.get(s) ?? [])]),
    /** 2025 era: a log message on every open session's standalone stream (each session's level applies). */
    log(level: LoggingLevel, data: unknown) {
      for (const s of live) void s.sendLoggingMessage({ level, data, logger: 'sdk-upstream' }, s.transport?.sessionId).catch(() => {});
    },
    async close() {
      await close();
      httpServer.closeAllConnections();
      await new Promise<void>((r) => httpServer.close(() => r()));
    },
  };
}
