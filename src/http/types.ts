import type { Credentials, CredentialSource } from '../domain/credentials.js';
import type { NetworkPolicy } from '../domain/network.js';
import type { Dispatcher } from 'undici';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type QueryValue = string | number | boolean | undefined | null | readonly (string | number)[];

export interface HttpRequest {
  method: HttpMethod;
  /** A path joined to the client's base URL, or an absolute URL (pagination links) on the same origin. */
  path: string;
  query?: Record<string, QueryValue>;
  headers?: Record<string, string>;
  /** Sent as JSON with `Content-Type: application/json`. */
  json?: unknown;
  /**
   * Parse the body as JSON (default), return it as text (diffs, HTML errors), or as the bytes
   * received (raw file contents, which may be binary).
   */
  responseType?: 'json' | 'text' | 'bytes';
  signal?: AbortSignal;
  /** Whole-request deadline in ms (default from the client). */
  timeoutMs?: number;
  /** Largest response body accepted, in bytes (default from the client). */
  maxBytes?: number;
  /** Retry on 429/5xx/network errors. Default: true for GET/HEAD, false otherwise. */
  retry?: boolean;
}

export interface HttpResponse<T = unknown> {
  status: number;
  headers: Record<string, string>;
  data: T;
  url: string;
}

/** One HTTP client bound to a base URL. Throws `UpstreamError` for every failure (status >= 400 included). */
export interface HttpClient {
  request<T = unknown>(req: HttpRequest): Promise<HttpResponse<T>>;
}

export interface HttpClientOptions {
  baseUrl: string;
  /** Headers sent with every request (Accept, API version…). */
  headers?: Record<string, string>;
  /**
   * Applied per request with freshly obtained credentials: the only place a secret meets a header.
   * When the service answers 401 to OAuth2 credentials, the client asks the source to refresh once
   * and retries once.
   */
  auth?: { source: CredentialSource; apply: (credentials: Credentials) => Record<string, string> };
  network: NetworkPolicy;
  timeoutMs?: number;
  maxBytes?: number;
  /** Service name used in error messages ("GitHub answered 404 …"). */
  serviceName: string;
}

/** Shared by every connector so keep-alive pools are per origin, not per configuration. */
export interface HttpClientFactory {
  create(opts: HttpClientOptions): HttpClient;
  /**
   * The shared pool for connectors that speak another protocol over HTTP (MCP): same address
   * checks at dial time, no body timeout (event streams idle). Optional for test doubles.
   */
  streamDispatcher?(network: NetworkPolicy): Dispatcher;
}
