import type { IncomingMessage, ServerResponse } from 'node:http';
import { PayloadTooLargeError, ValidationError } from '../domain/errors.js';
import { pathDeeperThan } from '../domain/json.js';

/**
 * Reads the whole body up to `limit` bytes. A declared Content-Length over the limit is refused
 * before reading; a chunked body that grows past it is drained (so the client sees the 413 rather
 * than a reset) unless it keeps going far beyond, then the connection is cut.
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    throw new PayloadTooLargeError(limit);
  }
  // Events rather than an async iterator: this runs on every request, and the iterator's
  // promise per chunk showed in profiles of the call path.
  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        tooLarge = true;
        if (size > limit * 4) {
          cleanup();
          req.destroy();
          reject(new PayloadTooLargeError(limit));
        }
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      if (tooLarge) reject(new PayloadTooLargeError(limit));
      else resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'));
    };
    const onError = (e: Error) => {
      cleanup();
      reject(e);
    };
    const onClose = () => {
      // Closed before the end: the client went away mid-body.
      cleanup();
      reject(Object.assign(new Error('the request was aborted before its body ended'), { code: 'ECONNRESET' }));
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/** The body as JSON; an empty body is `undefined` so callers can say what they expected. */
export async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const text = await readBody(req, limit);
  if (text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    throw new ValidationError('request body is not valid JSON', undefined, 'invalid_json');
  }
  const tooDeep = pathDeeperThan(value, MAX_JSON_DEPTH);
  if (tooDeep !== undefined) {
    throw new ValidationError(`${tooDeep} is nested deeper than ${MAX_JSON_DEPTH} levels; flatten the value`, tooDeep, 'too_deep');
  }
  return value;
}

/** No configuration needs more; recursive code downstream (merge patch, validation) stays far from the stack limit. */
const MAX_JSON_DEPTH = 64;


export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...headers,
  });
  res.end(text);
}

/** The bearer token of a request, if any (scheme is case-insensitive per RFC 6750). */
export function bearerToken(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer[ \t]+([^\s]+)[ \t]*$/i.exec(h);
  return m?.[1];
}
