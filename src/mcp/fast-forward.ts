import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { request, type Dispatcher } from 'undici';
import { readLimited } from '../http/body.js';
import type { RawForwarder } from '../domain/forwarding.js';
import { errorMessage } from '../domain/errors.js';
import type { PrincipalGateway } from '../gateway/principal-gateway.js';
import type { Route } from '../gateway/tool-table.js';
import type { ToolCallOutcome } from '../gateway/types.js';
import { SERVER_INFO } from './server-factory.js';
import { SseParser } from './sse.js';

/** The revision the SDK serves in the stateless era; the lean path handles exactly it. */
const MODERN_REVISION = '2026-07-28';
const ENVELOPE_PREFIX = 'io.modelcontextprotocol/';
const SERVER_INFO_META = 'io.modelcontextprotocol/serverInfo';
const PROTOCOL_VERSION_META = 'io.modelcontextprotocol/protocolVersion';
const CLIENT_INFO_META = 'io.modelcontextprotocol/clientInfo';
const CLIENT_CAPABILITIES_META = 'io.modelcontextprotocol/clientCapabilities';
/** How the gateway introduces itself when it speaks for a 2025-era client to a 2026-era upstream. */
const GATEWAY_CLIENT_INFO = { name: SERVER_INFO.name, version: SERVER_INFO.version };

type Era = 'modern' | 'legacy';
type Relayed = { outcome: 'success' | 'tool_error' | 'error' } | { outcome: 'protocol'; reason: string };

/** Largest single message relayed from an upstream (the SDK path applies the same bound). */
export const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;
type JsonObject = Record<string, unknown>;

interface ToolCall {
  message: JsonObject;
  id: string | number;
  params: JsonObject;
  name: string;
}

/** A well-formed `tools/call` request, or undefined (anything unusual is left to the SDK). */
export function asToolCall(body: unknown): ToolCall | undefined {
  if (!isObject(body)) return undefined;
  if (body.jsonrpc !== '2.0' || body.method !== 'tools/call') return undefined;
  const id = body.id;
  if (typeof id !== 'string' && typeof id !== 'number') return undefined;
  const params = body.params;
  if (!isObject(params) || typeof params.name !== 'string') return undefined;
  if (params.arguments !== undefined && !isObject(params.arguments)) return undefined;
  return { message: body, id, params, name: params.name };
}

interface Inflight {
  abort(): void;
}

/**
 * The lean call path. The gateway's own work on `tools/call` is to route by name and to rewrite
 * the name (and, for 2025-era sessions, the JSON-RPC id): this does exactly that over the upstream
 * connection pool the connector holds, instead of decoding, validating and re-encoding the message
 * twice through an SDK server and an SDK client. It only serves calls whose client and upstream
 * speak the same protocol era; everything else — and anything it is unsure of — goes to the SDK
 * path, which stays the reference behaviour.
 */
export class FastForwarder {
  private seq = 0;
  /** Calls this path served (tests and metrics read it). */
  served = 0;
  /** 2025-era calls in flight, by session and client request id, so notifications/cancelled reach them. */
  private readonly legacyInflight = new Map<string, Inflight>();

  /**
   * Serves the call and returns true, or returns false without touching the response when the
   * call is not for this path (the caller then uses the SDK path with the same parsed body).
   */
  async tryForward(req: IncomingMessage, res: ServerResponse, call: ToolCall, gateway: PrincipalGateway, session: string | undefined): Promise<boolean> {
    const era = this.clientEra(req, call, session);
    if (!era) return false;
    const route = gateway.route(call.name);
    if (!route || route.mirrorsHeaders) return false;
    const fw = route.link.forwarder();
    if (!fw) return false;
    const handled = await this.forward(req, res, call, gateway, route, fw, era, session);
    if (handled) this.served++;
    return handled;
  }

  /** A 2025-era client cancelling a call this path is serving. True when it was one of ours. */
  cancel(session: string, requestId: unknown): boolean {
    const key = `${session}\u0000${JSON.stringify(requestId)}`;
    const inflight = this.legacyInflight.get(key);
    if (!inflight) return false;
    inflight.abort();
    return true;
  }

  private clientEra(req: IncomingMessage, call: ToolCall, session: string | undefined): Era | undefined {
    const header = headerValue(req, 'mcp-protocol-version');
    if (session !== undefined) return header === undefined || header < MODERN_REVISION ? 'legacy' : undefined;
    const meta = call.params._meta;
    const claimed = isObject(meta) ? meta[PROTOCOL_VERSION_META] : undefined;
    if (claimed !== MODERN_REVISION || header !== MODERN_REVISION) return undefined;
    // Header/body mismatches have their own error in the SDK: leave them to it.
    const method = headerValue(req, 'mcp-method');
    const name = headerValue(req, 'mcp-name');
    if ((method !== undefined && method !== 'tools/call') || (name !== undefined && name !== call.name)) return undefined;
    return 'modern';
  }

