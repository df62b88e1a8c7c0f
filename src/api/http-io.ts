import type { IncomingMessage, ServerResponse } from 'node:http';
import { ValidationError } from '../domain/errors.js';
import { readBody } from '../http/request-body.js';
import { pathDeeperThan } from '../domain/json.js';

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
