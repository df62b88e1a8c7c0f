import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createHttpClientFactory } from '../../../src/http/factory.js';
import { redactedPath, resolveRequestUrl } from '../../../src/http/url.js';
import { LOOPBACK } from './server.js';

function tcpHandles(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'TCPWrap').length;
}

describe('factory', () => {
  it('shares keep-alive connections between clients and closes them all on close()', async () => {
    const handlesBefore = tcpHandles();
    const sockets = new Set<Socket>();
    const server: Server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
    server.on('connection', (s: Socket) => sockets.add(s));
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const factory = createHttpClientFactory();
    const a = factory.create({ baseUrl: base, network: LOOPBACK, serviceName: 'A' });
    const b = factory.create({ baseUrl: `${base}/other`, network: LOOPBACK, serviceName: 'B' });
    for (let i = 0; i < 3; i++) {
      await a.request({ method: 'GET', path: '/x' });
      await b.request({ method: 'GET', path: '/y' });
    }
    // Six requests from two clients of one origin reuse the pool (undici may open a second
    // connection while the first is still finishing a response, never one per request).
    expect(sockets.size).toBeLessThanOrEqual(2);

    const closed = [...sockets].map((s) => new Promise<void>((r) => (s.destroyed ? r() : s.once('close', () => r()))));
    await factory.close();
    // The server did not close anything: the client's close() did.
    await Promise.all(closed);
    expect(() => factory.create({ baseUrl: base, network: LOOPBACK, serviceName: 'A' })).toThrow(/closed/);

    await new Promise<void>((r) => server.close(() => r()));
    expect(tcpHandles()).toBeLessThanOrEqual(handlesBefore);
  });
});

describe('url helpers', () => {
  const base = new URL('http://h.example/rest');
  it.each([
    ['/api/3/x', 'http://h.example/rest/api/3/x'],
    ['api/3/x', 'http://h.example/rest/api/3/x'],
    ['', 'http://h.example/rest'],
    ['/a?b=1', 'http://h.example/rest/a?b=1'],
  ])('joins %s', (path, expected) => {
    expect(resolveRequestUrl(base, path).toString()).toBe(expected);
  });

  it('joins to a root base without doubling slashes', () => {
    expect(resolveRequestUrl(new URL('https://api.github.com/'), '/repos/a/b').toString()).toBe('https://api.github.com/repos/a/b');
  });

  it('redacts secret-looking query values', () => {
    const u = new URL('https://h/x?access_token=abc&api_key=k&code=c&X-Amz-Signature=s&page=2&q=hello');
    expect(redactedPath(u)).toBe('/x?access_token=***&api_key=***&code=***&X-Amz-Signature=***&page=2&q=hello');
  });
});
