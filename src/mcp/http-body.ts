import type { IncomingMessage, ServerResponse } from 'node:http';

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
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    writeJsonRpcError(res, 413, -32000, `Payload Too Large: the body exceeds ${maxBytes} bytes`);
    req.resume();
    return { ok: false };
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      writeJsonRpcError(res, 413, -32000, `Payload Too Large: the body exceeds ${maxBytes} bytes`);
      req.destroy();
      return { ok: false };
    }
    chunks.push(chunk);
  }
  try {
    return { ok: true, value: JSON.parse(Buffer.concat(chunks).toString('utf8')) };
  } catch {
    writeJsonRpcError(res, 400, -32700, 'Parse error: the body is not valid JSON');
    return { ok: false };
  }
}

export function writeJsonRpcError(res: ServerResponse, status: number, code: number, message: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}
