import type { IncomingMessage, ServerResponse } from 'node:http';
import { PayloadTooLargeError } from '../domain/errors.js';
import { readBody } from '../http/request-body.js';
import { pathDeeperThan } from '../domain/json.js';

export type BodyRead = { ok: true; value: unknown } | { ok: false };

/**
 * Reads a JSON body within a byte limit. Answers 413 (too large), 415 (not JSON) or a JSON-RPC
 * parse error itself, so the caller only continues with a parsed value.
 */
export async function readJsonBody(req: IncomingMessage, res: ServerResponse, maxBytes: number): Promise<BodyRead> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type)) {
    writeJsonRpcError(res, 415, -32000, 'Unsupported Media Type: Content-Type must be application/json');
    return { ok: false };
  }
  let text: string;
  try {
    text = await readBody(req, maxBytes);
  } catch (e) {
    if (!(e instanceof PayloadTooLargeError)) throw e;
    writeJsonRpcError(res, 413, -32000, `Payload Too Large: the body exceeds ${maxBytes} bytes`);
    return { ok: false };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    writeJsonRpcError(res, 400, -32700, 'Parse error: the body is not valid JSON');
    return { ok: false };
  }
  const tooDeep = pathDeeperThan(value, MAX_MESSAGE_DEPTH);
  if (tooDeep !== undefined) {
    writeJsonRpcError(res, 400, -32600, `Invalid Request: ${tooDeep} is nested deeper than ${MAX_MESSAGE_DEPTH} levels`);
    return { ok: false };
  }
  return { ok: true, value };
}

/** Far beyond any real tool argument, far below what would overflow a recursive encoder. */
const MAX_MESSAGE_DEPTH = 256;

export function writeJsonRpcError(res: ServerResponse, status: number, code: number, message: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}
