import { afterEach, describe, expect, it } from 'vitest';
import { UpstreamError } from '../../../src/domain/errors.js';
import { backoffMs, DEFAULT_RETRY, parseRetryAfter, rateLimitWaitMs, serverWaitMs } from '../../../src/http/retry-policy.js';
import { clientOptions, json, startServer, testFactory, type Handler } from './server.js';
import { PATIENCE_MS } from '../../helpers/timing.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function setup(handler: Handler, retry: Parameters<typeof testFactory>[0] = {}) {
  const server = await startServer(handler);
  const factory = testFactory(retry);
  cleanups.push(() => factory.close(), () => server.close());
  return { server, http: factory.create(clientOptions(server.origin)) };
}

async function failure(p: Promise<unknown>): Promise<UpstreamError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(UpstreamError);
  return e as UpstreamError;
}

describe('HttpClient: retries', () => {
  it('retries a 429 after the Retry-After it was given', async () => {
    const { server, http } = await setup((_req, res, _b, n) =>
      n === 1 ? json(res, 429, { message: 'slow down' }, { 'retry-after': '1' }) : json(res, 200, { ok: true }),
    );
    const res = await http.request<{ ok: boolean }>({ method: 'GET', path: '/x' });
    expect(res.data.ok).toBe(true);
    expect(server.seen).toHaveLength(2);
    // A lower bound only: the client waited at least what the service asked.
    expect(server.seen[1]!.at - server.seen[0]!.at).toBeGreaterThanOrEqual(950);
  });

  it('retries 503 until it succeeds', async () => {
    const { server, http } = await setup((_req, res, _b, n) => (n < 3 ? json(res, 503, { message: 'busy' }) : json(res, 200, { n })));
    const res = await http.request<{ n: number }>({ method: 'GET', path: '/x' });
    expect(res.data.n).toBe(3);
    expect(server.seen).toHaveLength(3);
  });

  it('gives up after three retries with kind server', async () => {
    const { server, http } = await setup((_req, res) => json(res, 502, { message: 'bad gateway' }));
    const err = await failure(http.request({ method: 'GET', path: '/x' }));
    expect(err.kind).toBe('server');
    expect(server.seen).toHaveLength(4);
  });

  it('retries a 500 once only', async () => {
    const { server, http } = await setup((_req, res) => json(res, 500, { message: 'oops' }));
    const err = await failure(http.request({ method: 'GET', path: '/x' }));
    expect(err.kind).toBe('server');
    expect(server.seen).toHaveLength(2);
  });

  it('never retries a POST on 5xx', async () => {
    const { server, http } = await setup((_req, res) => json(res, 500, { message: 'oops' }));
    const err = await failure(http.request({ method: 'POST', path: '/x', json: {} }));
    expect(err.kind).toBe('server');
    expect(err.upstreamStatus).toBe(500);
    expect(server.seen).toHaveLength(1);
  });

  it('retries a POST on 429, since the service did not process it', async () => {
    const { server, http } = await setup((_req, res, _b, n) =>
      n === 1 ? json(res, 429, {}, { 'retry-after': '0' }) : json(res, 201, { id: 1 }),
    );
    expect((await http.request({ method: 'POST', path: '/x', json: { a: 1 } })).status).toBe(201);
    expect(server.seen.map((s) => s.body)).toEqual(['{"a":1}', '{"a":1}']);
  });

  it('does not retry at all when the request says retry: false', async () => {
    const { server, http } = await setup((_req, res) => json(res, 429, {}, { 'retry-after': '0' }));
    const err = await failure(http.request({ method: 'GET', path: '/x', retry: false }));
    expect(err.kind).toBe('rate_limited');
    expect(server.seen).toHaveLength(1);
  });

  it('retries when the server drops the connection', async () => {
    const { server, http } = await setup((req, res, _b, n) => (n === 1 ? req.socket.destroy() : json(res, 200, { n })));
    const res = await http.request<{ n: number }>({ method: 'GET', path: '/x' });
    expect(res.data.n).toBe(2);
    expect(server.seen).toHaveLength(2);
  });

  it('retries a GET whose body was cut off mid-way', async () => {
    const { server, http } = await setup((req, res, _b, n) => {
      if (n > 1) return json(res, 200, { n });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"partial":');
      setImmediate(() => req.socket.destroy());
    });
    expect((await http.request<{ n: number }>({ method: 'GET', path: '/x' })).data.n).toBe(2);
    expect(server.seen).toHaveLength(2);
  });

  it('maps a connection that keeps dropping to kind network', async () => {
    const { server, http } = await setup((req) => req.socket.destroy());
    const err = await failure(http.request({ method: 'GET', path: '/x' }));
    expect(err.kind).toBe('network');
    expect(err.message).toMatch(/TestService closed the connection for GET \/x/);
    expect(server.seen).toHaveLength(4);
  });

  it('fails at once with rate_limited and retryAfterMs when the wait is too long', async () => {
    const { server, http } = await setup((_req, res) => json(res, 429, { message: 'quota' }, { 'retry-after': '120' }));
    const err = await failure(http.request({ method: 'GET', path: '/x' }));
    expect(err.kind).toBe('rate_limited');
    expect(err.retryAfterMs).toBe(120_000);
    expect(server.seen).toHaveLength(1);
  });

  it('fails at once when the wait outlasts the deadline', async () => {
    // Twice the deadline, within the cap: only the deadline can refuse it. The deadline itself is
    // out of a loaded machine's reach, so it never ends the exchange before the 429 arrives.
    const waitS = (2 * PATIENCE_MS) / 1000;
    const { server, http } = await setup((_req, res) => json(res, 429, {}, { 'retry-after': String(waitS) }), { retry: { maxWaitMs: 10 * PATIENCE_MS } });
    const err = await failure(http.request({ method: 'GET', path: '/x', timeoutMs: PATIENCE_MS }));
    expect(err.kind).toBe('rate_limited');
    expect(err.retryAfterMs).toBe(waitS * 1000);
    expect(server.seen).toHaveLength(1);
  });

  it("reads GitHub's exhausted quota on a 403 as a rate limit", async () => {
    const reset = Math.floor(Date.now() / 1000) + 600;
    const { server, http } = await setup((_req, res) =>
      json(res, 403, { message: 'API rate limit exceeded for user ID 1.' }, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) }),
    );
    const err = await failure(http.request({ method: 'GET', path: '/x' }));
    expect(err.kind).toBe('rate_limited');
    expect(err.retryAfterMs).toBeGreaterThan(590_000);
    expect(err.retryAfterMs).toBeLessThanOrEqual(600_000);
    expect(err.message).toMatch(/API rate limit exceeded/);
    expect(server.seen).toHaveLength(1);
  });

  it('reads a GitHub secondary-limit 403 without Retry-After as a one-minute wait', async () => {
    const { server, http } = await setup((_req, res) => json(res, 403, { message: 'You have exceeded a secondary rate limit. Please wait a few minutes.' }));
    const err = await failure(http.request({ method: 'GET', path: '/x' }));
    expect(err.kind).toBe('rate_limited');
    expect(err.retryAfterMs).toBe(60_000);
    expect(server.seen).toHaveLength(1);
  });

  it("reads a GitHub secondary limit with quota left as a one-minute wait, not the hourly reset", async () => {
    const reset = String(Math.floor(Date.now() / 1000) + 3000);
    const { server, http } = await setup((_req, res) =>
      json(res, 403, { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' }, { 'x-ratelimit-remaining': '4990', 'x-ratelimit-reset': reset }),
    );
    const err = await failure(http.request({ method: 'GET', path: '/x' }));
    expect(err.kind).toBe('rate_limited');
    expect(err.retryAfterMs).toBe(60_000);
    expect(err.message).toMatch(/\(retry in 60 s\)$/);
    expect(server.seen).toHaveLength(1);
  });

  it("ignores GitHub's hourly reset header when retrying a 503", async () => {
    const reset = String(Math.floor(Date.now() / 1000) + 3000);
    const { server, http } = await setup(
      (_req, res, _b, n) => (n === 1 ? json(res, 503, {}, { 'x-ratelimit-remaining': '4999', 'x-ratelimit-reset': reset }) : json(res, 200, { n })),
      { retry: { maxWaitMs: 10 * PATIENCE_MS } },
    );
    // Had the hourly reset been read as the wait, it would be capped at maxWaitMs, beyond the
    // deadline, and the 503 would be final; the deadline is out of a loaded machine's reach.
    const res = await http.request<{ n: number }>({ method: 'GET', path: '/x', timeoutMs: PATIENCE_MS });
    expect(res.data.n).toBe(2);
    expect(server.seen).toHaveLength(2);
  });
});