  private async forward(req: IncomingMessage, res: ServerResponse, call: ToolCall, gateway: PrincipalGateway, route: Route, fw: RawForwarder, era: Era, session: string | undefined): Promise<boolean> {
    const started = performance.now();
    const link = route.link;
    const upstreamEra = fw.era;
    // A 2025-era upstream session is shared by every client: ids must not collide there.
    const upstreamId = upstreamEra === 'legacy' ? `cgw-${++this.seq}` : call.id;
    const payload = JSON.stringify({ ...call.message, id: upstreamId, params: upstreamParams(call.params, route.upstreamName, era, upstreamEra) });
    const translate = (m: JsonObject) => rewriteResponse(m, call.id, era, upstreamEra);

    const controller = new AbortController();
    const timeoutMs = link.callTimeoutMs();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    let cancelled = false;
    const onClientGone = () => {
      if (!res.writableFinished) {
        cancelled = true;
        controller.abort();
      }
    };
    res.once('close', onClientGone);
    const key = session !== undefined ? `${session}\u0000${JSON.stringify(call.id)}` : undefined;
    if (key) {
      this.legacyInflight.set(key, {
        abort: () => {
          cancelled = true;
          controller.abort();
          void this.cancelUpstream(fw, upstreamId);
        },
      });
    }

    const report = (outcome: ToolCallOutcome, failure?: string, reason?: string) => {
      link.recordForwarded(outcome === 'cancelled' ? undefined : failure, reason);
      gateway.reportCall(route, call.name, performance.now() - started, outcome, failure);
    };

    try {
      for (let attempt = 0; ; attempt++) {
        const { headers, credentials } = await fw.headers(controller.signal);
        const upstream = await request(fw.url, {
          method: 'POST',
          headers: {
            ...headers,
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            'mcp-protocol-version': fw.protocolVersion,
            ...(upstreamEra === 'modern' ? { 'mcp-method': 'tools/call', 'mcp-name': route.upstreamName } : {}),
          },
          body: payload,
          dispatcher: fw.dispatcher,
          signal: controller.signal,
        });
        const status = upstream.statusCode;
        if (status === 401 && attempt === 0 && credentials?.type === 'oauth2' && (await fw.refresh(credentials, controller.signal))) {
          await upstream.body.dump();
          continue;
        }
        if (status === 404 && upstreamEra === 'legacy') {
          // The upstream forgot its session (restarted): reconnect through the SDK path, which replays nothing yet sent.
          await upstream.body.dump();
          fw.reset();
          return false;
        }
        if (status !== 200) {
          await upstream.body.dump();
          const kind = status === 401 || status === 403 ? 'credentials' : status === 429 ? 'rate_limited' : status >= 500 ? 'server' : 'protocol';
          const reason = `the MCP server at ${fw.url.origin}${fw.url.pathname} answered ${status} to tools/call${kind === 'credentials' ? ": check the configuration's credentials" : ''}`;
          this.writeSynthetic(res, era, call.id, link.failureText(reason));
          report('upstream_error', kind, reason);
          return true;
        }
        const type = String(upstream.headers['content-type'] ?? '');
        const where = `the MCP server at ${fw.url.origin}${fw.url.pathname}`;
        const relayed = type.startsWith('text/event-stream')
          ? await this.relayStream(res, upstream.body, upstreamId, translate, (text) => this.streamFailure(res, era, call.id, link.failureText(text)), where)
          : await this.relayJson(res, upstream, era, call.id, upstreamId, translate, (text) => link.failureText(text), where);
        if (relayed.outcome === 'protocol') report('upstream_error', 'protocol', relayed.reason);
        else if (relayed.outcome === 'error') report('upstream_error', 'protocol');
        else report(relayed.outcome);
        return true;
      }
    } catch (e) {
      if (cancelled) {
        report('cancelled');
        if (!res.headersSent && !res.destroyed) this.writeSynthetic(res, era, call.id, 'Request cancelled');
        else if (!res.writableEnded) res.end();
        return true;
      }
      const refused = (e as { code?: unknown }).code === 'ECONNREFUSED' || causeCode(e) === 'ECONNREFUSED';
      if (refused && !res.headersSent) {
        // Nothing reached the upstream: the SDK path reconnects (or reports) without risk of a double call.
        fw.reset();
        return false;
      }
      const kind = timedOut ? 'timeout' : 'network';
      const reason = timedOut ? `the call did not finish within ${timeoutMs} ms` : `could not reach the MCP server at ${fw.url.origin}${fw.url.pathname}: ${errorMessage(e)}`;
      if (!res.headersSent) this.writeSynthetic(res, era, call.id, link.failureText(reason));
      else this.streamFailure(res, era, call.id, link.failureText(reason));
      report('upstream_error', kind, reason);
      return true;
    } finally {
      clearTimeout(timer);
      res.off('close', onClientGone);
      if (key) this.legacyInflight.delete(key);
    }
  }

