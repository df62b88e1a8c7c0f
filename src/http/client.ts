import { setTimeout as sleep } from 'node:timers/promises';
import { request as undiciRequest, type Dispatcher } from 'undici';
import { credentialSecret, type Credentials } from '../domain/credentials.js';
import { isGatewayError, UpstreamError } from '../domain/errors.js';
import type { Logger } from '../domain/logger.js';
import { isJsonContentType, readExcerpt, readLimited } from './body.js';
import { Scrubber } from '../domain/secret-forms.js';
import { checkUrlAllowed, isPolicyRefusal } from './network-guard.js';
import { backoffMs, isRateLimited, rateLimitWaitMs, serverWaitMs, type RetrySettings } from './retry-policy.js';
import type { HttpClient, HttpClientOptions, HttpRequest, HttpResponse } from './types.js';
import {
  isTransientNetworkError,
  neverSent,
  protocolError,
  serviceMessage,
  statusError,
  statusKind,
  textExcerpt,
  transportError,
  type RequestLabel,
} from './upstream-errors.js';
import { appendQuery, redactedPath, resolveRequestUrl, SECRET_QUERY_KEY } from './url.js';

export interface ClientDefaults {
  userAgent: string;
  timeoutMs: number;
  maxBytes: number;
  retry: RetrySettings;
  log: Logger;
}

const MAX_REDIRECTS = 3;
const ERROR_BODY_BYTES = 64 * 1024;

type Attempt = { status: number; headers: Record<string, string>; body: Dispatcher.ResponseData['body']; url: URL };

function flattenHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

function lower(h: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (h) for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = v;
  return out;
}

