/**
 * The lean path's SSE relay on its own, fed an upstream answer cut into chunks at awkward places:
 * inside a multi-byte character, inside the `data:` line, between the two newlines that end an event.
 */
import { createServer } from '../helpers/test-server.js';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExchangeBody } from '../../src/http/exchange.js';
import { MAX_MESSAGE_BYTES, relayStream } from '../../src/mcp/relay.js';

const TEXT = 'héllo wörld 🌍 — ok';
const ANSWER = JSON.stringify({ jsonrpc: '2.0', id: 'up-1', result: { content: [{ type: 'text', text: TEXT }] } });
const EVENT = Buffer.from(`id: 1\ndata: \n\nevent: message\ndata: ${ANSWER}\n\n`, 'utf8');
/** The same with CRLF line ends: the blank line that ends an event is four bytes that a cut can split anywhere. */
const CRLF_EVENT = Buffer.from(`id: 1\r\ndata: \r\n\r\nevent: message\r\ndata: ${ANSWER}\r\n\r\n`, 'utf8');

function chunksOf(bytes: Buffer, cuts: number[]): Buffer[] {
  const out: Buffer[] = [];
  let from = 0;
  for (const at of [...cuts, bytes.length]) {
    out.push(bytes.subarray(from, at));
    from = at;
  }
  return out;
}

function bodyOf(chunks: Buffer[]): ExchangeBody {
  return {
    async consume(onChunk) {
      for (const c of chunks) onChunk(c);
    },
    dump: async () => undefined,
    resume: () => undefined,
    abort: () => undefined,
  };
}

describe('relayStream', () => {
  let url = '';
  let chunks: Buffer[] = [];
  const server = createServer((_req, res) => {
    void relayStream(res, bodyOf(chunks), 'up-1', (m) => ({ ...m, id: 7 }), (reason) => res.end(reason), 'the upstream');
  });
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const multiByte = [...EVENT.entries()].filter(([, b]) => b >= 0x80 && b < 0xc0).map(([i]) => i);
  const cases: [string, Buffer, number[]][] = [
    ['whole', EVENT, []],
    ['inside every multi-byte character', EVENT, multiByte],
    ['one byte at a time', EVENT, Array.from({ length: EVENT.length - 1 }, (_, i) => i + 1)],
    ['between the closing newlines', EVENT, [EVENT.length - 1]],
    ['with CRLF line ends, one byte at a time', CRLF_EVENT, Array.from({ length: CRLF_EVENT.length - 1 }, (_, i) => i + 1)],
    ['with CRLF line ends, inside the closing blank line', CRLF_EVENT, [CRLF_EVENT.length - 3, CRLF_EVENT.length - 1]],
  ];
  it.each(cases)('relays the answer intact when cut %s', async (_name, event, cuts) => {
    chunks = chunksOf(event, cuts);
    const r = await fetch(url);
    // The answer came first (after a priming event): plain JSON, with the client's id restored.
    expect(r.headers.get('content-type')).toBe('application/json');
    // With its length (multi-byte characters counted in bytes), not chunked.
    const raw = Buffer.from(await r.arrayBuffer());
    expect(r.headers.get('transfer-encoding')).toBeNull();
    expect(Number(r.headers.get('content-length'))).toBe(raw.length);
    const body = JSON.parse(raw.toString('utf8')) as { id: number; result: { content: { text: string }[] } };
    expect(body.id).toBe(7);
    expect(body.result.content[0]!.text).toBe(TEXT);
  });
});

describe('relayStream with an event over the size limit', () => {
  it('refuses it with a reason naming the limit, without relaying any of it', async () => {
    const data = JSON.stringify({ jsonrpc: '2.0', id: 'up-1', result: { content: [{ type: 'text', text: 'x'.repeat(MAX_MESSAGE_BYTES) }] } });
    const whole = Buffer.from(`event: message\ndata: ${data}\n\n`, 'utf8');
    const cuts = Array.from({ length: Math.floor(whole.length / 65_536) }, (_, i) => (i + 1) * 65_536);
    let aborted: Error | undefined;
    const body: ExchangeBody = { ...bodyOf(chunksOf(whole, cuts)), abort: (e) => (aborted = e) };
    const server = createServer((_req, res) => {
      void relayStream(res, body, 'up-1', (m) => m, (reason) => res.end(`failed: ${reason}`), 'the upstream');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const r = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      expect(await r.text()).toBe(`failed: the upstream sent an event larger than the ${MAX_MESSAGE_BYTES}-byte limit`);
      expect(aborted?.message).toMatch(/larger than the/);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
