import { Client, InsufficientScopeError, SSEClientTransport, StreamableHTTPClientTransport, ProtocolError, SdkError, SdkHttpError, type Tool, type CallToolResult, type CompleteRequestParams, type CompleteResult, type GetPromptResult, type Prompt, type ReadResourceResult, type Resource, type ResourceTemplateType } from '@modelcontextprotocol/client';
import type { ConnectorOpenContext, ConnectorSession, CallOptions } from '../../src/domain/connector.js';
import { credentialSecret, type Credentials } from '../../src/domain/credentials.js';
import { Scrubber } from '../../src/domain/secret-forms.js';
import { UpstreamError, isGatewayError, errorMessage } from '../../src/domain/errors.js';
import { checkUrlAllowed, isPolicyRefusal } from '../../src/http/network-guard.js';
import { mayRefreshAfter, mcpStatusFailure } from '../../src/http/upstream-errors.js';
import { needsAuthorization } from '../../src/oauth/mcp-auth/needs-authorization.js';
import type { CustomMcpConfig } from './config.js';
import { authHeader, createUpstreamAgent, createUpstreamFetch } from './fetch.js';
import type { RawForwarder } from '../../src/domain/forwarding.js';
import type { Dispatcher } from 'undici';
import { handleListChanged, watchModernLists, type ListWatch } from './list-watch.js';

const CLIENT_INFO = { name: 'mcp-connector-gateway', version: '0.1.0' };
/** A generous default: long-running upstream tools report progress, which resets the clock. */
const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * An MCP client to one remote server, shared by every call of the configuration. Streamable HTTP
 * in either protocol era (version negotiation), falling back to legacy SSE. A 2025-era session is
 * kept open; a 2026-era upstream keeps only its discovery answer between operations.
 */
export class CustomMcpSession implements ConnectorSession {
  private client: Client | undefined;
  private connecting: Promise<Client> | undefined;
  /**
   * A 2026-era upstream is stateless: once its `server/discover` answer is known, the SDK client
   * is released between operations (reconnecting costs no round trip with this answer), and the
   * lean path needs no client at all. Only a 2025-era session is kept open.
   */
  private discovered: { discover: NonNullable<ReturnType<Client['getDiscoverResult']>>; version: string } | undefined;
  private inflight = 0;
  private lastCredentials: Credentials | undefined;
  /** The last 401/403 challenge, for "needs authorization" (MCP authorization spec). */
  private lastChallenge: { status: number; header: string | null } | undefined;
  private readonly agent: Dispatcher;
  private readonly ownsAgent: boolean;
  private readonly url: URL;
  private closed = false;
  /** The `subscriptions/listen` stream of a 2026-era upstream that announces list changes. */
  private watch: ListWatch | undefined;

  private constructor(private readonly ctx: ConnectorOpenContext<CustomMcpConfig>) {
    this.url = checkUrlAllowed(ctx.config.endpoint, ctx.network, 'configuration.endpoint');
    // The gateway's shared pool when it offers one: a thousand configurations must not mean a
    // thousand connection pools. Otherwise (tests opening the connector alone) a pool of our own.
    const shared = ctx.http.streamDispatcher?.(ctx.network);
    this.agent = shared ?? createUpstreamAgent(ctx.network);
    this.ownsAgent = shared === undefined;
  }

  static async open(ctx: ConnectorOpenContext<CustomMcpConfig>): Promise<CustomMcpSession> {
    const s = new CustomMcpSession(ctx);
    try {
      await s.connected(ctx.signal);
    } catch (e) {
      await s.close();
      throw e;
    }
    s.releaseIfStateless();
    return s;
  }

  private get timeoutMs(): number {
    return this.ctx.config.timeout_ms ?? DEFAULT_TIMEOUT_MS;
  }

  private connected(signal: AbortSignal): Promise<Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= this.connect(signal).finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  /** Set once connected over Streamable HTTP (not the legacy SSE fallback): the lean path may use it. */
  private transport: StreamableHTTPClientTransport | undefined;

