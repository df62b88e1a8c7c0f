import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';
import { toNodeHandler } from '@modelcontextprotocol/node';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../domain/logger.js';
import type { PrincipalGateway } from '../gateway/principal-gateway.js';
import { createGatewayServer } from './server-factory.js';
import type { SessionState } from './session-id.js';

/** One open 2025-era session as the endpoint drives it, whichever way it was made. */
export interface SessionTransport {
  handle(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void>;
  /**
   * Ends the response stream of a request the client cancelled. The SDK server rightly sends no
   * response for it, and its transport would keep the stream open waiting for one.
   */
  abandon(requestId: string | number): void;
  close(): Promise<void>;
}

const INTERNAL_URL = 'http://gateway.internal/mcp';

/**
 * Rebuilds, on this replica, a 2025-era session another replica opened (behind a load balancer the
 * client's next request may land anywhere). The client's initialize is replayed with what the sealed
 * id carries (its protocol version) so the SDK transport answers under the same id and the same
 * negotiated version; the replayed answers are discarded. From then on the session is served here
 * like one of this replica's own, including its standalone stream for list_changed.
 */
export async function takeOverSession(
  id: string,
  state: SessionState,
  gateway: PrincipalGateway,
  log: Logger,
  /** onEnded: the client ended the session (DELETE); onClosed: the transport closed for any reason. */
  opts: { maxBodyBytes: number; onEnded: () => void; onClosed: () => void },
): Promise<SessionTransport> {
  const web = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: () => id, onsessionclosed: () => opts.onEnded() });
  web.onclose = () => opts.onClosed();
  const server = createGatewayServer(gateway, log, { announceListChanged: true });
  await server.connect(web);
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    web.handleRequest(
      new Request(INTERNAL_URL, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
        body: JSON.stringify(body),
      }),
    );
  const init = await post({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: state.protocolVersion, capabilities: {}, clientInfo: { name: 'session-takeover', version: '1' } } });
  await init.text();
  if (!init.ok) {
    await web.close().catch(() => {});
    throw new Error(`replaying the session's initialize failed with HTTP ${init.status}`);
  }
  // Without a protocol version header the transport takes the one negotiated above.
  await (await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, { 'mcp-session-id': id })).text();
  const node = toNodeHandler({ fetch: (request, options) => web.handleRequest(request, options) }, { maxRequestBodySize: opts.maxBodyBytes });
  return {
    handle: (req, res, body) => {
      if (req.method === 'GET') flushHeadersOnWrite(res);
      return node(req, res, body);
    },
    abandon: (requestId) => web.closeSSEStream(requestId),
    close: () => web.close(),
  };
}


/**
 * The adapter writes the head of a standalone stream but nothing more until there is something to
 * announce, and Node holds a head back until the first body byte: the client (and a proxy in front)
 * would wait until the first notification to learn the stream is open. Sent at once, as the SDK's
 * own Node transport does.
 */
function flushHeadersOnWrite(res: ServerResponse): void {
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
  res.writeHead = ((...args: unknown[]) => {
    const r = writeHead(...args);
    res.flushHeaders();
    return r;
  }) as ServerResponse['writeHead'];
}
