import type { ServerResponse } from 'node:http';
import { GatewayError, RateLimitedError, StorageUnavailableError, type ErrorBody } from '../domain/errors.js';
import type { Logger } from '../domain/logger.js';
import { sendJson } from './http-io.js';
import { ChallengedAuthError } from './authenticate.js';

/** The one place where errors become HTTP: `{"error": {type, code, message, param}}`. */
export function sendError(res: ServerResponse, e: unknown, log: Logger): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (e instanceof GatewayError && e.status < 500) {
    const headers: Record<string, string> = {};
    if (e.status === 401) headers['WWW-Authenticate'] = e instanceof ChallengedAuthError ? e.challenge : e.code === 'missing_authorization' ? 'Bearer' : 'Bearer error="invalid_token"';
    if (e instanceof RateLimitedError) headers['Retry-After'] = String(Math.max(1, Math.ceil(e.retryAfterMs / 1000)));
    if (e.status === 413) headers.Connection = 'close';
    sendJson(res, e.status, { error: e.toBody() }, headers);
    return;
  }
  if (e instanceof StorageUnavailableError) {
    // Retryable: the database is down or restarting. The message names no database and no secret.
    log.warn({ err_code: e.code, err_message: e.message }, 'request failed: database unavailable');
    sendJson(res, 503, { error: { type: e.type, code: e.code, message: 'the database is unavailable; retry shortly' } satisfies ErrorBody }, { 'Retry-After': String(Math.max(1, Math.ceil(e.retryAfterMs / 1000))) });
    return;
  }
  if (e instanceof GatewayError) {
    // Our own 5xx messages are written secret-free (storage, upstream): log them, answer generically.
    log.error({ err_type: e.type, err_code: e.code, err_message: e.message }, 'request failed');
    sendJson(res, e.status, { error: { type: e.type, code: e.code, message: publicMessage(e) } satisfies ErrorBody });
    return;
  }
  // Foreign errors may quote anything (a header, a body): log where it came from, not what it says.
  log.error({ err_name: e instanceof Error ? e.name : typeof e, stack: stackFrames(e) }, 'unexpected error');
  sendJson(res, 500, { error: { type: 'api_error', code: 'internal_error', message: 'internal error; see the server log' } satisfies ErrorBody });
}

function publicMessage(e: GatewayError): string {
  return e.type === 'upstream_error' ? e.message : 'internal error; see the server log';
}

function stackFrames(e: unknown): string | undefined {
  if (!(e instanceof Error) || !e.stack) return undefined;
  return e.stack
    .split('\n')
    .filter((l) => l.trimStart().startsWith('at '))
    .slice(0, 8)
    .join('\n');
}