  forwarder(): RawForwarder | undefined {
    if (this.closed) return undefined;
    const client = this.client;
    let era: 'modern' | 'legacy';
    let version: string;
    let sessionId: string | undefined;
    if (this.discovered) {
      era = 'modern';
      version = this.discovered.version;
    } else {
      const transport = this.transport;
      const negotiated = client?.getNegotiatedProtocolVersion();
      if (!client || !transport || !negotiated) return undefined;
      era = isModernRevision(negotiated) ? 'modern' : 'legacy';
      version = negotiated;
      sessionId = transport.sessionId;
      if (era === 'legacy' && !sessionId) return undefined; // a stateless 2025 server: keep the SDK path
    }
    return {
      era,
      protocolVersion: version,
      url: this.url,
      dispatcher: this.agent,
      headers: async (signal) => {
        const creds = await this.ctx.credentials.get(signal);
        const headers: Record<string, string> = { ...(this.ctx.config.headers ?? {}) };
        if (creds) {
          const [name, value] = authHeader(creds, this.ctx.config);
          headers[name.toLowerCase()] = value;
        }
        if (sessionId) headers['mcp-session-id'] = sessionId;
        return { headers, credentials: creds };
      },
      refresh: async (used, signal) => (await this.ctx.credentials.refresh(used, signal)) !== undefined,
      reset: () => {
        if (era === 'modern') this.discovered = undefined;
        if (this.client === client) void this.reset();
      },
    };
  }

  private async connect(signal: AbortSignal): Promise<Client> {
    const fetch = createUpstreamFetch({
      config: this.ctx.config,
      credentials: this.ctx.credentials,
      network: this.ctx.network,
      dispatcher: this.agent,
      onCredentialsUsed: (c) => (this.lastCredentials = c),
      onChallenge: (status, header) => (this.lastChallenge = { status, header }),
    });
    const streamable = new Client(CLIENT_INFO, { versionNegotiation: { mode: 'auto' } });
    try {
      const transport = new StreamableHTTPClientTransport(this.url, { fetch });
      const prior = this.discovered ? { prior: { kind: 'modern' as const, discover: this.discovered.discover } } : {};
      await streamable.connect(transport, { signal, timeout: Math.min(this.timeoutMs, 30_000), ...prior });
      const adopted = this.adopt(streamable);
      this.transport = transport;
      const version = streamable.getNegotiatedProtocolVersion();
      const discover = streamable.getDiscoverResult();
      if (version && isModernRevision(version) && discover) {
        this.discovered = { discover, version };
        this.watchLists(fetch, discover);
      } else this.listenOn(adopted);
      return adopted;
    } catch (e) {
      await streamable.close().catch(() => {});
      // The upstream may have changed (restarted on another SDK): negotiate afresh next time.
      this.discovered = undefined;
      if (!looksLikeLegacySseServer(e)) throw await this.translate(e, 'connect');
    }
    // A 2024-11-05 server: only the legacy HTTP+SSE transport answers.
    const legacy = new Client(CLIENT_INFO);
    try {
      await legacy.connect(new SSEClientTransport(this.url, { fetch }), { signal, timeout: Math.min(this.timeoutMs, 30_000) });
      return this.listenOn(this.adopt(legacy));
    } catch (e) {
      await legacy.close().catch(() => {});
      throw await this.translate(e, 'connect');
    }
  }

  /** A session-holding upstream announces list changes on its own stream: listen on the client. */
  private listenOn(client: Client): Client {
    const onChanged = this.ctx.onListChanged;
    if (onChanged) handleListChanged(client, onChanged);
    return client;
  }

  /** A stateless (2026-era) upstream announces list changes only on a stream opened for them. */
  private watchLists(fetch: ReturnType<typeof createUpstreamFetch>, discover: NonNullable<ReturnType<Client['getDiscoverResult']>>): void {
    const onChanged = this.ctx.onListChanged;
    if (!onChanged || this.watch || this.closed) return;
    this.watch = watchModernLists({ url: this.url, fetch, discover, clientInfo: CLIENT_INFO, onChanged, log: this.ctx.log });
  }

  private adopt(client: Client): Client {
    if (this.closed) {
      void client.close();
      throw new UpstreamError('network', 'the session was closed while connecting');
    }
    client.onclose = () => {
      if (this.client === client) {
        this.client = undefined;
        this.transport = undefined;
      }
    };
    this.client = client;
    return client;
  }

  async check(signal: AbortSignal): Promise<void> {
    await this.withReauth(signal, (c) => c.listTools(undefined, { signal, timeout: this.timeoutMs }), 'tools/list');
  }

  /** Between operations a 2026-era upstream needs no open client: release it. */
  private releaseIfStateless(): void {
    if (this.inflight > 0 || !this.discovered || !this.client) return;
    const c = this.client;
    this.client = undefined;
    this.transport = undefined;
    void c.close().catch(() => {});
  }

  async listTools(signal: AbortSignal): Promise<Tool[]> {
    const tools = await this.withReauth(signal, async (c) => (await c.listTools(undefined, { signal, timeout: this.timeoutMs })).tools, 'tools/list');
    return this.scrubber().scrubJson(tools);
  }