  /** A single JSON response: restore the client's id (2025 era) and put our own server identity in `_meta`. */
  private async relayJson(
    res: ServerResponse,
    upstream: Dispatcher.ResponseData,
    era: Era,
    clientId: string | number,
    upstreamId: string | number,
    translate: (m: JsonObject) => JsonObject,
    failureText: (reason: string) => string,
    where: string,
  ): Promise<Relayed> {
    const refuse = (reason: string): Relayed => {
      this.writeSynthetic(res, era, clientId, failureText(reason));
      return { outcome: 'protocol', reason };
    };
    const type = String(upstream.headers['content-type'] ?? '');
    if (!/^application\/json\b/i.test(type)) {
      await upstream.body.dump();
      return refuse(`${where} answered tools/call with content type ${JSON.stringify(type.slice(0, 60) || 'none')} instead of JSON`);
    }
    const length = upstream.headers['content-length'];
    const read = await readLimited(upstream.body, MAX_MESSAGE_BYTES, typeof length === 'string' ? length : undefined);
    if (!read.ok) return refuse(`${where} answered tools/call with a message larger than the ${MAX_MESSAGE_BYTES}-byte limit`);
    let message: unknown;
    try {
      message = JSON.parse(read.bytes.toString('utf8'));
    } catch {
      return refuse(`${where} answered tools/call with malformed JSON`);
    }
    if (!isObject(message) || message.id !== upstreamId || (!isObject(message.result) && !isObject(message.error))) {
      return refuse(`${where} answered tools/call with something that is not its JSON-RPC response`);
    }
    const out = translate(message);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(out));
    return { outcome: outcomeOf(out) };
  }

  /**
   * An SSE response (progress before the result): relay event by event, rewriting only the final
   * response. An event over the size limit, or a stream that ends without the response, still ends
   * with a result for the caller: an isError naming the configuration.
   */
  private async relayStream(
    res: ServerResponse,
    body: Readable,
    upstreamId: string | number,
    translate: (m: JsonObject) => JsonObject,
    fail: (reason: string) => void,
    where: string,
  ): Promise<Relayed> {
    // Like the SDK's 'auto' response mode: the stream is opened only when something precedes the
    // response (progress); a response that comes first goes back as plain JSON, cheaper to read.
    const openStream = () => {
      if (!res.headersSent) res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    };
    const parser = new SseParser(MAX_MESSAGE_BYTES);
    let answered: Relayed | undefined;
    let linger: NodeJS.Timeout | undefined;
    try {
      for await (const chunk of body) {
        // After the response the upstream closes the stream; reading to its end (instead of
        // destroying it) keeps the pooled connection alive. One that lingers is cut after 5 s.
        if (answered) continue;
        let events;
        try {
          events = parser.push((chunk as Buffer).toString('utf8'));
        } catch {
          body.destroy();
          const reason = `${where} sent an event larger than the ${MAX_MESSAGE_BYTES}-byte limit`;
          fail(reason);
          return { outcome: 'protocol', reason };
        }
        for (const event of events) {
          if (answered || event.data === '') continue; // priming events carry nothing for the client
          let message: unknown;
          try {
            message = JSON.parse(event.data);
          } catch {
            continue;
          }
          if (isObject(message) && message.id === upstreamId && (isObject(message.result) || isObject(message.error))) {
            const out = translate(message);
            if (res.headersSent) res.end(`event: message\ndata: ${JSON.stringify(out)}\n\n`);
            else {
              res.writeHead(200, { 'content-type': 'application/json' });
              res.end(JSON.stringify(out));
            }
            answered = { outcome: outcomeOf(out) };
            linger = setTimeout(() => body.destroy(), 5_000);
          } else {
            openStream();
            res.write(`event: message\ndata: ${event.data}\n\n`);
          }
        }
      }
    } catch (e) {
      if (!answered) throw e;
    } finally {
      clearTimeout(linger);
    }
    if (answered) return answered;
    const reason = `${where} closed the stream without answering tools/call`;
    fail(reason);
    return { outcome: 'protocol', reason };
  }

  /** Ends the response (a started SSE stream, or plain JSON if none started) with an isError result. */
  private streamFailure(res: ServerResponse, era: Era, id: string | number, text: string): void {
    if (res.writableEnded || res.destroyed) return;
    if (!res.headersSent) {
      this.writeSynthetic(res, era, id, text);
      return;
    }
    const result: JsonObject = { content: [{ type: 'text', text }], isError: true };
    if (era === 'modern') {
      result.resultType = 'complete';
      result._meta = { [SERVER_INFO_META]: SERVER_INFO };
    }
    res.end(`event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', id, result })}\n\n`);
  }

  private writeSynthetic(res: ServerResponse, era: Era, id: string | number, text: string): void {
    if (res.headersSent || res.destroyed) return;
    const result: JsonObject = { content: [{ type: 'text', text }], isError: true };
    if (era === 'modern') {
      result.resultType = 'complete';
      result._meta = { [SERVER_INFO_META]: SERVER_INFO };
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ jsonrpc: '2.0', id, result }));
  }

  private async cancelUpstream(fw: RawForwarder, upstreamId: string | number): Promise<void> {
    try {
      const { headers } = await fw.headers(AbortSignal.timeout(5_000));
      const r = await request(fw.url, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': fw.protocolVersion },
        body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: upstreamId, reason: 'cancelled by the client' } }),
        dispatcher: fw.dispatcher,
        signal: AbortSignal.timeout(5_000),
      });
      await r.body.dump();
    } catch {
      // best effort: the upstream may be gone already
    }
  }
}

