/**
 * Typed errors. They are thrown anywhere and mapped once, at the edge, to an HTTP status,
 * a JSON-RPC error or a CLI exit code. Messages name the field and the rule, never a secret.
 */
export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'conflict_error'
  | 'rate_limit_error'
  | 'upstream_error'
  | 'storage_error'
  | 'api_error';

export interface ErrorBody {
  type: ErrorType;
  code: string;
  message: string;
  param?: string;
}

export class GatewayError extends Error {
  readonly type: ErrorType;
  readonly code: string;
  readonly status: number;
  readonly param: string | undefined;

  constructor(opts: { type: ErrorType; code: string; status: number; message: string; param?: string; cause?: unknown }) {
    super(opts.message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.type = opts.type;
    this.code = opts.code;
    this.status = opts.status;
    this.param = opts.param;
  }

  toBody(): ErrorBody {
    return { type: this.type, code: this.code, message: this.message, ...(this.param ? { param: this.param } : {}) };
  }
}

/** A request that breaks a rule: `param` names the field (dotted path), the message the rule. */
export class ValidationError extends GatewayError {
  constructor(message: string, param?: string, code = 'invalid_parameter', status = 400) {
    super({ type: 'invalid_request_error', code, status, message, ...(param ? { param } : {}) });
  }
}

export class NotFoundError extends GatewayError {
  constructor(message: string, param?: string) {
    super({ type: 'not_found_error', code: 'resource_missing', status: 404, message, ...(param ? { param } : {}) });
  }
}

/** Optimistic concurrency: the record changed since the caller read it. */
export class ConflictError extends GatewayError {
  constructor(message: string, code = 'version_conflict', param?: string) {
    super({ type: 'conflict_error', code, status: 409, message, ...(param ? { param } : {}) });
  }
}

export class AuthError extends GatewayError {
  constructor(message: string, code = 'invalid_api_key') {
    super({ type: 'authentication_error', code, status: 401, message });
  }
}

export class ForbiddenError extends GatewayError {
  constructor(message: string, code = 'forbidden') {
    super({ type: 'permission_error', code, status: 403, message });
  }
}

export class PayloadTooLargeError extends GatewayError {
  constructor(limitBytes: number) {
    super({ type: 'invalid_request_error', code: 'payload_too_large', status: 413, message: `request body exceeds the limit of ${limitBytes} bytes` });
  }
}

export class RateLimitedError extends GatewayError {
  readonly retryAfterMs: number;
  constructor(message: string, retryAfterMs: number, code = 'rate_limited') {
    super({ type: 'rate_limit_error', code, status: 429, message });
    this.retryAfterMs = retryAfterMs;
  }
}

/** The data file or the key cannot be read, parsed or opened. Names the file or the record. */
export class StorageError extends GatewayError {
  constructor(message: string, code = 'storage_error', cause?: unknown) {
    super({ type: 'storage_error', code, status: 500, message, cause });
  }
}

/**
 * The database cannot be reached right now (refused, reset, restarted, timed out). Retryable: the
 * edge answers 503 with Retry-After, so a client tries again instead of waiting on a hung request.
 */
export class StorageUnavailableError extends GatewayError {
  readonly retryAfterMs: number;
  constructor(message: string, retryAfterMs = 1000, cause?: unknown) {
    super({ type: 'storage_error', code: 'storage_unavailable', status: 503, message, cause });
    this.retryAfterMs = retryAfterMs;
  }
}

export type UpstreamErrorKind =
  | 'credentials' // 401 (or the service's equivalent): the service refused the token itself
  | 'permission' // 403: the token works, but may not touch this resource
  | 'not_found'
  | 'validation' // 400/422 from the service
  | 'rate_limited'
  | 'server' // 5xx
  | 'network' // reset, refused, DNS
  | 'timeout'
  | 'protocol' // malformed body, wrong content type, too large
  | 'reauthorize'; // refresh grant refused: a person must sign in again

/** Anything that went wrong talking to a connector's service. Never carries a secret. */
export class UpstreamError extends GatewayError {
  readonly kind: UpstreamErrorKind;
  readonly upstreamStatus: number | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(kind: UpstreamErrorKind, message: string, opts: { status?: number; retryAfterMs?: number; cause?: unknown } = {}) {
    super({ type: 'upstream_error', code: `upstream_${kind}`, status: 502, message, cause: opts.cause });
    this.kind = kind;
    this.upstreamStatus = opts.status;
    this.retryAfterMs = opts.retryAfterMs;
  }
}

/**
 * The code (and `error_kind`) of sealed credentials this process cannot open: the key ring lacks
 * the key they were sealed with, or the blob does not authenticate under it. Never "unreachable".
 */
export const CREDENTIALS_UNREADABLE = 'credentials_unreadable';

export function isGatewayError(e: unknown): e is GatewayError {
  return e instanceof GatewayError;
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