  async callTool(name: string, args: Record<string, unknown>, opts: CallOptions): Promise<CallToolResult> {
    const result = await this.withReauth(
      opts.signal,
      (c) =>
        c.callTool(
          { name, arguments: args },
          {
            signal: opts.signal,
            timeout: this.timeoutMs,
            resetTimeoutOnProgress: true,
            ...(opts.onProgress ? { onprogress: (p: { progress: number; total?: number; message?: string }) => opts.onProgress?.(p) } : {}),
          },
        ) as Promise<CallToolResult>,
      'tools/call',
    );
    // An upstream that echoes the token it received (in a result or an error) must not hand it to the caller.
    return this.scrubber().scrubJson(result);
  }

  /** Whether the upstream declared `prompts` / `resources` / `completions`: a server without them is not asked. */
  private offers(c: Client, kind: 'prompts' | 'resources' | 'completions'): boolean {
    return c.getServerCapabilities()?.[kind] !== undefined;
  }

  async listPrompts(signal: AbortSignal): Promise<Prompt[]> {
    const prompts = await this.withReauth(signal, async (c) => (this.offers(c, 'prompts') ? (await c.listPrompts(undefined, { signal, timeout: this.timeoutMs, cacheMode: 'refresh' })).prompts : []), 'prompts/list');
    return this.scrubber().scrubJson(prompts);
  }

  async getPrompt(name: string, args: Record<string, string> | undefined, signal: AbortSignal): Promise<GetPromptResult> {
    const result = await this.withReauth(signal, (c) => c.getPrompt({ name, ...(args ? { arguments: args } : {}) }, { signal, timeout: this.timeoutMs }), 'prompts/get');
    return this.scrubber().scrubJson(result);
  }

  async listResources(signal: AbortSignal): Promise<Resource[]> {
    const resources = await this.withReauth(signal, async (c) => (this.offers(c, 'resources') ? (await c.listResources(undefined, { signal, timeout: this.timeoutMs, cacheMode: 'refresh' })).resources : []), 'resources/list');
    return this.scrubber().scrubJson(resources);
  }

  async listResourceTemplates(signal: AbortSignal): Promise<ResourceTemplateType[]> {
    const templates = await this.withReauth(
      signal,
      async (c) => (this.offers(c, 'resources') ? (await c.listResourceTemplates(undefined, { signal, timeout: this.timeoutMs, cacheMode: 'refresh' })).resourceTemplates : []),
      'resources/templates/list',
    );
    return this.scrubber().scrubJson(templates);
  }

  async readResource(uri: string, signal: AbortSignal): Promise<ReadResourceResult> {
    const result = await this.withReauth(signal, (c) => c.readResource({ uri }, { signal, timeout: this.timeoutMs, cacheMode: 'refresh' }), 'resources/read');
    return this.scrubber().scrubJson(result);
  }

  /** A server that offers no completions has none to give: an empty list, as the spec's result allows. */
  async complete(params: CompleteRequestParams, signal: AbortSignal): Promise<CompleteResult> {
    const result = await this.withReauth(signal, async (c) => (this.offers(c, 'completions') ? c.complete(params, { signal, timeout: this.timeoutMs }) : { completion: { values: [] } }), 'completion/complete');
    return this.scrubber().scrubJson(result);
  }

  /** The configuration's own credentials, in every form, as last sent upstream. */
  private scrubber(): Scrubber {
    const c = this.lastCredentials;
    return new Scrubber(c ? [credentialSecret(c), authHeader(c, this.ctx.config)[1]] : []);
  }

  private scrubError(e: Error): Error {
    const s = this.scrubber();
    if (s.empty) return e;
    if (e instanceof ProtocolError) {
      const message = s.scrub(e.message);
      const data = s.scrubJson(e.data);
      return message === e.message && data === e.data ? e : new ProtocolError(e.code, message, data);
    }
    e.message = s.scrub(e.message);
    return e;
  }

  /** One retry after a 401 with OAuth2 credentials that the source could refresh. */
  private async withReauth<T>(signal: AbortSignal, op: (c: Client) => Promise<T>, what: string): Promise<T> {
    this.inflight++;
    try {
      return await this.withReauthInner(signal, op, what);
    } finally {
      this.inflight--;
      this.releaseIfStateless();
    }
  }

  private async withReauthInner<T>(signal: AbortSignal, op: (c: Client) => Promise<T>, what: string): Promise<T> {
    const c = await this.connected(signal);
    try {
      return await op(c);
    } catch (e) {
      const used = this.lastCredentials;
      if (mayRefreshAfter(httpStatus(e), used?.type, 0) && used) {
        const fresh = await this.ctx.credentials.refresh(used, signal);
        if (fresh) {
          await this.reset();
          try {
            return await op(await this.connected(signal));
          } catch (e2) {
            throw this.scrubError(await this.translate(e2, what));
          }
        }
      }
      if (isConnectionLost(e)) await this.reset();
      throw this.scrubError(await this.translate(e, what));
    }
  }

