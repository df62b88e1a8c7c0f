/**
 * The custom MCP connector's bound on what an upstream may send the SDK client: per SSE event
 * (framed by eventsource-parser), whatever the chunking, and per whole JSON body.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boundedResponse } from '../../connectors/custom-mcp/fetch.js';
import { createServer } from '../helpers/test-server.js';

const LIMIT = 1000;
/** Each entry: the content type and the chunks the upstream writes, flushed one by one. */
const ROUTES: Record<string, { type: string; chunks: string[] }> = {
  // Many small events: the whole stream is far over the limit, no single event is.
  '/many': { type: 'text/event-stream', chunks: Array.from({ length: 50 }, (_, i) => `data: ${'a'.repeat(100)}${i}\n\n`) },
  // The blank line that ends each event straddles two chunks.
  '/straddling': { type: 'text/event-stream', chunks: Array.from({ length: 30 }, () => ['data: ', 'b'.repeat(400), '\n', '\n']).flat() },
  '/one-big-event': { type: 'text/event-stream', chunks: ['data: ', ...Array.from({ length: 12 }, () => 'c'.repeat(100)), '\n\n'] },
  '/big-json': { type: 'application/json', chunks: ['[', ...Array.from({ length: 12 }, () => '"' + 'd'.repeat(98) + '",'), '0]'] },
};

describe('custom MCP: boundedResponse', () => {
  let base = '';
  const server = createServer((req, res) => {
    const route = ROUTES[req.url ?? ''];
    if (!route) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': route.type });
    const write = (i: number): void => {
      if (i === route.chunks.length) return void res.end();
      res.write(route.chunks[i], () => setImmediate(() => write(i + 1)));
    };
    write(0);
  });
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const read = async (path: string) => boundedResponse(await fetch(base + path), LIMIT).text();

  it('passes a long stream of events each within the limit, byte for byte', async () => {
    expect(await read('/many')).toBe(ROUTES['/many']!.chunks.join(''));
    expect(await read('/straddling')).toBe(ROUTES['/straddling']!.chunks.join(''));
  });

  it('errors the stream at an event over the limit, and at a JSON body over it', async () => {
    await expect(read('/one-big-event')).rejects.toThrow(`larger than the ${LIMIT}-byte limit`);
    await expect(read('/big-json')).rejects.toThrow(`larger than the ${LIMIT}-byte limit`);
  });
});
