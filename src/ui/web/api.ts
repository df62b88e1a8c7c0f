/**
 * The page's only way to the server: the REST API, with the session cookie (sent by the browser)
 * and the session's CSRF token on every change. A 401 hands control to the sign-in screen without
 * unmounting what the user typed.
 */
export interface ApiErrorBody {
  type: string;
  code: string;
  message: string;
  param?: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody,
  ) {
    super(body.message);
  }
  get param(): string | undefined {
    return this.body.param;
  }
  get code(): string {
    return this.body.code;
  }
}

export interface SessionInfo {
  object: 'session';
  organization_id: string;
  user_id?: string;
  api_key_id?: string;
  via: string;
  csrf_token: string;
  expires_at: string;
}

export interface Result<T> {
  data: T;
  etag?: string;
}

let csrfToken = '';
let onUnauthorized: (e: ApiError) => void = () => {};

export function setCsrfToken(t: string): void {
  csrfToken = t;
}

export function setUnauthorizedHandler(h: (e: ApiError) => void): void {
  onUnauthorized = h;
}

export async function request<T>(method: string, path: string, opts: { body?: unknown; ifMatch?: string; quiet401?: boolean } = {}): Promise<Result<T>> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD') headers['x-csrf-token'] = csrfToken;
  if (opts.ifMatch !== undefined) headers['if-match'] = opts.ifMatch;
  let res: Response;
  try {
    res = await fetch(path, { method, headers, credentials: 'same-origin', ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}) });
  } catch {
    throw new ApiError(0, { type: 'network_error', code: 'network_error', message: 'The gateway did not answer. Is it still running?' });
  }
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const body = (json as { error?: ApiErrorBody } | undefined)?.error ?? { type: 'api_error', code: 'http_' + res.status, message: `The gateway answered ${res.status}.` };
    const err = new ApiError(res.status, body);
    if (res.status === 401 && !opts.quiet401) onUnauthorized(err);
    throw err;
  }
  const etag = res.headers.get('etag');
  return { data: json as T, ...(etag ? { etag } : {}) };
}

export const get = <T>(path: string) => request<T>('GET', path);

export interface ListOf<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
}

export interface Configuration {
  id: string;
  name: string;
  personal_connector_id: string;
  configuration: Record<string, unknown>;
  enabled: boolean;
  health_status: 'healthy' | 'unhealthy' | 'unknown';
  last_sync_at?: string;
  last_error?: string;
  description?: string;
  metadata?: Record<string, string>;
  created_at: string;
  updated_at: string;
  /** Its tools are `<tool_prefix>_<tool>`; '' keeps the upstream's names. */
  tool_prefix?: string;
}

export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  items?: JsonSchema;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  format?: string;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  additionalProperties?: boolean | JsonSchema;
}

export interface Connector {
  id: string;
  name: string;
  description?: string;
  auth_methods: string[];
  credentials_required: boolean;
  /** An account can be connected with OAuth on this server (an OAuth client is set up, or a remote MCP server announces one). */
  oauth_connect?: boolean;
  configuration_schema: JsonSchema;
}

export const CONFIGS = '/v1/personal_connectors/configurations';
