/**
 * What differs between the protocol eras for `tools/call`, and nothing else: the 2026 per-request
 * envelope in `_meta`, `resultType`, cache hints and the server identity in result `_meta`.
 */
import { SERVER_INFO } from './server-factory.js';

/** The revision the SDK serves in the stateless era; the lean path handles exactly it. */
export const MODERN_REVISION = '2026-07-28';
const ENVELOPE_PREFIX = 'io.modelcontextprotocol/';
export const SERVER_INFO_META = 'io.modelcontextprotocol/serverInfo';
export const PROTOCOL_VERSION_META = 'io.modelcontextprotocol/protocolVersion';
const CLIENT_INFO_META = 'io.modelcontextprotocol/clientInfo';
const CLIENT_CAPABILITIES_META = 'io.modelcontextprotocol/clientCapabilities';
/** How the gateway introduces itself when it speaks for a 2025-era client to a 2026-era upstream. */
const GATEWAY_CLIENT_INFO = { name: SERVER_INFO.name, version: SERVER_INFO.version };

export type Era = 'modern' | 'legacy';
export type JsonObject = Record<string, unknown>;

/** The params sent upstream: the upstream's tool name, and the per-request envelope of the upstream's era. */
export function upstreamParams(params: JsonObject, upstreamName: string, clientEra: Era, upstreamEra: Era): JsonObject {
  const out: JsonObject = { ...params, name: upstreamName };
  if (clientEra === upstreamEra) return out;
  const meta: JsonObject = {};
  if (isObject(params._meta)) for (const [k, v] of Object.entries(params._meta)) if (!k.startsWith(ENVELOPE_PREFIX)) meta[k] = v;
  if (upstreamEra === 'modern') {
    meta[PROTOCOL_VERSION_META] = MODERN_REVISION;
    meta[CLIENT_INFO_META] = GATEWAY_CLIENT_INFO;
    meta[CLIENT_CAPABILITIES_META] = {};
  }
  if (Object.keys(meta).length > 0) out._meta = meta;
  else delete out._meta;
  return out;
}

/** The upstream's response as the client's era expects it, with the client's id and our identity. */
export function rewriteResponse(message: JsonObject, clientId: string | number, clientEra: Era, upstreamEra: Era): JsonObject {
  const out: JsonObject = { ...message, id: clientId };
  if (!isObject(message.result)) return out;
  const result: JsonObject = { ...message.result };
  const meta: JsonObject = isObject(result._meta) ? { ...result._meta } : {};
  if (clientEra === 'modern') {
    meta[SERVER_INFO_META] = SERVER_INFO;
    result._meta = meta;
    if (upstreamEra === 'legacy') result.resultType = 'complete';
  } else if (upstreamEra === 'modern') {
    if (result.resultType !== undefined && result.resultType !== 'complete') {
      // Multi-round-trip input (2026 only): a 2025-era client cannot be asked through this path.
      return { ...out, result: { content: [{ type: 'text', text: 'The upstream tool asked for interactive input, which the gateway cannot relay to this client' }], isError: true } };
    }
    delete result.resultType;
    delete result.ttlMs;
    delete result.cacheScope;
    delete meta[SERVER_INFO_META];
    if (Object.keys(meta).length > 0) result._meta = meta;
    else delete result._meta;
    // The 2025 wire requires an object: the SDK's codec wraps other values the same way.
    if (result.structuredContent !== undefined && !isObject(result.structuredContent)) result.structuredContent = { result: result.structuredContent };
  }
  out.result = result;
  return out;
}

export function outcomeOf(message: JsonObject): 'success' | 'tool_error' | 'error' {
  if (isObject(message.error)) return 'error';
  return isObject(message.result) && message.result.isError === true ? 'tool_error' : 'success';
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
