import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createMcpHandler, isLegacyRequest, isInitializeRequest, type McpHttpHandler } from '@modelcontextprotocol/server';
import { NodeStreamableHTTPServerTransport, toNodeHandler, toWebRequest } from '@modelcontextprotocol/node';
import type { Logger } from '../domain/logger.js';
import { AuthError } from '../domain/errors.js';
import { ownerKey, ownerOf, type Principal } from '../domain/principal.js';
import type { Gateway } from '../gateway/gateway.js';
import { createGatewayServer } from './server-factory.js';
import type { ChatAuthorizer } from './authorize-in-chat.js';
import { readJsonBody, writeJsonRpcError } from './http-body.js';
import { asToolCall, FastForwarder } from './fast-forward.js';
import { tryLeanList } from './lean-list.js';
import { MODERN_REVISION, PROTOCOL_VERSION_META } from './era-translation.js';
import type { SessionIds } from './session-id.js';
import { takeOverSession, type SessionTransport } from './session-takeover.js';
import { OpenResponses } from './open-responses.js';

interface LegacySession {
  transport: SessionTransport;
  owner: string;
  /** The API key that opened (or, here, took over) the session: its revocation ends the session. */
  apiKeyId: string | undefined;
  lastSeen: number;
  /** Ids of requests that came in a batch (recent ones): their stream is shared, see abandon(). */
  batched?: Set<string | number>;
}

/** How many batched request ids a session remembers. */
const MAX_BATCHED_IDS = 1_000;

function noteBatched(session: LegacySession, body: unknown[]): void {
  const ids = body.flatMap((m) => (typeof m === 'object' && m !== null && 'method' in m && 'id' in m && (typeof m.id === 'string' || typeof m.id === 'number') ? [m.id] : []));
  if (ids.length < 2) return;
  const batched = (session.batched ??= new Set());
  for (const id of ids) batched.add(id);
  while (batched.size > MAX_BATCHED_IDS) batched.delete(batched.values().next().value!);
}

export interface McpHttpEndpointOptions {
  maxBodyBytes: number;
  /** Idle 2025-era sessions are closed after this long. */
  sessionIdleMs?: number;
  /** Bound on open 2025-era sessions per principal (oldest idle closed first). */
  maxSessionsPerPrincipal?: number;
  /** Serve same-era tools/call through the lean forwarding path (default true). */
  leanCalls?: boolean;
  /** Connecting from inside the chat when a call needs authorization (URL-mode elicitation). */
  authorizer?: ChatAuthorizer;
  /**
   * Sealed session ids (see session-id.ts): a session opened on one replica is taken over by any
   * other it reaches. Without them ids are random and a session lives on its replica only.
   */
  sessionIds?: SessionIds;
}

/**
 * `/mcp` for both protocol eras. 2026-07-28 requests go to a per-principal `createMcpHandler`
 * (stateless; its bus carries list_changed to that principal's `subscriptions/listen` streams only).
 * 2025-era clients get a real session (initialize, standalone GET stream for list_changed), bound
 * to the principal that opened it: another principal presenting the session id gets 404.
 */
export class McpHttpEndpoint {
  private readonly modern = new Map<string, { handler: McpHttpHandler; node: ReturnType<typeof toNodeHandler>; unsubscribe: () => void }>();
  private readonly sessions = new Map<string, LegacySession>();
  private readonly takeovers = new Map<string, Promise<LegacySession | undefined>>();
  /** Sessions their client ended here (DELETE): not taken over again by this replica. Bounded, oldest dropped. */
  private readonly ended = new Set<string>();
  /** Responses still open, by API key; and keys revoked while this process ran (bounded, oldest dropped). */
  private readonly responses = new OpenResponses();
  private readonly revoked = new Set<string>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly fast = new FastForwarder();
  /** Per principal: the 2026-era serialization of its current tool table. */
  private readonly modernTools = new Map<string, { raw: string; json: string }>();

