import { STATUS_CODES } from 'node:http';
import { UpstreamError, type UpstreamErrorKind } from '../domain/errors.js';
import { Scrubber } from '../domain/secret-forms.js';
import { isPolicyRefusal } from './network-guard.js';

const MAX_SERVICE_MESSAGE = 300;

/** What a failure message needs to say where it happened, without anything secret. */
export interface RequestLabel {
  service: string;
  method: string;
  /** Redacted path and query (see `redactedPath`). */
  path: string;
  host: string;
}

/** Removes every form of every known secret (token, header values) from a text that came from elsewhere. */
export function scrub(text: string, secrets: readonly string[]): string {
  return new Scrubber(secrets).scrub(text);
}

function shorten(text: string, max = MAX_SERVICE_MESSAGE): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v : undefined;
}

/**
 * The service's own explanation, from the error body shapes of the services we speak:
 * GitHub `{message, errors:[{field, code, message}]}`, Jira `{errorMessages, errors:{field: msg}}`,
 * ClickUp `{err, ECODE}`, Microsoft Graph `{error:{code, message}}`, and OAuth-style
 * `{error, error_description}`.
 */
export function serviceMessage(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const b = body as Record<string, unknown>;
  const parts: string[] = [];
  const graph = b.error;
  if (typeof graph === 'object' && graph !== null) {
    const g = graph as Record<string, unknown>;
    const text = [str(g.code), str(g.message)].filter(Boolean).join(': ');
    if (text) parts.push(text);
  }
  const main = str(b.message) ?? str(b.err) ?? str(b.error_description) ?? str(b.errorMessage) ?? (typeof graph === 'string' ? graph : undefined);
  if (main) parts.push(str(b.ECODE) ? `${main} (${String(b.ECODE)})` : main);
  if (Array.isArray(b.errorMessages)) parts.push(...b.errorMessages.filter((m): m is string => typeof m === 'string'));
  if (Array.isArray(b.errors)) {
    // GitHub validation failures: [{resource, field, code, message?}]
    for (const e of b.errors) {
      if (typeof e === 'string') parts.push(e);
      else if (typeof e === 'object' && e !== null) {
        const x = e as Record<string, unknown>;
        const text = str(x.message) ?? [str(x.field), str(x.code)].filter(Boolean).join(' ');
        if (text) parts.push(text);
      }
    }
  } else if (typeof b.errors === 'object' && b.errors !== null) {
    for (const [field, msg] of Object.entries(b.errors as Record<string, unknown>)) {
      if (typeof msg === 'string') parts.push(`${field}: ${msg}`);
    }
  }
  return parts.length ? shorten(parts.join('; ')) : undefined;
}

/** A short, tag-free excerpt of a non-JSON body (an HTML error page, a proxy's text). */
export function textExcerpt(text: string, max = 120): string {
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1];
  const plain = title ?? text.replace(/<script[\s\S]*?<\/script>|<style[\s\S]*?<\/style>/gi, ' ').replace(/<[^>]*>/g, ' ');
  return shorten(plain, max);
}

/**
 * ClickUp answers 401, not 403, when a valid token may not touch one workspace or object: "Team
 * not authorized" (OAUTH_023, OAUTH_026, OAUTH_027) and the ACCESS_* codes. Those are permission
 * refusals; the token itself was accepted.
 */
const CLICKUP_PERMISSION_ECODE = /^(?:OAUTH_02[367]|ACCESS_\w+)$/;

/**
 * The one classification of an HTTP error status, for every connector: authentication (the
 * service refused the credentials: the configuration is unhealthy) is told apart from permission
 * (the credentials work but may not touch this resource: only this call fails). `body` is the
 * parsed error body, where a service says which of the two a status means.
 */
export function statusKind(status: number, body?: unknown): UpstreamErrorKind {
  if (status === 401) {
    const ecode = typeof body === 'object' && body !== null ? (body as { ECODE?: unknown }).ECODE : undefined;
    return typeof ecode === 'string' && CLICKUP_PERMISSION_ECODE.test(ecode) ? 'permission' : 'credentials';
  }
  if (status === 403) return 'permission';
  if (status === 404 || status === 410) return 'not_found';
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'server';
  return 'validation';
}

/**
 * An MCP server's HTTP status, classified by the same rule (statusKind); any other 4xx means the
 * exchange itself went wrong. `advice` is what to tell the owner.
 */
export function mcpStatusKind(status: number): { kind: UpstreamErrorKind; advice: string } {
  const kind = statusKind(status);
  if (kind === 'credentials') return { kind, advice: ": check the configuration's credentials" };
  if (kind === 'permission') return { kind, advice: ': the server accepted the credentials but refused this request (permission)' };
  return { kind: kind === 'not_found' || kind === 'validation' ? 'protocol' : kind, advice: '' };
}

