/**
 * MCP over plain fetch, for what the SDK client hides: which replica answered (nginx's X-Served-By),
 * the session id, and when a standalone stream is open (its response headers have arrived).
 */
export const LEGACY_VERSION = '2025-11-25';
export const MODERN_VERSION = '2026-07-28';

export interface RawAnswer {
  status: number;
  servedBy: string;
  sessionId: string | undefined;
  /** Every JSON-RPC message in the body (one for JSON, any number for SSE). */
  messages: Record<string, unknown>[];
  text: string;
}

function parseMessages(contentType: string, text: string): Record<string, unknown>[] {
  if (!contentType.includes('text/event-stream')) {
    try {
      const v = JSON.parse(text) as unknown;
      return Array.isArray(v) ? (v as Record<string, unknown>[]) : [v as Record<string, unknown>];
    } catch {
      return [];
    }
  }
  return sseData(text);
}

function sseData(text: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('data:')) continue;
    const data = line.slice(5).trim();
    if (data) out.push(JSON.parse(data) as Record<string, unknown>);
  }
  return out;
}

export async function post(url: string, bearer: string, body: unknown, headers: Record<string, string> = {}): Promise<RawAnswer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    servedBy: res.headers.get('x-served-by') ?? '',
    sessionId: res.headers.get('mcp-session-id') ?? undefined,
    messages: parseMessages(res.headers.get('content-type') ?? '', text),
    text,
  };
}

/** A 2025-era session driven by hand: every request is a separate HTTP exchange, so behind nginx each may land on another replica. */
export class LegacySession {
  #next = 1;
  private constructor(
    readonly url: string,
    readonly bearer: string,
    readonly id: string,
    readonly openedOn: string,
  ) {}

  static async open(url: string, bearer: string): Promise<LegacySession> {
    const init = await post(url, bearer, { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: LEGACY_VERSION, capabilities: {}, clientInfo: { name: 'replica-test', version: '1' } } });
    if (init.status !== 200 || !init.sessionId) throw new Error(`initialize: HTTP ${init.status} ${init.text}`);
    const session = new LegacySession(url, bearer, init.sessionId, init.servedBy);
    const ack = await session.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    if (ack.status !== 202) throw new Error(`notifications/initialized: HTTP ${ack.status} ${ack.text}`);
    return session;
  }

  /** The same session, its requests sent to `url` (another replica, or the load balancer). */
  via(url: string): LegacySession {
    return new LegacySession(url, this.bearer, this.id, this.openedOn);
  }

  send(body: unknown, as: { bearer?: string; id?: string } = {}): Promise<RawAnswer> {
    return post(this.url, as.bearer ?? this.bearer, body, { 'mcp-session-id': as.id ?? this.id, 'mcp-protocol-version': LEGACY_VERSION });
  }

  /** Ends the session (DELETE) through whichever replica this view's URL reaches. */
  async end(): Promise<{ status: number; servedBy: string }> {
    const res = await fetch(this.url, { method: 'DELETE', headers: { authorization: `Bearer ${this.bearer}`, 'mcp-session-id': this.id, 'mcp-protocol-version': LEGACY_VERSION } });
    await res.text();
    return { status: res.status, servedBy: res.headers.get('x-served-by') ?? '' };
  }

  /** The status of a tools/list on this session: 200 while it lives, 404 once ended or unknown. */
  async listStatus(): Promise<number> {
    return (await this.send({ jsonrpc: '2.0', id: this.#next++, method: 'tools/list', params: {} })).status;
  }

  /** A request's result (throws on an error answer), and the replica that served it. */
  async request(method: string, params: Record<string, unknown> = {}): Promise<{ result: Record<string, unknown>; servedBy: string }> {
    const a = await this.send({ jsonrpc: '2.0', id: this.#next++, method, params });
    const answer = a.messages.find((m) => 'result' in m || 'error' in m);
    if (a.status !== 200 || !answer || !('result' in answer)) throw new Error(`${method}: HTTP ${a.status} ${a.text}`);
    return { result: answer.result as Record<string, unknown>, servedBy: a.servedBy };
  }

  async toolNames(): Promise<string[]> {
    const { result } = await this.request('tools/list');
    return (result.tools as { name: string }[]).map((t) => t.name).sort();
  }

  /** Opens the standalone GET stream; resolves once the server has it (its headers arrived). */
  async listen(): Promise<Listener> {
    const abort = new AbortController();
    const res = await fetch(this.url, {
      headers: { authorization: `Bearer ${this.bearer}`, accept: 'text/event-stream', 'mcp-session-id': this.id, 'mcp-protocol-version': LEGACY_VERSION },
      signal: abort.signal,
    });
    if (res.status !== 200 || !res.body) throw new Error(`GET stream: HTTP ${res.status} ${await res.text()}`);
    const listener: Listener = { servedBy: res.headers.get('x-served-by') ?? '', messages: [], close: () => abort.abort() };
    void (async () => {
      const decoder = new TextDecoder();
      let buffered = '';
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          buffered += decoder.decode(chunk, { stream: true });
          const events = buffered.split('\n\n');
          buffered = events.pop() ?? '';
          for (const e of events) listener.messages.push(...sseData(e));
        }
      } catch {
        // aborted by close(), or the replica went away
      }
    })();
    return listener;
  }
}

export interface Listener {
  servedBy: string;
  messages: Record<string, unknown>[];
  close(): void;
}

export const listChangedCount = (l: Listener) => l.messages.filter((m) => m.method === 'notifications/tools/list_changed').length;

/** A 2026-era request: no session, everything it needs in the request itself. */
export function modernPost(url: string, bearer: string, method: string, params: Record<string, unknown> = {}): Promise<RawAnswer> {
  return post(
    url,
    bearer,
    {
      jsonrpc: '2.0',
      id: 1,
      method,
      params: {
        ...params,
        _meta: {
          'io.modelcontextprotocol/protocolVersion': MODERN_VERSION,
          'io.modelcontextprotocol/clientInfo': { name: 'replica-test', version: '1' },
          'io.modelcontextprotocol/clientCapabilities': {},
        },
      },
    },
    { 'mcp-protocol-version': MODERN_VERSION, 'mcp-method': method, ...(typeof params.name === 'string' ? { 'mcp-name': params.name } : {}) },
  );
}
