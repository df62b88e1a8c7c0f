import type { Readable } from 'node:stream';

export type BodyRead = { ok: true; bytes: Buffer } | { ok: false; receivedBytes: number };

/**
 * Reads a response body up to `maxBytes`. Stops and destroys the stream as soon as the limit is
 * passed (or at once when Content-Length already says so), so a 50 MB answer costs at most
 * `maxBytes` of memory, never the whole body.
 */
export async function readLimited(body: Readable, maxBytes: number, contentLength: string | undefined): Promise<BodyRead> {
  const declared = contentLength !== undefined && /^\d+$/.test(contentLength) ? Number(contentLength) : undefined;
  if (declared !== undefined && declared > maxBytes) {
    body.destroy();
    return { ok: false, receivedBytes: 0 };
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    total += buf.length;
    if (total > maxBytes) {
      body.destroy();
      return { ok: false, receivedBytes: total };
    }
    chunks.push(buf);
  }
  return { ok: true, bytes: Buffer.concat(chunks, total) };
}

/** Reads at most `maxBytes` of an error body and drops the rest: an excerpt is all a message needs. */
export async function readExcerpt(body: Readable, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    chunks.push(buf);
    total += buf.length;
    if (total >= maxBytes) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks, total).subarray(0, maxBytes);
}

export function isJsonContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const mime = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return mime === 'application/json' || mime.endsWith('+json') || mime === 'text/json';
}