/** The params sent upstream: the upstream's tool name, and the per-request envelope of the upstream's era. */
function upstreamParams(params: JsonObject, upstreamName: string, clientEra: Era, upstreamEra: Era): JsonObject {
  const out: JsonObject = { ...params, name: upstreamName };
  if (clientEra === upstreamEra) return out;
  const meta: JsonObject = {};
  if (isObject(params._meta)) for (const [k, v] of Object.entries(params._meta)) if (!k.startsWith(ENVELOPE_PREFIX)) meta[k] = v;
  if (upstreamEra === 'modern') {
    meta[PROTOCOL_VERSION_META] = MODERN_REVISION;
    meta[CLIENT_INFO_META] = GATEWAY_CLIENT_INFO;
    meta[CLIENT_CAPABILITIES_META] = {};
  }
  if (Object.keys(meta).length > 0) out._meta = meta;
  else delete out._meta;
  return out;
}

/** The upstream's response as the client's era expects it, with the client's id and our identity. */
function rewriteResponse(message: JsonObject, clientId: string | number, clientEra: Era, upstreamEra: Era): JsonObject {
  const out: JsonObject = { ...message, id: clientId };
  if (!isObject(message.result)) return out;
  const result: JsonObject = { ...message.result };
  const meta: JsonObject = isObject(result._meta) ? { ...result._meta } : {};
  if (clientEra === 'modern') {
    meta[SERVER_INFO_META] = SERVER_INFO;
    result._meta = meta;
    if (upstreamEra === 'legacy') result.resultType = 'complete';
  } else if (upstreamEra === 'modern') {
    if (result.resultType !== undefined && result.resultType !== 'complete') {
      // Multi-round-trip input (2026 only): a 2025-era client cannot be asked through this path.
      return { ...out, result: { content: [{ type: 'text', text: 'The upstream tool asked for interactive input, which the gateway cannot relay to this client' }], isError: true } };
    }
    delete result.resultType;
    delete result.ttlMs;
    delete result.cacheScope;
    delete meta[SERVER_INFO_META];
    if (Object.keys(meta).length > 0) result._meta = meta;
    else delete result._meta;
    // The 2025 wire requires an object: the SDK's codec wraps other values the same way.
    if (result.structuredContent !== undefined && !isObject(result.structuredContent)) result.structuredContent = { result: result.structuredContent };
  }
  out.result = result;
  return out;
}

function outcomeOf(message: JsonObject): 'success' | 'tool_error' | 'error' {
  if (isObject(message.error)) return 'error';
  return isObject(message.result) && message.result.isError === true ? 'tool_error' : 'success';
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function causeCode(e: unknown): unknown {
  let cur: unknown = e;
  for (let i = 0; i < 4 && cur instanceof Error; i++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    cur = cur.cause;
  }
  return undefined;
}
