/**
 * The spliced relay of large answers against the ordinary one: for every answer and every pair of
 * eras, the bytes it writes decode to exactly what parse → translate → serialize makes, and what
 * JSON.parse refuses it refuses too (so the ordinary path reports it).
 */
import { describe, expect, it } from 'vitest';
import { fillSkeleton, skeletonOf } from '../../src/mcp/json-splice.js';
import { rewriteResponse, type Era, type JsonObject } from '../../src/mcp/era-translation.js';

const ERAS: [Era, Era][] = [
  ['legacy', 'legacy'],
  ['modern', 'modern'],
  ['modern', 'legacy'],
  ['legacy', 'modern'],
];

const text = 'lorem "ipsum" \\ dolor\n\ttab é 🌍 \u0001 </script>'.repeat(50);
const answers: Record<string, string> = {
  plain: JSON.stringify({ jsonrpc: '2.0', id: 'cgw-1', result: { content: [{ type: 'text', text }] } }),
  'id first, spaces everywhere': ` { "id" : "cgw-1" , "result" : { "content" : [ { "type" : "text" , "text" : ${JSON.stringify(text)} } ] , "isError" : true } , "jsonrpc" : "2.0" } \n`,
  'with _meta and structured content': JSON.stringify({
    result: { _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'up' }, other: 1 }, content: [], structuredContent: { rows: [1, 2.5, -3e2, true, false, null, 'x'] }, resultType: 'complete', ttlMs: 5 },
    jsonrpc: '2.0',
    id: 'cgw-1',
  }),
  'structured content that is not an object': JSON.stringify({ jsonrpc: '2.0', id: 'cgw-1', result: { content: [], structuredContent: [text, { a: [] }] } }),
  'asking for input (2026)': JSON.stringify({ jsonrpc: '2.0', id: 'cgw-1', result: { resultType: 'input_required', inputRequests: { a: { method: 'elicitation/create' } } } }),
  'escaped key and unicode escapes': JSON.stringify({ jsonrpc: '2.0', id: 'cgw-1', result: { 'we\u00efrd "key"': '\ud83c\udf0d', content: [{ type: 'text', text: '\u2028' }] } }),
  'empty result': '{"jsonrpc":"2.0","id":"cgw-1","result":{}}',
};

function ordinary(raw: string, clientEra: Era, upstreamEra: Era): JsonObject {
  return rewriteResponse(JSON.parse(raw) as JsonObject, 7, clientEra, upstreamEra);
}

function spliced(raw: string, clientEra: Era, upstreamEra: Era): JsonObject {
  const sk = skeletonOf(Buffer.from(raw, 'utf8'));
  if (!sk) throw new Error('no skeleton');
  const out = rewriteResponse(JSON.parse(sk.text) as JsonObject, 7, clientEra, upstreamEra);
  return JSON.parse(Buffer.concat(fillSkeleton(JSON.stringify(out), sk.spans)).toString('utf8')) as JsonObject;
}

describe('spliced relay of a JSON answer', () => {
  for (const [name, raw] of Object.entries(answers)) {
    it.each(ERAS)(`${name}: client %s, upstream %s, same as the ordinary path`, (clientEra, upstreamEra) => {
      expect(spliced(raw, clientEra, upstreamEra)).toEqual(ordinary(raw, clientEra, upstreamEra));
    });
  }

  it('keeps the large members out of the skeleton', () => {
    const sk = skeletonOf(Buffer.from(answers.plain!, 'utf8'))!;
    expect(sk.text.length).toBeLessThan(200);
    expect(sk.spans.size).toBe(1);
  });

  const refused: Record<string, string | Buffer> = {
    'cut short': answers.plain!.slice(0, -3),
    'trailing garbage': `${answers.plain!} x`,
    'a raw control character in a string': '{"jsonrpc":"2.0","id":"cgw-1","result":{"content":"a\u0001b"}}',
    'a bad escape': '{"jsonrpc":"2.0","id":"cgw-1","result":{"content":"a\\qb"}}',
    'a short unicode escape': '{"jsonrpc":"2.0","id":"cgw-1","result":{"content":"a\\u12"}}',
    'a leading zero': '{"jsonrpc":"2.0","id":"cgw-1","result":{"n":01}}',
    'a bare dot': '{"jsonrpc":"2.0","id":"cgw-1","result":{"n":1.}}',
    'a trailing comma': '{"jsonrpc":"2.0","id":"cgw-1","result":{"n":[1,]}}',
    'single quotes': "{'jsonrpc':'2.0'}",
    'a misspelt literal': '{"jsonrpc":"2.0","id":"cgw-1","result":{"n":nul}}',
  };
  it.each(Object.entries(refused))('refuses %s, as JSON.parse does', (_name, raw) => {
    expect(() => JSON.parse(raw.toString())).toThrow();
    expect(skeletonOf(Buffer.isBuffer(raw) ? raw : Buffer.from(raw, 'utf8'))).toBeUndefined();
  });

  it('leaves to the ordinary path what it would decode differently or cannot place', () => {
    // Invalid UTF-8 (decoded to U+FFFD by the ordinary path), duplicate keys (the last wins there),
    // no result object, and an envelope that already holds the placeholder token.
    expect(skeletonOf(Buffer.concat([Buffer.from('{"jsonrpc":"2.0","id":"cgw-1","result":{"t":"'), Buffer.from([0xff]), Buffer.from('"}}')]))).toBeUndefined();
    expect(skeletonOf(Buffer.from('{"jsonrpc":"2.0","id":"cgw-1","result":{"a":1,"a":2}}'))).toBeUndefined();
    expect(skeletonOf(Buffer.from('{"jsonrpc":"2.0","id":"cgw-1","error":{"code":1,"message":"x"}}'))).toBeUndefined();
    expect(skeletonOf(Buffer.from('{"jsonrpc":"2.0","id":"cgw-1","result":{"_meta":{"x":"cgw-splice-0"},"content":[]}}'))).toBeUndefined();
  });
});