  constructor(
    private readonly gateway: Gateway,
    private readonly log: Logger,
    private readonly opts: McpHttpEndpointOptions,
  ) {
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
  }

  get openSessions(): number {
    return this.sessions.size;
  }

  /** tools/call requests served by the lean forwarding path so far. */
  get leanCallsServed(): number {
    return this.fast.served;
  }

  /**
   * `charge(n)` counts a request of `n` calls against the principal's /mcp rate limit (the request
   * itself was counted before its body was read): a JSON-RPC batch costs one per message in it, so a
   * batch cannot carry more calls than the limit allows. It throws RateLimitedError (429) before anything runs.
   */
  async handle(req: IncomingMessage, res: ServerResponse, principal: Principal, charge?: (n: number) => void | Promise<void>): Promise<void> {
    const owner = ownerOf(principal);
    const key = ownerKey(owner);
    const apiKeyId = principal.api_key_id;
    if (apiKeyId !== undefined) {
      // Authenticated just before the revocation arrived: refused here rather than left open.
      if (this.revoked.has(apiKeyId)) throw new AuthError('this API key has been revoked', 'api_key_revoked');
      this.responses.track(apiKeyId, res);
    }
    let body: unknown;
    if (req.method === 'POST') {
      const read = await readJsonBody(req, res, this.opts.maxBodyBytes);
      if (!read.ok) return;
      body = read.value;
      if (Array.isArray(body) && body.length > 1) await charge?.(body.length);
    }

    const sessionId = header(req, 'mcp-session-id');
    if (sessionId !== undefined) {
      const session = this.sessions.get(sessionId) ?? (await this.takeOver(sessionId, key, principal));
      // Unknown and foreign sessions look the same: no way to probe for another principal's ids.
      if (!session || session.owner !== key) {
        writeJsonRpcError(res, 404, -32001, 'Session not found');
        return;
      }
      session.lastSeen = Date.now();
      if (body !== undefined && (await this.tryLean(req, res, body, principal, sessionId))) return;
      if (Array.isArray(body)) noteBatched(session, body);
      await session.transport.handle(req, res, body);
      if (isCancellation(body)) this.abandon(session, body.params.requestId);
      return;
    }
    if (body !== undefined && (await this.tryLean(req, res, body, principal, undefined))) return;

    const legacy = req.method !== 'POST' || (await isLegacyRequest(await toWebRequest(req, body), body, { maxRequestBodySize: this.opts.maxBodyBytes }));
    if (legacy) {
      await this.handleLegacyWithoutSession(req, res, body, key, principal);
      return;
    }
    await this.modernFor(key, principal).node(req, res, body);
  }

  /** tools/call and tools/list through the lean path, and 2025-era cancellations of calls it serves. */
  private async tryLean(req: IncomingMessage, res: ServerResponse, body: unknown, principal: Principal, session: string | undefined): Promise<boolean> {
    if (this.opts.leanCalls === false) return false;
    const call = asToolCall(body);
    if (call) return this.fast.tryForward(req, res, call, this.gateway.forOwner(ownerOf(principal)), session);
    if (await tryLeanList(req, res, body, (era) => this.toolsJson(principal, era), session)) return true;
    if (session !== undefined && isCancellation(body) && this.fast.cancel(session, body.params.requestId)) {
      res.writeHead(202).end();
      return true;
    }
    return false;
  }

  /**
   * A request the client cancelled is never answered (MCP cancellation), so its response stream is
   * ended empty. A request that shared its POST with others (a batch) keeps the stream for their
   * answers: the SDK transport ends a stream only once all of its requests are answered, so such a
   * stream stays open (a documented limit; 2025-11-25 has no batches).
   */
  private abandon(session: LegacySession, requestId: unknown): void {
    if (typeof requestId !== 'string' && typeof requestId !== 'number') return;
    if (session.batched?.has(requestId)) return;
    session.transport.abandon(requestId);
  }