/** "GitHub answered 404 Not Found for GET /repos/a/b: Not Found" */
export function statusError(
  label: RequestLabel,
  status: number,
  detail: string | undefined,
  opts: { kind?: UpstreamErrorKind; retryAfterMs?: number; secrets: readonly string[] },
): UpstreamError {
  const kind = opts.kind ?? statusKind(status);
  const reason = STATUS_CODES[status] ?? 'Error';
  const tail = detail ? `: ${scrub(detail, opts.secrets)}` : '';
  const wait = kind === 'rate_limited' && opts.retryAfterMs !== undefined ? ` (retry in ${Math.ceil(opts.retryAfterMs / 1000)} s)` : '';
  const message = `${label.service} answered ${status} ${reason} for ${label.method} ${label.path}${tail}${wait}`;
  return new UpstreamError(kind, message, { status, ...(opts.retryAfterMs !== undefined ? { retryAfterMs: opts.retryAfterMs } : {}) });
}

export function protocolError(label: RequestLabel, status: number, problem: string, secrets: readonly string[]): UpstreamError {
  return new UpstreamError('protocol', `${label.service} answered ${status} for ${label.method} ${label.path} with ${scrub(problem, secrets)}`, { status });
}

function errCode(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** Walks `cause` chains: undici and node:net wrap the error that really happened. */
export function rootCauses(e: unknown): unknown[] {
  const out: unknown[] = [];
  let cur: unknown = e;
  for (let i = 0; i < 5 && cur !== undefined && cur !== null; i++) {
    out.push(cur);
    cur = cur instanceof Error ? cur.cause : undefined;
  }
  return out;
}

/** Errors that mean the request never reached the service: safe to retry for any method. */
export function neverSent(e: unknown): boolean {
  return rootCauses(e).some((c) => {
    const code = errCode(c);
    return code === 'ECONNREFUSED' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ENOTFOUND' || code === 'EAI_AGAIN';
  });
}

/** Failures worth another attempt on an idempotent request. DNS "not found" and policy refusals are final. */
export function isTransientNetworkError(e: unknown): boolean {
  return rootCauses(e).some((c) => {
    const code = errCode(c);
    return (
      code === 'ECONNRESET' ||
      code === 'ECONNREFUSED' ||
      code === 'EPIPE' ||
      code === 'ETIMEDOUT' ||
      code === 'EAI_AGAIN' ||
      code === 'UND_ERR_SOCKET' ||
      code === 'UND_ERR_CLOSED' ||
      code === 'UND_ERR_CONNECT_TIMEOUT'
    );
  });
}

/** Maps a thrown transport error (never a status) to an UpstreamError. */
export function transportError(label: RequestLabel, e: unknown): UpstreamError {
  const causes = rootCauses(e);
  const refusal = causes.find(isPolicyRefusal);
  const where = `${label.method} ${label.path}`;
  if (refusal) {
    return new UpstreamError('network', `${label.service}: refused to connect for ${where}: ${refusal.message}`, { cause: refusal });
  }
  const codes = causes.map(errCode);
  const has = (...c: string[]) => codes.some((x) => x !== undefined && c.includes(x));
  if (has('ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL')) {
    return new UpstreamError('network', `${label.service}: could not resolve ${label.host} for ${where}`);
  }
  if (has('UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT')) {
    return new UpstreamError('timeout', `${label.service} did not answer in time for ${where}`);
  }
  const code = codes.find((c) => c !== undefined && /^E[A-Z]+$/.test(c));
  const what = has('ECONNREFUSED')
    ? 'refused the connection'
    : has('ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE', 'UND_ERR_CLOSED')
      ? 'closed the connection'
      : `could not be reached${code ? ` (${code})` : ''}`;
  return new UpstreamError('network', `${label.service} ${what} for ${where} at ${label.host}`);
}

/**
 * An MCP upstream's HTTP status as a failure, for both call transports (the SDK client in the
 * custom MCP connector and the lean forwarder), so a failure reads and counts the same whichever
 * path met it. `where` is the endpoint (origin and path, never a query), `what` the method.
 */
export function mcpStatusFailure(status: number, where: string, what: string): UpstreamError {
  const { kind, advice } = mcpStatusKind(status);
  return new UpstreamError(kind, `the MCP server at ${where} answered ${status} to ${what}${advice}`, { status });
}

/** A 401 to OAuth2 credentials is retried once, after the credential source refreshed them. */
export function mayRefreshAfter(status: number | undefined, credentialType: string | undefined, attempt: number): boolean {
  return status === 401 && credentialType === 'oauth2' && attempt === 0;
}
