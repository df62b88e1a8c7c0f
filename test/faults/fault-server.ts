/**
 * A loopback HTTP server that misbehaves on demand, for the fault suite. Each route has its own
 * path prefix (`/r<n>`), so one server serves every fault of a file at once and tests run in
 * parallel; a route's fault can be changed while it is in use (circuit breaker tests).
 *
 * Two kinds of route:
 * - raw: every request under the prefix gets the fault (built-in connectors' `api_base_url`);
 *   with no fault armed it answers the route's `ok` JSON.
 * - mcp: a real SDK MCP server at `<prefix>/mcp` whose `tools/call` answers (scope `call`) or
 *   whose every request (scope `all`, so discovery fails) are replaced by the fault.
 */
import { type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer } from '../helpers/test-server.js';
import { once } from 'node:events';
import type { AddressInfo, Socket } from 'node:net';
import { Server as McpServer, createMcpHandler } from '@modelcontextprotocol/server';
import { toNodeHandler } from '@modelcontextprotocol/node';

export const FAULTS = [
  'timeout', // accepts the request and never answers
  'reset', // destroys the connection with a TCP reset
  'status_500', // 500 with a JSON error body
  'html_502', // 502 with a proxy's HTML page
  'rate_limited_retry_after', // 429 with Retry-After: 120
  'rate_limited', // 429 without Retry-After
  'malformed_json', // 200, application/json, a body that is not JSON
  'wrong_content_type', // 200, text/html (a sign-in page)
  'slow_body', // 200, headers at once, then one byte every 100 ms forever
  'huge_body', // 200, 50 MB of JSON-typed bytes, chunked, produced lazily
  'huge_body_declared', // the same with Content-Length: 52428800
  'die_mid_stream', // 200, Content-Length 2048, 1024 bytes, then the connection is destroyed
  'unauthorized', // 401: the credentials are refused
] as const;

/** Faults only an MCP upstream can commit: a `tools/call` answered as an SSE stream that goes wrong. */
export const SSE_FAULTS = [
  'sse_stall', // 200, text/event-stream, a priming event, then silence
  'sse_die_mid_event', // 200, text/event-stream, half an event, then the connection is destroyed
] as const;
export const MCP_FAULTS = [...FAULTS, ...SSE_FAULTS] as const;
export type Fault = (typeof MCP_FAULTS)[number];
export type HttpFault = (typeof FAULTS)[number];

export const HUGE_BODY_BYTES = 50 * 1024 * 1024;
const TRICKLE_MS = 100;
/** One reused chunk: producing 50 MB costs the server no memory of its own. */
const CHUNK = Buffer.alloc(64 * 1024, 0x20);
const HTML_502 = '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>';
const SIGN_IN_PAGE = '<!doctype html><html><head><title>Sign in to continue</title></head><body><form method="post"><input name="user"></form></body></html>';

export interface RouteOptions {
  /** The fault to apply; `null` for a healthy answer. */
  fault: Fault | null;
  /** Serve MCP at `<url>/mcp`, faulting `tools/call` only or every request. */
  mcp?: 'call' | 'all';
  /** A raw route's healthy answer (200 JSON). */
  ok?: unknown;
}

export interface FaultRoute {
  /** Raw: the base URL (`http://127.0.0.1:<port>/r<n>`). MCP: the endpoint (`…/r<n>/mcp`). */
  readonly url: string;
  /** Requests that received the fault. */
  readonly faulted: number;
  /** Requests that got a healthy answer (MCP traffic passed through, or a raw `ok`). */
  readonly passed: number;
  /** `tools/call` requests seen on an MCP route (faulted or not). */
  readonly toolCalls: number;
  set(fault: Fault | null): void;
}

interface RouteState {
  fault: Fault | null;
  mcp: 'call' | 'all' | undefined;
  ok: unknown;
  faulted: number;
  passed: number;
  toolCalls: number;
  inflight: number;
  url: string;
}

export interface FaultServer {
  origin: string;
  route(opts: RouteOptions): FaultRoute;
  /** Connections open right now, idle keep-alive ones included. */
  readonly openSockets: number;
  /** Exchanges not yet finished or torn down: a call given up by the gateway must not leave one behind. */
  readonly inflight: number;
  /** Which routes (by URL and fault) still hold exchanges open, for failure messages. */
  hanging(): string[];
  /** Bytes of huge bodies actually written to sockets (how much the client let through). */
  readonly hugeBytesSent: number;
  close(): Promise<void>;
}

