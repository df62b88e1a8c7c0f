import { type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer } from '../../helpers/test-server.js';
import type { AddressInfo } from 'node:net';
import { createHttpClientFactory, type HttpClientFactoryOptions } from '../../../src/http/factory.js';
import type { HttpClientOptions } from '../../../src/http/types.js';

export interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  at: number;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, body: string, n: number) => void;

/** A real loopback server whose behaviour each test sets; records every request it saw. */
export async function startServer(handler: Handler, host = '127.0.0.1') {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, at: Date.now() });
      handler(req, res, body, seen.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    origin,
    port,
    seen,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export const LOOPBACK = { allowLoopback: true, allowPrivate: false };

/** A factory with short backoff so retry tests stay fast. */
export function testFactory(opts: HttpClientFactoryOptions = {}) {
  return createHttpClientFactory({ ...opts, retry: { baseDelayMs: 5, maxDelayMs: 20, ...opts.retry } });
}

export function clientOptions(baseUrl: string, extra: Partial<HttpClientOptions> = {}): HttpClientOptions {
  return { baseUrl, network: LOOPBACK, serviceName: 'TestService', ...extra };
}
