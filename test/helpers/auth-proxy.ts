import { request } from 'node:http';
import { createServer } from './test-server.js';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';

/**
 * A byte-for-byte loopback proxy that adds `Authorization: Bearer <secret>`: for tools that cannot
 * send headers (the conformance runner). Host and Origin pass through untouched, so the gateway's
 * DNS-rebinding checks still see what the client sent.
 */
export async function startAuthProxy(target: string, secret: string) {
  const t = new URL(target);
  const server = createServer((req, res) => {
    const up = request({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: { ...req.headers, authorization: `Bearer ${secret}` } }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
    res.on('close', () => up.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
