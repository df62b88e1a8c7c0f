import type { IncomingMessage, ServerResponse } from 'node:http';
import { request } from 'undici';
import type { RawForwarder } from '../domain/forwarding.js';
import { credentialSecret } from '../domain/credentials.js';
import { errorMessage, UpstreamError } from '../domain/errors.js';
import { Scrubber } from '../domain/secret-forms.js';
import type { PrincipalGateway } from '../gateway/principal-gateway.js';
import type { Route } from '../gateway/tool-table.js';
import type { CallVerdict } from '../gateway/call-pipeline.js';
import { mayRefreshAfter, mcpStatusFailure } from '../http/upstream-errors.js';
import { needsAuthorization } from '../oauth/mcp-auth/needs-authorization.js';
import { isObject, PROTOCOL_VERSION_META, rewriteResponse, upstreamParams, type Era, type JsonObject } from './era-translation.js';
import { exchange } from '../http/exchange.js';
import { leanEra } from './lean-headers.js';
import { endJson, endUnanswered, readErrorAnswer, relayJson, relayStream, streamFailure, writeSynthetic, type Relayed } from './relay.js';

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
    if (!route || route.mirrorsHeaders || route.authorize) return false;
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
    const meta = call.params._meta;
    return leanEra(req, session, { method: 'tools/call', name: call.name, claimed: isObject(meta) ? meta[PROTOCOL_VERSION_META] : undefined });
  }

  private async forward(req: IncomingMessage, res: ServerResponse, call: ToolCall, gateway: PrincipalGateway, route: Route, fw: RawForwarder, era: Era, session: string | undefined): Promise<boolean> {
    const started = performance.now();
    const link = route.link;
    const pipeline = link.pipeline;
    const finish = (verdict: CallVerdict) => {
      pipeline.settle(verdict);
      gateway.reportCall(route, call.name, performance.now() - started, verdict);
    };
    const admitted = pipeline.admit();
    if (!admitted.allowed) {
      writeSynthetic(res, era, call.id, link.refusalText(admitted.reason));
      gateway.reportCall(route, call.name, performance.now() - started, { kind: 'failed', failure: 'circuit_open', reason: admitted.reason });
      return true;
    }
    const upstreamEra = fw.era;
    // A 2025-era upstream session is shared by every client: ids must not collide there.
    const upstreamId = upstreamEra === 'legacy' ? `cgw-${++this.seq}` : call.id;
    const payload = JSON.stringify({ ...call.message, id: upstreamId, params: upstreamParams(call.params, route.upstreamName, era, upstreamEra) });
    const translate = (m: JsonObject) => rewriteResponse(m, call.id, era, upstreamEra);
    const where = `${fw.url.origin}${fw.url.pathname}`;

    const scope = pipeline.begin(link.callTimeoutMs());
    const onClientGone = () => {
      if (res.writableFinished) return;
      scope.cancel();
      // A 2026-era client cancels by closing its request. Cutting ours tells a 2026-era upstream
      // the same, but a 2025-era upstream keeps working on the request in its session: it must
      // hear notifications/cancelled for its own id.
      if (upstreamEra === 'legacy') void this.cancelUpstream(fw, upstreamId);
    };
    res.once('close', onClientGone);
    const key = session !== undefined ? `${session}\u0000${JSON.stringify(call.id)}` : undefined;
    if (key) {
      this.legacyInflight.set(key, {
        abort: () => {
          scope.cancel();
          void this.cancelUpstream(fw, upstreamId);
        },
      });
    }

    try {
      for (let attempt = 0; ; attempt++) {
        const { headers, credentials } = await fw.headers(scope.signal);
        const upstream = await exchange(fw.dispatcher, {
          url: fw.url,
          method: 'POST',
          headers: {
            ...headers,
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            'mcp-protocol-version': fw.protocolVersion,
            ...(upstreamEra === 'modern' ? { 'mcp-method': 'tools/call', 'mcp-name': route.upstreamName } : {}),
          },
          body: payload,
          signal: scope.signal,
        });
        const status = upstream.status;
        if (mayRefreshAfter(status, credentials?.type, attempt) && credentials && (await fw.refresh(credentials, scope.signal))) {
          await upstream.body.dump();
          continue;
        }
        if (status === 404 && upstreamEra === 'legacy') {
          // The upstream forgot its session (restarted): reconnect through the SDK path, which replays nothing yet sent.
          await upstream.body.dump();
          fw.reset();
          pipeline.handOver();
          return false;
        }
        // What the upstream sends back never carries the configuration's own credentials to the caller.
        const scrubber = new Scrubber(credentials ? [credentialSecret(credentials)] : []);
        const scrub = scrubber.empty ? (text: string) => text : (text: string) => scrubber.scrub(text);
        if (status !== 200) {
          // A 2026-era upstream answers some JSON-RPC errors with 400 (a capability the request
          // lacks, an envelope it refuses): that is its answer to this request, relayed as it said it.
          const answer = status === 400 && upstreamEra === 'modern' ? await readErrorAnswer(upstream, upstreamId) : undefined;
          if (answer) {
            const out = translate(answer);
            const code = isObject(out.error) ? out.error.code : undefined;
            endJson(res, scrub(JSON.stringify(out)), era === 'modern' && code === MISSING_CAPABILITY ? 400 : 200);
            finish({ kind: 'rejected' });
            return true;
          }
          await upstream.body.dump();
          const challenge = upstream.headers['www-authenticate'];
          const failure =
            needsAuthorization({ status, challenge: typeof challenge === 'string' ? challenge : undefined, credentialsType: credentials?.type, configurationId: route.link.id, where, what: 'tools/call' }) ??
            mcpStatusFailure(status, where, 'tools/call');
          if (failure.kind === 'reauthorize') {
            // Needs a person: the SDK path may ask the client to open the connect page and call again
            // (src/mcp/authorize-in-chat.ts). The upstream refused this request, so nothing ran twice.
            pipeline.handOver();
            return false;
          }
          writeSynthetic(res, era, call.id, link.failureText(failure.message));
          finish({ kind: 'failed', failure: failure.kind, reason: failure.message });
          return true;
        }
        const type = String(upstream.headers['content-type'] ?? '');
        const whereText = `the MCP server at ${where}`;
        const relayed = type.startsWith('text/event-stream')
          ? await relayStream(res, upstream.body, upstreamId, translate, (text) => streamFailure(res, era, call.id, link.failureText(text)), whereText, scrub)
          : await relayJson(res, upstream, era, call.id, upstreamId, translate, (text) => link.failureText(text), whereText, scrub, (raw) => !scrubber.empty && scrubber.occursIn(raw));
        finish(verdictOfRelay(relayed));
        return true;
      }
    } catch (e) {
      if (scope.cancelled) {
        finish({ kind: 'cancelled' });
        endUnanswered(res);
        return true;
      }
      if (e instanceof UpstreamError && e.kind === 'reauthorize' && !res.headersSent) {
        // A refresh that only a person can fix (refused grant, forgotten client): the SDK path may
        // ask the client to connect again from the chat. Nothing reached the upstream with it.
        pipeline.handOver();
        return false;
      }
      const refused = (e as { code?: unknown }).code === 'ECONNREFUSED' || causeCode(e) === 'ECONNREFUSED';
      if (refused && !res.headersSent) {
        // Nothing reached the upstream: the SDK path reconnects (or reports) without risk of a double call.
        fw.reset();
        pipeline.handOver();
        return false;
      }
      const failure = scope.timedOut ? 'timeout' : 'network';
      const reason = scope.timedOut ? scope.deadlineReason() : `could not reach the MCP server at ${where}: ${errorMessage(e)}`;
      if (!res.headersSent) writeSynthetic(res, era, call.id, link.failureText(reason));
      else streamFailure(res, era, call.id, link.failureText(reason));
      finish({ kind: 'failed', failure, reason });
      return true;
    } finally {
      scope.end();
      res.off('close', onClientGone);
      if (key) this.legacyInflight.delete(key);
    }
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

function causeCode(e: unknown): unknown {
  let cur: unknown = e;
  for (let i = 0; i < 4 && cur instanceof Error; i++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    cur = cur.cause;
  }
  return undefined;
}

/** The SDK answers this code with HTTP 400 whatever its origin (2026 era): so does the lean path. */
const MISSING_CAPABILITY = -32021;

/** What a relayed answer says about the call: a JSON-RPC error answering it is the caller's, not the upstream's, problem. */
function verdictOfRelay(relayed: Relayed): CallVerdict {
  switch (relayed.outcome) {
    case 'success':
      return { kind: 'answered', toolError: false };
    case 'tool_error':
      return { kind: 'answered', toolError: true };
    case 'error':
      return { kind: 'rejected' };
    case 'protocol':
      return { kind: 'failed', failure: 'protocol', reason: relayed.reason };
  }
}