export async function startFaultServer(): Promise<FaultServer> {
  const routes = new Map<string, RouteState>();
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let hugeBytesSent = 0;
  let inflight = 0;
  let next = 0;

  const mcpHandler = createMcpHandler(() => {
    const server = new McpServer({ name: 'fault-upstream', version: '1.0.0' }, { capabilities: { tools: {} } });
    server.setRequestHandler('tools/list', async () => ({
      tools: [{ name: 'probe', description: 'Answers ok unless the route is faulted', inputSchema: { type: 'object' as const } }],
    }));
    server.setRequestHandler('tools/call', async (req) => ({ content: [{ type: 'text' as const, text: `probe ok: ${req.params.name}` }] }));
    return server;
  });
  const mcpNode = toNodeHandler(mcpHandler);

  const applyFault = (fault: Fault, req: IncomingMessage, res: ServerResponse): void => {
    switch (fault) {
      case 'timeout':
        return; // the socket stays open until the client gives up or the server closes
      case 'reset':
        req.socket.resetAndDestroy();
        return;
      case 'status_500':
        sendJson(res, 500, { message: 'Internal failure injected by the fault server' });
        return;
      case 'html_502':
        res.writeHead(502, { 'content-type': 'text/html; charset=utf-8' }).end(HTML_502);
        return;
      case 'rate_limited_retry_after':
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '120' }).end(JSON.stringify({ message: 'API rate limit exceeded' }));
        return;
      case 'rate_limited':
        sendJson(res, 429, { message: 'API rate limit exceeded' });
        return;
      case 'malformed_json':
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"jsonrpc":"2.0","result":{"login":"octo", "id": ');
        return;
      case 'wrong_content_type':
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(SIGN_IN_PAGE);
        return;
      case 'slow_body': {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{');
        const t = setInterval(() => res.write(' '), TRICKLE_MS);
        timers.add(t);
        res.on('close', () => {
          clearInterval(t);
          timers.delete(t);
        });
        return;
      }
      case 'huge_body':
      case 'huge_body_declared':
        streamHuge(res, fault === 'huge_body_declared', (n) => (hugeBytesSent += n));
        return;
      case 'die_mid_stream':
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '2048' });
        res.write(`{"data":"${'x'.repeat(1014)}`, () => req.socket.destroy());
        return;
      case 'unauthorized':
        sendJson(res, 401, { message: 'Bad credentials' });
        return;
      case 'sse_stall':
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.write('id: 0\ndata: \n\n');
        return;
      case 'sse_die_mid_event':
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.write('event: message\ndata: {"jsonrpc":"2.0","id":', () => req.socket.destroy());
        return;
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const m = /^\/(r\d+)(\/.*)?$/.exec(new URL(req.url ?? '/', 'http://x').pathname);
    const state = m?.[1] ? routes.get(m[1]) : undefined;
    if (!state) {
      sendJson(res, 404, { message: 'no such fault route' });
      return;
    }
    if (!state.mcp) {
      if (state.fault) {
        state.faulted++;
        applyFault(state.fault, req, res);
      } else {
        state.passed++;
        sendJson(res, 200, state.ok ?? {});
      }
      return;
    }
    if (state.mcp === 'all' && state.fault) {
      req.resume();
      state.faulted++;
      applyFault(state.fault, req, res);
      return;
    }
    const body = req.method === 'POST' ? await readJson(req) : undefined;
    const isCall = carriesToolCall(body);
    if (isCall) state.toolCalls++;
    if (isCall && state.fault) {
      state.faulted++;
      applyFault(state.fault, req, res);
      return;
    }
    state.passed++;
    await mcpNode(req, res, body);
  };

  const server: Server = createServer((req, res) => {
    inflight++;
    const state = routes.get(/^\/(r\d+)/.exec(req.url ?? '')?.[1] ?? '');
    if (state) state.inflight++;
    res.once('close', () => {
      inflight--;
      if (state) state.inflight--;
    });
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    origin,
    get openSockets() {
      return sockets.size;
    },
    get inflight() {
      return inflight;
    },
    hanging() {
      return [...routes.values()].filter((r) => r.inflight > 0).map((r) => `${r.url} (${r.fault ?? 'ok'}${r.mcp ? `, mcp ${r.mcp}` : ''}): ${r.inflight}`);
    },
    get hugeBytesSent() {
      return hugeBytesSent;
    },
    route(opts: RouteOptions): FaultRoute {
      const id = `r${++next}`;
      const url = `${origin}/${id}${opts.mcp ? '/mcp' : ''}`;
      const state: RouteState = { fault: opts.fault, mcp: opts.mcp, ok: opts.ok, faulted: 0, passed: 0, toolCalls: 0, inflight: 0, url };
      routes.set(id, state);
      return {
        url,
        get faulted() {
          return state.faulted;
        },
        get passed() {
          return state.passed;
        },
        get toolCalls() {
          return state.toolCalls;
        },
        set(fault) {
          state.fault = fault;
        },
      };
    },
    async close() {
      for (const t of timers) clearInterval(t);
      timers.clear();
      await mcpHandler.close();
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** Writes 50 MB only as fast as the client reads it, and stops as soon as the client hangs up. */
function streamHuge(res: ServerResponse, declareLength: boolean, onSent: (n: number) => void): void {
  res.writeHead(200, { 'content-type': 'application/json', ...(declareLength ? { 'content-length': String(HUGE_BODY_BYTES) } : {}) });
  let left = HUGE_BODY_BYTES;
  const pump = (): void => {
    while (left > 0 && !res.destroyed) {
      const n = Math.min(left, CHUNK.length);
      left -= n;
      onSent(n);
      const more = res.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n));
      if (!more) {
        res.once('drain', pump);
        return;
      }
    }
    if (left === 0 && !res.destroyed) res.end();
  };
  pump();
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function carriesToolCall(body: unknown): boolean {
  const messages = Array.isArray(body) ? (body as unknown[]) : [body];
  return messages.some((m) => typeof m === 'object' && m !== null && (m as { method?: unknown }).method === 'tools/call');
}