describe('retry policy', () => {
  it('parses Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });

  it('reads rate-limit resets as epoch seconds or ISO dates', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(rateLimitWaitMs(429, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 42) }, now)).toBe(42_000);
    expect(rateLimitWaitMs(429, { 'x-ratelimit-reset': '2026-01-01T00:01:00Z' }, now)).toBe(60_000);
    expect(rateLimitWaitMs(429, { 'retry-after': '2', 'x-ratelimit-reset': String(now / 1000 + 42) }, now)).toBe(2000);
    expect(rateLimitWaitMs(429, {}, now)).toBeUndefined();
  });

  it('waits for the reset only when the quota is spent; a secondary limit waits a minute', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    const hourly = String(now / 1000 + 3000);
    // GitHub's primary limit: remaining 0, wait until x-ratelimit-reset.
    expect(rateLimitWaitMs(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': hourly }, now)).toBe(3_000_000);
    // A secondary limit (quota left, no Retry-After), as 403 or 429: at least one minute, not the hourly reset.
    expect(rateLimitWaitMs(403, { 'x-ratelimit-remaining': '4990', 'x-ratelimit-reset': hourly }, now)).toBe(60_000);
    expect(rateLimitWaitMs(429, { 'x-ratelimit-remaining': '4990', 'x-ratelimit-reset': hourly }, now)).toBe(60_000);
    expect(rateLimitWaitMs(403, {}, now)).toBe(60_000);
    // Retry-After wins over both.
    expect(rateLimitWaitMs(403, { 'retry-after': '7', 'x-ratelimit-remaining': '4990', 'x-ratelimit-reset': hourly }, now)).toBe(7000);
  });

  it('reads only Retry-After on a 5xx, never the hourly reset', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(serverWaitMs({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 42) }, now)).toBeUndefined();
    expect(serverWaitMs({ 'retry-after': '3' }, now)).toBe(3000);
  });

  it('backs off exponentially with bounded jitter', () => {
    expect(backoffMs(0, DEFAULT_RETRY, () => 0)).toBe(125);
    expect(backoffMs(0, DEFAULT_RETRY, () => 1)).toBe(250);
    expect(backoffMs(2, DEFAULT_RETRY, () => 1)).toBe(1000);
    expect(backoffMs(10, DEFAULT_RETRY, () => 1)).toBe(DEFAULT_RETRY.maxDelayMs);
  });
});
