import { createParser } from 'eventsource-parser';
import { Agent, fetch as undiciFetch, type Dispatcher, type RequestInit as UndiciRequestInit } from 'undici';
import type { Credentials, CredentialSource } from '../../src/domain/credentials.js';
import type { NetworkPolicy } from '../../src/domain/network.js';
import { checkUrlAllowed, createGuardedLookup } from '../../src/http/network-guard.js';
import type { CustomMcpConfig } from './config.js';
import { UpstreamError } from '../../src/domain/errors.js';

export type FetchLike = (url: string | URL, init?: RequestInit) => Promise<Response>;

/**
 * The fetch the upstream MCP client uses: every request is checked against the network policy
 * (the URL here, the resolved address at dial time), carries the configuration's own headers, and
 * gets fresh credentials per request so a refreshed token is picked up without reconnecting.
 * The caller's own token never reaches this code: only the configuration's credentials do.
 */
export function createUpstreamFetch(opts: {
  config: CustomMcpConfig;
  credentials: CredentialSource;
  network: NetworkPolicy;
  dispatcher: Dispatcher;
  /** Records which credentials the last request used, for the 401 → refresh decision. */
  onCredentialsUsed?: (c: Credentials | undefined) => void;
  /** The `WWW-Authenticate` of the last 401/403 (MCP authorization: where to authorize, which scope). */
  onChallenge?: (status: number, header: string | null) => void;
  maxMessageBytes?: number;
}): FetchLike {
  const { config, credentials, network, dispatcher } = opts;
  return async (url, init) => {
    checkUrlAllowed(url, network, 'configuration.endpoint');
    const headers = new Headers(init?.headers);
    for (const [k, v] of Object.entries(config.headers ?? {})) headers.set(k, v);
    const creds = await credentials.get(init?.signal ?? undefined);
    opts.onCredentialsUsed?.(creds);
    if (creds) {
      const [name, value] = authHeader(creds, config);
      headers.set(name, value);
    }
    // Redirects are not followed blindly: each hop must pass the policy again.
    // The SDK hands us a DOM RequestInit; undici's own fetch takes the same fields plus a dispatcher.
    const undiciInit = { ...(init as unknown as UndiciRequestInit), headers: Object.fromEntries(headers), dispatcher, redirect: 'manual' as const };
    const response = (await undiciFetch(url, undiciInit)) as unknown as Response;
    if (response.status === 401 || response.status === 403) opts.onChallenge?.(response.status, response.headers.get('www-authenticate'));
    return boundedResponse(response, opts.maxMessageBytes ?? MAX_UPSTREAM_MESSAGE_BYTES);
  };
}

/** Largest JSON body, or single SSE event, accepted from an upstream MCP server. */
export const MAX_UPSTREAM_MESSAGE_BYTES = 10 * 1024 * 1024;

/**
 * The SDK reads bodies whole (`response.json()`), so a huge answer would be buffered entirely.
 * This refuses a declared oversize at once and errors the stream as soon as a JSON body, or one
 * SSE event, passes the bound: memory stays bounded whatever the upstream sends.
 */
export function boundedResponse(response: Response, maxBytes: number): Response {
  const tooLarge = () => new UpstreamError('protocol', `the MCP server answered with a message larger than the ${maxBytes}-byte limit`);
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    void response.body?.cancel().catch(() => {});
    throw tooLarge();
  }
  if (!response.body) return response;
  const sse = (response.headers.get('content-type') ?? '').startsWith('text/event-stream');
  const guard = sse ? eventGuard(maxBytes, tooLarge) : bodyGuard(maxBytes, tooLarge);
  return new Response(response.body.pipeThrough(guard), { status: response.status, statusText: response.statusText, headers: response.headers });
}

function bodyGuard(maxBytes: number, tooLarge: () => Error): TransformStream<Uint8Array, Uint8Array> {
  let count = 0;
  return new TransformStream({
    transform(chunk, controller) {
      count += chunk.length;
      if (count > maxBytes) controller.error(tooLarge());
      else controller.enqueue(chunk);
    },
  });
}

/** For SSE the bound is per event: the framing is eventsource-parser's, whose buffer bound this is. */
function eventGuard(maxBytes: number, tooLarge: () => Error): TransformStream<Uint8Array, Uint8Array> {
  const decoder = new TextDecoder();
  let over = false;
  const parser = createParser({
    maxBufferSize: maxBytes,
    onEvent: (e) => {
      if (e.data.length > maxBytes) over = true;
    },
    onError: (e) => {
      if (e.type === 'max-buffer-size-exceeded') over = true;
    },
  });
  return new TransformStream({
    transform(chunk, controller) {
      parser.feed(decoder.decode(chunk, { stream: true }));
      if (over) controller.error(tooLarge());
      else controller.enqueue(chunk);
    },
  });
}

export function authHeader(c: Credentials, config: CustomMcpConfig): [string, string] {
  switch (c.type) {
    case 'bearer':
      return ['Authorization', `Bearer ${c.token}`];
    case 'oauth2':
      return ['Authorization', `Bearer ${c.access_token}`];
    case 'api_key': {
      const header = config.api_key_header ?? 'Authorization';
      return [header, header.toLowerCase() === 'authorization' ? `Bearer ${c.api_key}` : c.api_key];
    }
  }
}

export function createUpstreamAgent(network: NetworkPolicy): Agent {
  return new Agent({
    connect: { lookup: createGuardedLookup(network), timeout: 10_000 },
    keepAliveTimeout: 30_000,
    connections: 64,
  });
}
