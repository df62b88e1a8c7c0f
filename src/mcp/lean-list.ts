import type { IncomingMessage, ServerResponse } from 'node:http';
import { SERVER_INFO } from './server-factory.js';
import { PROTOCOL_VERSION_META, SERVER_INFO_META } from './era-translation.js';
import { leanEra } from './lean-headers.js';

const MODERN_TAIL = `,"resultType":"complete","ttlMs":0,"cacheScope":"private","_meta":${JSON.stringify({ [SERVER_INFO_META]: SERVER_INFO })}`;

/**
 * tools/list without re-validating and re-serializing the whole table on every request: the
 * table is serialized once per change (for the 2026 era through the SDK's own encoder, which drops
 * 2025-only fields), and the answer is that string in the envelope the SDK would write for the
 * client's era (checked against the SDK's own output in the tests).
 * Paginated requests (a cursor) and anything unusual are left to the SDK path.
 */
export async function tryLeanList(
  req: IncomingMessage,
  res: ServerResponse,
  body: unknown,
  /** The tools array as JSON, as the SDK serializes it for that era. */
  toolsJson: (era: 'modern' | 'legacy') => Promise<string>,
  session: string | undefined,
): Promise<boolean> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const m = body as Record<string, unknown>;
  if (m.jsonrpc !== '2.0' || m.method !== 'tools/list') return false;
  if (typeof m.id !== 'string' && typeof m.id !== 'number') return false;
  const params = m.params;
  if (params !== undefined && (typeof params !== 'object' || params === null || Array.isArray(params))) return false;
  const p = (params ?? {}) as Record<string, unknown>;
  if (p.cursor !== undefined) return false;
  const meta = p._meta as Record<string, unknown> | undefined;
  const era = leanEra(req, session, { method: 'tools/list', claimed: meta?.[PROTOCOL_VERSION_META] });
  if (!era) return false;
  const modern = era === 'modern';
  const tools = await toolsJson(modern ? 'modern' : 'legacy');
  const head = encodedHead(tools, modern);
  const tail = `${JSON.stringify(m.id)}}`;
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': head.length + Buffer.byteLength(tail) });
  // One write for both parts: end() uncorks.
  res.cork();
  res.write(head);
  res.end(tail);
  return true;
}

/**
 * The answer up to its id, encoded once per table and era: building and encoding a 1,000-tool
 * answer on every request (a few hundred KB) cost more than the rest of the request, most of it in
 * garbage collection. Keyed by the table's JSON (V8 keeps a string's hash, so a lookup with the
 * same string does not rescan it); principals with the same tools share an entry. Bounded in bytes.
 */
const heads = { modern: new Map<string, Buffer>(), legacy: new Map<string, Buffer>() };
let headBytes = 0;
const MAX_HEAD_BYTES = 8 * 1024 * 1024;

function encodedHead(tools: string, modern: boolean): Buffer {
  // The table string itself is the key (a prefixed copy would be a new string, hashed anew each time).
  const cache = modern ? heads.modern : heads.legacy;
  let head = cache.get(tools);
  if (head) return head;
  head = Buffer.from(`{"result":{"tools":${tools}${modern ? MODERN_TAIL : ''}},"jsonrpc":"2.0","id":`, 'utf8');
  // Oldest first out, until the new one fits.
  for (const c of [heads.modern, heads.legacy]) {
    for (const [k, b] of c) {
      if (headBytes + head.length <= MAX_HEAD_BYTES) break;
      c.delete(k);
      headBytes -= b.length;
    }
  }
  cache.set(tools, head);
  headBytes += head.length;
  return head;
}