  /**
   * The principal's tools as JSON for an era. 2025: the table as built. 2026: what the SDK's own
   * 2026 encoder makes of it, computed once per table change through the principal's handler.
   */
  private async toolsJson(principal: Principal, era: 'modern' | 'legacy'): Promise<string> {
    const gw = this.gateway.forOwner(ownerOf(principal));
    const raw = await gw.toolsJson();
    if (era === 'legacy') return raw;
    const key = ownerKey(ownerOf(principal));
    const cached = this.modernTools.get(key);
    if (cached?.raw === raw) return cached.json;
    const response = await this.modernFor(key, principal).handler.fetch(
      new Request('http://gateway.internal/mcp', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': MODERN_REVISION, 'mcp-method': 'tools/list' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'tools/list', params: { _meta: ENCODER_ENVELOPE } }),
      }),
    );
    const decoded = (await response.json()) as { result?: { tools?: unknown } };
    const json = JSON.stringify(decoded.result?.tools ?? []);
    this.modernTools.set(key, { raw, json });
    return json;
  }

  private async handleLegacyWithoutSession(req: IncomingMessage, res: ServerResponse, body: unknown, key: string, principal: Principal): Promise<void> {
    if (req.method !== 'POST') {
      writeJsonRpcError(res, 400, -32000, 'Bad Request: Mcp-Session-Id header is required');
      return;
    }
    if (!isInitializeRequest(body)) {
      writeJsonRpcError(res, 400, -32000, 'Bad Request: no valid session: send initialize first (or use protocol revision 2026-07-28)');
      return;
    }
    this.evictFor(key);
    const ids = this.opts.sessionIds;
    const protocolVersion = body.params.protocolVersion;
    const transport = new NodeStreamableHTTPServerTransport({
      sessionIdGenerator: () => (ids ? ids.issue(key, { protocolVersion }) : randomUUID()),
      onsessioninitialized: (id) => {
        this.sessions.set(id, {
          transport: { handle: (q, r, b) => transport.handleRequest(q, r, b), abandon: (requestId) => transport.closeSSEStream(requestId), close: () => transport.close() },
          owner: key,
          apiKeyId: principal.api_key_id,
          lastSeen: Date.now(),
        });
      },
      onsessionclosed: (id) => {
        this.sessions.delete(id);
        this.noteEnded(id);
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) this.sessions.delete(transport.sessionId);
    };
    const server = createGatewayServer(this.gateway.forOwner(ownerOf(principal)), this.log, { announceListChanged: true, authorization: this.authorization(principal) });
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  }

  /**
   * A session this replica does not hold: when its sealed id opens for this principal, another
   * replica opened it (or this one, before a restart), and it is rebuilt here. Concurrent requests
   * on one unknown id share one takeover.
   */
  private takeOver(id: string, key: string, principal: Principal): Promise<LegacySession | undefined> {
    const state = this.ended.has(id) ? undefined : this.opts.sessionIds?.open(id, key);
    if (!state) return Promise.resolve(undefined);
    let pending = this.takeovers.get(id);
    if (!pending) {
      this.evictFor(key);
      pending = takeOverSession(id, state, this.gateway.forOwner(ownerOf(principal)), this.log, {
        maxBodyBytes: this.opts.maxBodyBytes,
        onEnded: () => this.noteEnded(id),
        onClosed: () => this.sessions.delete(id),
      })
        .then((transport) => {
          const session: LegacySession = { transport, owner: key, apiKeyId: principal.api_key_id, lastSeen: Date.now() };
          this.sessions.set(id, session);
          this.log.debug({}, 'took over a session opened on another replica');
          return session;
        })
        .catch((e: unknown) => {
          this.log.warn({ err: e instanceof Error ? e.message : String(e) }, 'could not take over a session');
          return undefined;
        })
        .finally(() => this.takeovers.delete(id));
      this.takeovers.set(id, pending);
    }
    return pending;
  }

  private modernFor(key: string, principal: Principal) {
    let entry = this.modern.get(key);
    if (!entry) {
      const gw = this.gateway.forOwner(ownerOf(principal));
      const handler = createMcpHandler(() => createGatewayServer(gw, this.log, { announceListChanged: false, authorization: this.authorization(principal) }), {
        legacy: 'reject',
        maxRequestBodySize: this.opts.maxBodyBytes,
        onerror: (e) => this.log.debug({ err: e.message }, 'mcp request rejected'),
      });
      const off = [
        gw.onToolsChanged(() => handler.notify.toolsChanged()),
        gw.onCatalogChanged('resources', () => handler.notify.resourcesChanged()),
        gw.onCatalogChanged('prompts', () => handler.notify.promptsChanged()),
      ];
      const unsubscribe = () => {
        for (const u of off) u();
      };
      entry = { handler, node: toNodeHandler(handler), unsubscribe };
      this.modern.set(key, entry);
    }
    return entry;
  }

  private authorization(principal: Principal) {
    return this.opts.authorizer ? { principal, authorizer: this.opts.authorizer } : undefined;
  }

  private noteEnded(id: string): void {
    this.sessions.delete(id);
    this.ended.add(id);
    if (this.ended.size > 10_000) this.ended.delete(this.ended.values().next().value!);
  }

  /**
   * An API key was revoked (here or in another process): the 2025-era sessions it opened here end,
   * as does every response still open for it (standalone streams, SSE answers, 2026-era listen
   * streams), and it is refused from now on even if a request authenticated before the news.
   */
  async endKey(apiKeyId: string): Promise<{ sessions: number; responses: number }> {
    this.revoked.add(apiKeyId);
    if (this.revoked.size > 10_000) this.revoked.delete(this.revoked.values().next().value!);
    const mine = [...this.sessions.entries()].filter(([, s]) => s.apiKeyId === apiKeyId);
    for (const [id] of mine) this.noteEnded(id);
    await Promise.all(mine.map(([, s]) => s.transport.close().catch(() => {})));
    const responses = this.responses.end(apiKeyId);
    if (mine.length + responses > 0) this.log.info({ api_key_id: apiKeyId, sessions: mine.length, streams: responses }, 'closed the MCP sessions and streams of a revoked API key');
    return { sessions: mine.length, responses };
  }

  /** The API keys behind the sessions and responses open here. */
  keysInUse(): string[] {
    const keys = new Set(this.responses.keys());
    for (const s of this.sessions.values()) if (s.apiKeyId !== undefined) keys.add(s.apiKeyId);
    return [...keys];
  }

  /** Keeps one principal from exhausting memory with sessions it never closes. */
  private evictFor(key: string): void {
    const max = this.opts.maxSessionsPerPrincipal ?? 100;
    const mine = [...this.sessions.entries()].filter(([, s]) => s.owner === key).sort((a, b) => a[1].lastSeen - b[1].lastSeen);
    for (const [id, s] of mine.slice(0, Math.max(0, mine.length - max + 1))) {
      this.sessions.delete(id);
      void s.transport.close().catch(() => {});
    }
  }

  private sweep(): void {
    const idle = this.opts.sessionIdleMs ?? 30 * 60_000;
    const now = Date.now();
    for (const [id, s] of this.sessions) {
      if (now - s.lastSeen > idle) {
        this.sessions.delete(id);
        void s.transport.close().catch(() => {});
      }
    }
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(sessions.map((s) => s.transport.close().catch(() => {})));
    for (const m of this.modern.values()) {
      m.unsubscribe();
      await m.handler.close().catch(() => {});
    }
    this.modern.clear();
  }
}

const ENCODER_ENVELOPE = {
  [PROTOCOL_VERSION_META]: MODERN_REVISION,
  'io.modelcontextprotocol/clientInfo': { name: 'mcp-connector-gateway-encoder', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

function isCancellation(body: unknown): body is { params: { requestId: unknown } } {
  if (typeof body !== 'object' || body === null) return false;
  const m = body as { method?: unknown; params?: unknown };
  return m.method === 'notifications/cancelled' && typeof m.params === 'object' && m.params !== null && 'requestId' in m.params;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
