import { Agent, fetch as undiciFetch } from 'undici';
import type { NetworkPolicy } from '../../domain/network.js';
import { UpstreamError, ValidationError } from '../../domain/errors.js';
import { checkUrlAllowed, createGuardedLookup, isPolicyRefusal } from '../../http/network-guard.js';

/** Largest metadata or registration document accepted: they are small JSON objects. */
const MAX_DOCUMENT_BYTES = 256 * 1024;

export interface JsonAnswer {
  status: number;
  /** undefined when the body is not JSON. */
  json: unknown;
  headers: Headers;
}

/**
 * The one way the MCP authorization steps reach the network: every URL (discovered or configured)
 * passes the network policy as written and again at dial time, redirects are not followed (a hop
 * could lead anywhere), answers are bounded in size and time, and JSON is parsed here, once.
 */
export class AuthHttp {
  readonly #dispatcher: Agent;

  constructor(
    readonly policy: NetworkPolicy,
    readonly timeoutMs: number,
  ) {
    // The policy itself, not a copy: a change of the stored settings applies at the next dial.
    this.#dispatcher = new Agent({ connect: { lookup: createGuardedLookup(policy) } });
  }

  /** Throws ValidationError (network_policy) naming `field` when `url` may not be reached. */
  check(url: string, field: string): URL {
    return checkUrlAllowed(url, this.policy, field);
  }

  async getJson(url: string, field: string): Promise<JsonAnswer> {
    return this.#send(url, field, { method: 'GET', headers: { accept: 'application/json' } });
  }

  async postJson(url: string, field: string, body: unknown): Promise<JsonAnswer> {
    return this.#send(url, field, { method: 'POST', headers: { accept: 'application/json', 'content-type': 'application/json' }, body: JSON.stringify(body) });
  }

  async #send(url: string, field: string, init: { method: string; headers: Record<string, string>; body?: string }): Promise<JsonAnswer> {
    const u = this.check(url, field);
    let res;
    try {
      res = await undiciFetch(u, { ...init, dispatcher: this.#dispatcher, redirect: 'manual', signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (e) {
      const cause = e instanceof Error ? e.cause : undefined;
      if (isPolicyRefusal(cause)) throw cause;
      if (isPolicyRefusal(e)) throw e;
      if (e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError')) throw new UpstreamError('timeout', `${field}: ${u.origin}${u.pathname} did not answer within ${this.timeoutMs} ms`);
      throw new UpstreamError('network', `${field}: could not reach ${u.origin}${u.pathname}`);
    }
    const text = await readBounded(res.body, MAX_DOCUMENT_BYTES, field);
    let json: unknown;
    if (/json/i.test(res.headers.get('content-type') ?? '')) {
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
    }
    return { status: res.status, json, headers: res.headers as unknown as Headers };
  }

  /**
   * An unauthenticated MCP request to `url`, for its challenge: a protected server answers 401 with
   * `WWW-Authenticate` (MCP authorization spec, discovery step 1). The body is never read.
   */
  async challengeOf(url: string, field: string): Promise<{ status: number; header: string | null }> {
    const u = this.check(url, field);
    const body = JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'mcp-connector-gateway', version: '1' } } });
    try {
      const res = await undiciFetch(u, {
        method: 'POST',
        headers: { accept: 'application/json, text/event-stream', 'content-type': 'application/json' },
        body,
        dispatcher: this.#dispatcher,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      await res.body?.cancel().catch(() => {});
      return { status: res.status, header: res.headers.get('www-authenticate') };
    } catch (e) {
      const cause = e instanceof Error ? e.cause : undefined;
      if (isPolicyRefusal(cause)) throw cause;
      if (isPolicyRefusal(e)) throw e;
      throw new UpstreamError('network', `${field}: could not reach ${u.origin}${u.pathname}`);
    }
  }

  async close(): Promise<void> {
    await this.#dispatcher.close();
  }
}

async function readBounded(body: AsyncIterable<Uint8Array> | null, max: number, field: string): Promise<string> {
  if (!body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > max) throw new ValidationError(`${field}: the answer is larger than ${max} bytes`, field, 'oauth_metadata_invalid');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
