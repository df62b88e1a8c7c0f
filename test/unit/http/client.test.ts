import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UpstreamError, ValidationError } from '../../../src/domain/errors.js';
import { staticCredentials } from '../../helpers/credentials.js';
import { clientOptions, json, startServer, testFactory } from './server.js';
import { countBytesRead } from '../../helpers/bytes-read.js';
import { PATIENCE_MS } from '../../helpers/timing.js';

describe('HttpClient: requests and bodies', () => {
  const factory = testFactory({ defaultTimeoutMs: PATIENCE_MS });
  let server: Awaited<ReturnType<typeof startServer>>;
  let streamedBytes = 0;

  beforeAll(async () => {
    server = await startServer((req, res, body) => {
      const url = new URL(req.url ?? '/', 'http://x');
      switch (url.pathname) {
        case '/rest/api/3/echo':
        case '/echo':
          return json(res, 200, { method: req.method, url: req.url, headers: req.headers, body });
        case '/text':
          res.writeHead(200, { 'content-type': 'text/plain' });
          return res.end('plain words');
        case '/empty':
          res.writeHead(204);
          return res.end();
        case '/empty-200':
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': '0' });
          return res.end();
        case '/html':
          res.writeHead(200, { 'content-type': 'text/html' });
          return res.end('<html><head><title>Sign in</title></head><body>login page</body></html>');
        case '/broken':
          res.writeHead(200, { 'content-type': 'application/json' });
          return res.end('{"a": 1,');
        case '/slow':
          // Never answers: the client's deadline or signal must end the wait.
          return;
        case '/declared-big':
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(50 * 1024 * 1024) });
          return res.write('[');
        case '/stream-big': {
          // 50 MB, produced lazily: only written as fast as the client reads.
          res.writeHead(200, { 'content-type': 'application/json' });
          const chunk = Buffer.alloc(64 * 1024, 0x20);
          const total = 50 * 1024 * 1024;
          const pump = () => {
            while (streamedBytes < total && !res.destroyed) {
              streamedBytes += chunk.length;
              if (!res.write(chunk)) return void res.once('drain', pump);
            }
            if (!res.destroyed) res.end();
          };
          return pump();
        }
        default:
          return json(res, 404, { message: 'Not Found' });
      }
    });
  });

  afterAll(async () => {
    await factory.close();
    await server.close();
  });

  it('keeps the base path when joining and encodes the query', async () => {
    const http = factory.create(clientOptions(`${server.origin}/rest/`));
    const res = await http.request<{ url: string }>({
      method: 'GET',
      path: '/api/3/echo',
      query: { jql: 'project = "A B" & x', labels: ['a', 'b,c'], skip: undefined, none: null, n: 3, flag: false },
    });
    expect(res.status).toBe(200);
    const sent = new URL(res.data.url, 'http://x');
    expect(sent.pathname).toBe('/rest/api/3/echo');
    expect(sent.searchParams.get('jql')).toBe('project = "A B" & x');
    expect(sent.searchParams.getAll('labels')).toEqual(['a', 'b,c']);
    expect(sent.searchParams.has('skip')).toBe(false);
    expect(sent.searchParams.has('none')).toBe(false);
    expect(sent.searchParams.get('n')).toBe('3');
    expect(sent.searchParams.get('flag')).toBe('false');
  });

  it('accepts an absolute URL on the same origin and refuses another origin', async () => {
    const http = factory.create(clientOptions(`${server.origin}/rest`));
    const res = await http.request<{ url: string }>({ method: 'GET', path: `${server.origin}/echo?page=2` });
    expect(res.data.url).toBe('/echo?page=2');
    await expect(http.request({ method: 'GET', path: 'http://127.0.0.2:1/echo' })).rejects.toBeInstanceOf(ValidationError);
    await expect(http.request({ method: 'GET', path: '//evil.example/x' })).rejects.toBeInstanceOf(ValidationError);
  });

  it('sends JSON with a content type, and layers default, auth and request headers', async () => {
    const http = factory.create(
      clientOptions(server.origin, {
        headers: { 'X-Api-Version': '1', 'X-Layer': 'default' },
        auth: { source: staticCredentials({ type: 'bearer', token: 'tok-1234' }), apply: (c) => ({ Authorization: `Bearer ${c.type === 'bearer' ? c.token : ''}`, 'X-Layer': 'auth' }) },
      }),
    );
    const res = await http.request<{ method: string; headers: Record<string, string>; body: string }>({
      method: 'POST',
      path: '/echo',
      json: { title: 'hello', n: 1 },
      headers: { 'x-layer': 'request' },
    });
    expect(res.data.method).toBe('POST');
    expect(JSON.parse(res.data.body)).toEqual({ title: 'hello', n: 1 });
    expect(res.data.headers['content-type']).toBe('application/json');
    expect(res.data.headers.authorization).toBe('Bearer tok-1234');
    expect(res.data.headers['x-api-version']).toBe('1');
    expect(res.data.headers['x-layer']).toBe('request');
    expect(res.data.headers['user-agent']).toMatch(/mcp-connector-gateway/);
  });

  it('returns text when asked, and undefined for 204 and empty bodies', async () => {
    const http = factory.create(clientOptions(server.origin));
    expect((await http.request({ method: 'GET', path: '/text', responseType: 'text' })).data).toBe('plain words');
    const empty = await http.request({ method: 'DELETE', path: '/empty' });
    expect(empty.status).toBe(204);
    expect(empty.data).toBeUndefined();
    expect((await http.request({ method: 'GET', path: '/empty-200' })).data).toBeUndefined();
  });

  it('refuses a non-JSON content type and malformed JSON as protocol errors with a short excerpt', async () => {
    const http = factory.create(clientOptions(server.origin));
    const wrong = await http.request({ method: 'GET', path: '/html' }).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(UpstreamError);
    expect((wrong as UpstreamError).kind).toBe('protocol');
    expect((wrong as UpstreamError).message).toMatch(/text\/html instead of JSON: Sign in/);
    const broken = await http.request({ method: 'GET', path: '/broken' }).catch((e: unknown) => e);
    expect((broken as UpstreamError).kind).toBe('protocol');
    expect((broken as UpstreamError).message).toMatch(/malformed JSON/);
  });

  it('ends a request at its deadline with kind timeout', async () => {
    const http = factory.create(clientOptions(server.origin));
    const err = await http.request({ method: 'GET', path: '/slow', timeoutMs: 150 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).kind).toBe('timeout');
    expect((err as UpstreamError).message).toMatch(/did not answer within 150 ms for GET \/slow/);
  });

  it("hands back the caller's abort reason when its signal fires", async () => {
    const http = factory.create(clientOptions(server.origin));
    const ctl = new AbortController();
    const pending = http.request({ method: 'GET', path: '/slow', signal: ctl.signal });
    setTimeout(() => ctl.abort(new Error('user cancelled')), 20);
    await expect(pending).rejects.toThrow('user cancelled');
    const already = AbortSignal.abort(new Error('gone'));
    await expect(http.request({ method: 'GET', path: '/echo', signal: already })).rejects.toThrow('gone');
  });

  it('fails a declared oversize body without reading it', async () => {
    const http = factory.create(clientOptions(server.origin));
    const err = await http.request({ method: 'GET', path: '/declared-big', maxBytes: 1024 }).catch((e: unknown) => e);
    expect((err as UpstreamError).kind).toBe('protocol');
    expect((err as UpstreamError).message).toMatch(/larger than the limit of 1024 bytes/);
  });

  it('stops reading a streamed 50 MB body as soon as it passes the limit', async () => {
    // What the client pulled off its sockets: a count, unlike heap readings (garbage, load). Its own
    // factory, so the request runs on a connection opened while counting.
    const received = countBytesRead(server.port);
    const own = testFactory({ defaultTimeoutMs: PATIENCE_MS });
    const http = own.create(clientOptions(server.origin));
    try {
      const err = await http.request({ method: 'GET', path: '/stream-big', maxBytes: 1024 * 1024 }).catch((e: unknown) => e);
      expect((err as UpstreamError).kind).toBe('protocol');
      expect((err as UpstreamError).message).toMatch(/larger than the limit of 1048576 bytes/);
      // The limit (1 MB) plus a few socket reads, far from 50 MB.
      expect(received.total()).toBeGreaterThan(1024 * 1024);
      expect(received.total()).toBeLessThan(4 * 1024 * 1024);
      // The server could only produce what the client pulled plus what the sockets buffer.
      expect(streamedBytes).toBeLessThan(50 * 1024 * 1024);
    } finally {
      received.stop();
      await own.close();
    }
  });
});
