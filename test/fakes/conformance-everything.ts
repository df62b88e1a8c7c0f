import { createServer } from '../helpers/test-server.js';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import {
  WebStandardStreamableHTTPServerTransport,
  createMcpHandler,
  hostHeaderValidationResponse,
  isLegacyRequest,
  localhostAllowedHostnames,
  localhostAllowedOrigins,
  originValidationResponse,
  type Server,
} from '@modelcontextprotocol/server';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { buildEverythingServer } from './everything/server.js';
import { createMemoryEventStore } from './everything/event-store.js';
import { URI } from './everything/content.js';

/** The SSE `retry` hint (ms) in priming events: short, as everything here runs on loopback. */
const RETRY_MS = 200;

interface LegacySession {
  transport: WebStandardStreamableHTTPServerTransport;
  server: Server;
  subscriptions: Set<string>;
  /** Settles when the client's standalone GET stream is open: notifications outside a request reach it from then on. */
  listening: Promise<void>;
  markListening: () => void;
}

/**
 * An MCP server that implements every server scenario of `@modelcontextprotocol/conformance` (the
 * conformance repository's everything-server is the reference), served over Streamable HTTP on
 * 127.0.0.1 in both protocol eras:
 *
 * - 2025-era traffic (what the conformance runner speaks) gets real sessions: `Mcp-Session-Id`,
 *   a standalone GET stream, resumable SSE streams (an event store, priming events and a `retry`
 *   hint, replay on `Last-Event-ID`), and server-to-client requests (sampling, elicitation) on the
 *   session. The SDK's stateless legacy fallback cannot carry those, so this leg is wired by hand
 *   in front of a modern-only handler, the composition `isLegacyRequest` is documented for.
 * - 2026-07-28 traffic goes to `createMcpHandler` (per request; sampling and elicitation as
 *   `input_required` results).
 *
 * Host and Origin are checked before either leg (DNS-rebinding protection for a localhost server).
 * `updateWatchedResource` changes `test://watched-resource` and tells its subscribers in both eras.
 */
export async function startConformanceEverything() {
  const watched = { text: 'Watched resource content' };
  const sessions = new Map<string, LegacySession>();
  const modern = createMcpHandler(() => buildEverythingServer({ era: 'modern', watched }).server, { legacy: 'reject' });

  // A sessionless 2025-era request gets a fresh session; the transport itself refuses anything but
  // `initialize` there, and an instance that did not become a session is dropped again.
  async function openSession(request: Request): Promise<Response> {
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      eventStore: createMemoryEventStore(),
      retryInterval: RETRY_MS,
      onsessioninitialized: (id) => void sessions.set(id, session),
    });
    const built = buildEverythingServer({ era: 'legacy', watched, hooks: { closeStream: (id) => transport.closeSSEStream(id) } });
    let markListening = () => {};
    const listening = new Promise<void>((resolve) => (markListening = resolve));
    const session: LegacySession = { transport, ...built, listening, markListening };
    transport.onclose = () => void (transport.sessionId !== undefined && sessions.delete(transport.sessionId));
    await built.server.connect(transport);
    const response = await transport.handleRequest(request);
    if (transport.sessionId === undefined) await built.server.close();
    return response;
  }

  async function serveLegacy(request: Request): Promise<Response> {
    const id = request.headers.get('mcp-session-id');
    if (id === null) return openSession(request);
    const session = sessions.get(id);
    if (!session) return Response.json({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null }, { status: 404 });
    const response = await session.transport.handleRequest(request);
    // The transport has registered the stream by the time it answers 200.
    if (request.method === 'GET' && !request.headers.has('last-event-id') && response.status === 200) session.markListening();
    return response;
  }

  const node = toNodeHandler({
    fetch: async (request: Request) => {
      const rejected = hostHeaderValidationResponse(request, localhostAllowedHostnames()) ?? originValidationResponse(request, localhostAllowedOrigins());
      if (rejected) return rejected;
      return (await isLegacyRequest(request)) ? serveLegacy(request) : modern.fetch(request);
    },
  });
  const http = createServer((req, res) => void node(req, res));
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');

  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`,
    /** Open 2025-era sessions (a test can check that a client's DELETE reached the server). */
    sessionCount: () => sessions.size,
    /** Settles once the 2025-era session `id` has opened its standalone GET stream (rejects for an unknown id). */
    async standaloneStreamOpen(id: string) {
      const session = sessions.get(id);
      if (!session) throw new Error(`No session ${id}`);
      await session.listening;
    },
    async updateWatchedResource(text: string) {
      watched.text = text;
      await Promise.all([...sessions.values()].filter((s) => s.subscriptions.has(URI.watched)).map((s) => s.server.sendResourceUpdated({ uri: URI.watched })));
      modern.notify.resourceUpdated(URI.watched);
    },
    async close() {
      await Promise.all([...sessions.values()].map((s) => s.server.close()));
      await modern.close();
      http.closeAllConnections();
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}