  private async reset(opts: { terminate?: boolean } = {}): Promise<void> {
    const c = this.client;
    const t = this.transport;
    this.client = undefined;
    this.transport = undefined;
    // A 2025-era session the upstream keeps for us is ended with DELETE when the gateway is done
    // with it (shutdown, configuration changed or removed), not left to expire there. Bounded: an
    // upstream that does not answer cannot hold a shutdown.
    if (opts.terminate && t?.sessionId !== undefined) await boundedWait(t.terminateSession(), TERMINATE_WAIT_MS).catch(() => {});
    await c?.close().catch(() => {});
  }

  /** Upstream JSON-RPC errors pass through as they are; everything else becomes a typed, secret-free error. */
  private async translate(e: unknown, what: string): Promise<Error> {
    if (e instanceof ProtocolError) return e;
    if (isGatewayError(e)) return e;
    if (isPolicyRefusal(e)) return e;
    const cause = findCause(e);
    if (cause) return cause;
    const status = httpStatus(e);
    const where = `${this.url.origin}${this.url.pathname}`;
    if (status !== undefined) {
      const challenge = this.lastChallenge?.status === status ? this.lastChallenge.header : undefined;
      const auth = needsAuthorization({ status, challenge, credentialsType: this.lastCredentials?.type, configurationId: this.ctx.configurationId, where, what });
      return auth ?? mcpStatusFailure(status, where, what);
    }
    if (e instanceof SdkError && e.code === 'REQUEST_TIMEOUT') return new UpstreamError('timeout', `the MCP server at ${where} did not answer ${what} within ${this.timeoutMs} ms`);
    const bad = badContent(e);
    if (bad) return new UpstreamError('protocol', `the MCP server at ${where} answered ${what} with ${bad}`);
    return new UpstreamError('network', `could not reach the MCP server at ${where} (${what}): ${shortReason(e)}`);
  }

  async close(): Promise<void> {
    this.closed = true;
    const watch = this.watch;
    this.watch = undefined;
    await watch?.close();
    await this.reset({ terminate: true });
    if (this.ownsAgent) await this.agent.close().catch(() => {});
  }
}

/** How long closing waits for the upstream to answer the DELETE that ends its session. */
const TERMINATE_WAIT_MS = 2_000;

function boundedWait(p: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** 2026-07-28 and later revisions are the stateless, per-request era. */
function isModernRevision(version: string): boolean {
  return version >= '2026-07-28';
}

function httpStatus(e: unknown): number | undefined {
  if (e instanceof SdkHttpError) return e.status;
  // The SDK transport answers a 403 `insufficient_scope` challenge with its own error (step-up).
  if (e instanceof InsufficientScopeError) return 403;
  const code = (e as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' && code >= 400 && code < 600 ? code : undefined;
}

function looksLikeLegacySseServer(e: unknown): boolean {
  const s = httpStatus(e);
  return s === 404 || s === 405 || s === 400;
}

/** A reachable server that answered something that is not MCP: say what, not "could not reach". */
function badContent(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let i = 0; i < 6 && cur instanceof Error; i++) {
    if (cur instanceof SyntaxError) return 'malformed JSON';
    if (cur instanceof SdkError && cur.code === 'CLIENT_HTTP_UNEXPECTED_CONTENT') return `unexpected content (${cur.message.slice(0, 120)})`;
    if (cur instanceof SdkError && cur.code === 'INVALID_RESULT') return 'a result that is not valid MCP';
    cur = cur.cause;
  }
  return undefined;
}

function isConnectionLost(e: unknown): boolean {
  return e instanceof SdkError && (e.code === 'CONNECTION_CLOSED' || e.code === 'SEND_FAILED');
}

/** Our own typed errors (network policy, credential refresh) may arrive wrapped by fetch or the SDK. */
function findCause(e: unknown): Error | undefined {
  let cur: unknown = e;
  for (let i = 0; i < 6 && cur instanceof Error; i++) {
    if (isGatewayError(cur)) return cur;
    cur = cur.cause;
  }
  return undefined;
}

function shortReason(e: unknown): string {
  let cur: unknown = e;
  let msg = errorMessage(e);
  for (let i = 0; i < 4 && cur instanceof Error && cur.cause; i++) {
    cur = cur.cause;
    const code = (cur as { code?: unknown }).code;
    msg = typeof code === 'string' ? `${code}` : errorMessage(cur);
  }
  return msg.length > 200 ? `${msg.slice(0, 200)}…` : msg;
}