export class UndiciHttpClient implements HttpClient {
  private readonly base: URL;
  private readonly defaultHeaders: Record<string, string>;

  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly opts: HttpClientOptions,
    private readonly defaults: ClientDefaults,
  ) {
    this.base = checkUrlAllowed(opts.baseUrl, opts.network, 'api_base_url');
    this.defaultHeaders = { accept: 'application/json', 'user-agent': defaults.userAgent, ...lower(opts.headers) };
  }

  async request<T = unknown>(req: HttpRequest): Promise<HttpResponse<T>> {
    const url = resolveRequestUrl(this.base, req.path);
    appendQuery(url, req.query);
    const label: RequestLabel = { service: this.opts.serviceName, method: req.method, path: redactedPath(url), host: url.host };
    const timeoutMs = req.timeoutMs ?? this.opts.timeoutMs ?? this.defaults.timeoutMs;
    const deadline = Date.now() + timeoutMs;
    // One controller for the deadline and the caller's signal, wired by hand rather than with
    // AbortSignal.timeout/any: the timer and the listener are removed when the request ends, so a
    // long-lived caller signal (a session's) does not collect one dependent per request.
    const ctl = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ctl.abort(new Error('deadline'));
    }, timeoutMs);
    const onAbort = () => ctl.abort(req.signal?.reason);
    if (req.signal?.aborted) onAbort();
    else req.signal?.addEventListener('abort', onAbort, { once: true });
    const signal = ctl.signal;
    const secrets = [...url.searchParams].filter(([k]) => SECRET_QUERY_KEY.test(k)).map(([, v]) => v);
    try {
      return await this.run<T>(req, url, label, signal, deadline, secrets);
    } catch (e) {
      // The caller's cancellation is not an upstream failure: hand its reason back unchanged.
      if (req.signal?.aborted) throw req.signal.reason;
      if (timedOut) {
        throw new UpstreamError('timeout', `${label.service} did not answer within ${timeoutMs} ms for ${label.method} ${label.path}`, { cause: e });
      }
      if (e instanceof UpstreamError) throw e;
      // Our own typed errors (sealed credentials this process cannot open, a refused argument)
      // say what really failed; only a network policy refusal is reported as a connection failure.
      if (isGatewayError(e) && !isPolicyRefusal(e)) throw e;
      throw transportError(label, e);
    } finally {
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
    }
  }

  private async credentials(signal: AbortSignal): Promise<Credentials | undefined> {
    return this.opts.auth ? await this.opts.auth.source.get(signal) : undefined;
  }

  private async run<T>(req: HttpRequest, url: URL, label: RequestLabel, signal: AbortSignal, deadline: number, secrets: string[]): Promise<HttpResponse<T>> {
    const safe = req.method === 'GET' || req.method === 'HEAD';
    const retryAll = req.retry ?? safe;
    const settings = this.defaults.retry;
    let creds = await this.credentials(signal);
    let refreshed = false;
    let retries = 0;
    let retried500 = false;

    for (;;) {
      const authHeaders = creds && this.opts.auth ? lower(this.opts.auth.apply(creds)) : {};
      // Every token used so far stays on the list: after a refresh the old one must not leak either.
      secrets.push(...Object.values(authHeaders), ...(creds ? [credentialSecret(creds)] : []));
      let res: Attempt;
      try {
        res = await this.send(req, url, authHeaders, signal);
        // Inside the try: a connection reset while reading the body is retried like one before it.
        if (res.status < 400) return await this.success<T>(req, res, label, secrets);
      } catch (e) {
        if (signal.aborted || isPolicyRefusal(e) || e instanceof UpstreamError) throw e;
        const mayRetry = (retryAll && isTransientNetworkError(e)) || (req.retry !== false && neverSent(e) && isTransientNetworkError(e));
        if (!mayRetry || retries >= settings.maxRetries) throw e;
        await this.pause(backoffMs(retries, settings), deadline, signal, label, { status: 0 });
        retries++;
        continue;
      }

      const errBody = await readExcerpt(res.body, ERROR_BODY_BYTES);
      const { detail, body: parsedBody } = this.errorDetail(errBody, res.headers['content-type'], new Scrubber(secrets));

      if (res.status === 401 && creds?.type === 'oauth2' && !refreshed && this.opts.auth) {
        // One refresh, one retry: a second 401 means the new token is refused too.
        refreshed = true;
        const next = await this.opts.auth.source.refresh(creds, signal);
        if (next) {
          this.defaults.log.debug({ service: label.service, method: label.method, path: label.path }, 'upstream answered 401; retrying with refreshed credentials');
          creds = next;
          continue;
        }
      }

      const now = Date.now();
      if (isRateLimited(res.status, res.headers, detail)) {
        const wait = rateLimitWaitMs(res.status, res.headers, now);
        const limited = (retryAfterMs: number | undefined) =>
          statusError(label, res.status, detail, { kind: 'rate_limited', ...(retryAfterMs !== undefined ? { retryAfterMs } : {}), secrets });
        // A 429 means the service did not process the request, so even a POST may be sent again.
        if (req.retry === false || retries >= settings.maxRetries) throw limited(wait);
        const delay = wait ?? backoffMs(retries, settings);
        if (delay > settings.maxWaitMs || now + delay >= deadline) throw limited(delay);
        await this.pause(delay, deadline, signal, label, res);
        retries++;
        continue;
      }

      const retryable5xx = res.status === 502 || res.status === 503 || res.status === 504 || (res.status === 500 && !retried500);
      if (retryAll && retryable5xx && retries < settings.maxRetries) {
        const delay = Math.min(serverWaitMs(res.headers, now) ?? backoffMs(retries, settings), settings.maxWaitMs);
        if (now + delay < deadline) {
          if (res.status === 500) retried500 = true;
          await this.pause(delay, deadline, signal, label, res);
          retries++;
          continue;
        }
      }
      throw statusError(label, res.status, detail, { kind: statusKind(res.status, parsedBody), secrets });
    }
  }

  private async pause(ms: number, deadline: number, signal: AbortSignal, label: RequestLabel, res: { status: number }): Promise<void> {
    this.defaults.log.debug({ service: label.service, method: label.method, path: label.path, status: res.status, wait_ms: ms }, 'retrying upstream request');
    await sleep(Math.min(ms, Math.max(0, deadline - Date.now())), undefined, { signal });
  }

  /** One exchange, following at most a few redirects, each checked against the network policy. */
  private async send(req: HttpRequest, url: URL, authHeaders: Record<string, string>, signal: AbortSignal): Promise<Attempt> {
    let current = url;
    let method: string = req.method;
    let body = req.json !== undefined ? JSON.stringify(req.json) : undefined;
    for (let hop = 0; ; hop++) {
      // Credentials go only to the configured origin: a redirect elsewhere is followed without them.
      const sameOrigin = current.origin === this.base.origin;
      const headers: Record<string, string> = { ...this.defaultHeaders, ...(sameOrigin ? authHeaders : {}), ...lower(req.headers) };
      if (body !== undefined) headers['content-type'] ??= 'application/json';
      else delete headers['content-type'];
      if (!sameOrigin) for (const k of Object.keys(lower(req.headers))) if (k === 'authorization' || k === 'cookie') delete headers[k];
      const res = await undiciRequest(current, { dispatcher: this.dispatcher, method: method as Dispatcher.HttpMethod, headers, body, signal });
      const headersOut = flattenHeaders(res.headers);
      const location = headersOut.location;
      if (res.statusCode >= 300 && res.statusCode < 400 && res.statusCode !== 304 && location) {
        await res.body.dump();
        if (hop >= MAX_REDIRECTS) {
          throw new UpstreamError('protocol', `${this.opts.serviceName} redirected more than ${MAX_REDIRECTS} times for ${req.method} ${redactedPath(url)}`, { status: res.statusCode });
        }
        const next = new URL(location, current);
        checkUrlAllowed(next, this.opts.network, 'redirect');
        if (res.statusCode === 303 || ((res.statusCode === 301 || res.statusCode === 302) && method === 'POST')) {
          method = method === 'HEAD' ? 'HEAD' : 'GET';
          body = undefined;
        }
        current = next;
        continue;
      }
      return { status: res.statusCode, headers: headersOut, body: res.body, url: current };
    }
  }

  private async success<T>(req: HttpRequest, res: Attempt, label: RequestLabel, secrets: string[]): Promise<HttpResponse<T>> {
    const maxBytes = req.maxBytes ?? this.opts.maxBytes ?? this.defaults.maxBytes;
    const base = { status: res.status, headers: res.headers, url: res.url.toString() };
    if (req.method === 'HEAD' || res.status === 204 || res.status === 205 || res.status === 304) {
      await res.body.dump();
      return { ...base, data: undefined as T };
    }
    const read = await readLimited(res.body, maxBytes, res.headers['content-length']);
    if (!read.ok) throw protocolError(label, res.status, `a body larger than the limit of ${maxBytes} bytes`, secrets);
    if (req.responseType === 'bytes') return { ...base, data: read.bytes as T };
    if (read.bytes.length === 0) return { ...base, data: undefined as T };
    const text = read.bytes.toString('utf8');
    if (req.responseType === 'text') return { ...base, data: text as T };
    const ct = res.headers['content-type'];
    if (!isJsonContentType(ct)) {
      throw protocolError(label, res.status, `content-type ${ct?.split(';')[0] ?? '(none)'} instead of JSON: ${textExcerpt(new Scrubber(secrets).scrub(text))}`, secrets);
    }
    try {
      return { ...base, data: JSON.parse(text) as T };
    } catch {
      throw protocolError(label, res.status, `malformed JSON: ${textExcerpt(new Scrubber(secrets).scrub(text), 80)}`, secrets);
    }
  }

  /** Scrubbed whole, before anything is parsed out or shortened: no cut can leave half a secret. */
  private errorDetail(bytes: Buffer, contentType: string | undefined, scrubber: Scrubber): { detail: string | undefined; body?: unknown } {
    if (bytes.length === 0) return { detail: undefined };
    const raw = bytes.toString('utf8');
    const text = bytes.length >= ERROR_BODY_BYTES ? scrubber.scrubCut(raw) : scrubber.scrub(raw);
    if (isJsonContentType(contentType) || /^\s*[{[]/.test(text)) {
      try {
        const body: unknown = JSON.parse(text);
        return { detail: serviceMessage(body), body };
      } catch {
        // A truncated or broken JSON error body: fall through to a text excerpt.
      }
    }
    return { detail: textExcerpt(text) };
  }
}
