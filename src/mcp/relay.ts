import type { ServerResponse } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import type { ExchangeBody, ExchangeHead } from '../http/exchange.js';
import { SERVER_INFO } from './server-factory.js';
import { SseParser } from './sse.js';
import { fillSkeleton, skeletonOf } from './json-splice.js';
import { isObject, outcomeOf, SERVER_INFO_META, type Era, type JsonObject } from './era-translation.js';

/** Largest single message relayed from an upstream (the SDK path applies the same bound). */
export const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

export type Relayed = { outcome: 'success' | 'tool_error' | 'error' } | { outcome: 'protocol'; reason: string };

/** A single JSON response: restore the client's id (2025 era) and put our own server identity in `_meta`. */
export async function relayJson(
  res: ServerResponse,
  upstream: ExchangeHead,
  era: Era,
  clientId: string | number,
  upstreamId: string | number,
  translate: (m: JsonObject) => JsonObject,
  failureText: (reason: string) => string,
  where: string,
  scrub: (json: string) => string = (t) => t,
  /** Whether the upstream's bytes hold a secret `scrub` would mask (then they are decoded and scrubbed whole). */
  mayHoldSecret: (raw: Buffer) => boolean = () => false,
): Promise<Relayed> {
  const refuse = (reason: string): Relayed => {
    writeSynthetic(res, era, clientId, failureText(reason));
    return { outcome: 'protocol', reason };
  };
  const type = String(upstream.headers['content-type'] ?? '');
  if (!/^application\/json\b/i.test(type)) {
    await upstream.body.dump();
    return refuse(`${where} answered tools/call with content type ${JSON.stringify(type.slice(0, 60) || 'none')} instead of JSON`);
  }
  const tooLarge = `${where} answered tools/call with a message larger than the ${MAX_MESSAGE_BYTES}-byte limit`;
  if (Number(upstream.headers['content-length'] ?? 0) > MAX_MESSAGE_BYTES) {
    upstream.body.abort(new Error('too large'));
    return refuse(tooLarge);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  try {
    await upstream.body.consume((chunk) => {
      if (over) return;
      size += chunk.length;
      if (size > MAX_MESSAGE_BYTES) {
        over = true;
        upstream.body.abort(new Error('too large'));
      } else chunks.push(chunk);
    });
  } catch (e) {
    if (!over) throw e;
  }
  if (over) return refuse(tooLarge);
  const raw = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  if (raw.length >= SPLICE_FROM_BYTES && !mayHoldSecret(raw)) {
    const spliced = relaySpliced(res, raw, upstreamId, translate, scrub);
    if (spliced) return spliced;
  }
  let message: unknown;
  try {
    message = JSON.parse(raw.toString('utf8'));
  } catch {
    return refuse(`${where} answered tools/call with malformed JSON`);
  }
  if (!isObject(message) || message.id !== upstreamId || (!isObject(message.result) && !isObject(message.error))) {
    return refuse(`${where} answered tools/call with something that is not its JSON-RPC response`);
  }
  const out = translate(message);
  endJson(res, scrub(JSON.stringify(out)));
  return { outcome: outcomeOf(out) };
}

/** From this size on a JSON answer is relayed by splicing its bytes (json-splice.ts) rather than re-encoding it. */
const SPLICE_FROM_BYTES = 64 * 1024;

/**
 * The answer with its envelope translated and everything else copied from the upstream's bytes, or
 * undefined when it is not a well-formed result answering `upstreamId` (the ordinary path then
 * decides, and says what is wrong).
 */
function relaySpliced(res: ServerResponse, raw: Buffer, upstreamId: string | number, translate: (m: JsonObject) => JsonObject, scrub: (json: string) => string): Relayed | undefined {
  const skeleton = skeletonOf(raw);
  if (!skeleton) return undefined;
  let message: unknown;
  try {
    message = JSON.parse(skeleton.text);
  } catch {
    return undefined;
  }
  if (!isObject(message) || message.id !== upstreamId || !isObject(message.result)) return undefined;
  const out = translate(message);
  const parts = fillSkeleton(scrub(JSON.stringify(out)), skeleton.spans);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': parts.reduce((n, p) => n + p.length, 0) });
  // One write for all of it: end() uncorks.
  res.cork();
  for (const p of parts.slice(0, -1)) res.write(p);
  res.end(parts.at(-1));
  return { outcome: outcomeOf(out) };
}

/** Largest error answer read from a non-200 response: an error message has no business being larger. */
const MAX_ERROR_ANSWER_BYTES = 64 * 1024;

/**
 * A non-200 response whose body is the JSON-RPC error answering `upstreamId` (or the null id the
 * SDK uses when it rejects before reading the id), or undefined. Reads at most 64 KiB.
 */
export async function readErrorAnswer(upstream: ExchangeHead, upstreamId: string | number): Promise<JsonObject | undefined> {
  if (!/^application\/json\b/i.test(String(upstream.headers['content-type'] ?? ''))) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  try {
    await upstream.body.consume((chunk) => {
      if (over) return;
      size += chunk.length;
      if (size > MAX_ERROR_ANSWER_BYTES) {
        over = true;
        upstream.body.abort(new Error('too large'));
      } else chunks.push(chunk);
    });
  } catch (e) {
    if (!over) throw e;
  }
  if (over) return undefined;
  let message: unknown;
  try {
    message = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isObject(message) || message.jsonrpc !== '2.0' || (message.id !== upstreamId && message.id !== null)) return undefined;
  const error = message.error;
  if (!isObject(error) || typeof error.code !== 'number' || !Number.isInteger(error.code) || typeof error.message !== 'string') return undefined;
  return { jsonrpc: '2.0', id: upstreamId, error };
}

/**
 * An SSE response (progress before the result): relay event by event, rewriting only the final
 * response. An event over the size limit, or a stream that ends without the response, still ends
 * with a result for the caller: an isError naming the configuration.
 */
export async function relayStream(
  res: ServerResponse,
  body: ExchangeBody,
  upstreamId: string | number,
  translate: (m: JsonObject) => JsonObject,
  fail: (reason: string) => void,
  where: string,
  scrub: (json: string) => string = (t) => t,
): Promise<Relayed> {
  // Like the SDK's 'auto' response mode: the stream is opened only when something precedes the
  // response (progress); a response that comes first goes back as plain JSON, cheaper to read.
  const openStream = () => {
    if (!res.headersSent) res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  };
  const parser = new SseParser(MAX_MESSAGE_BYTES);
  // A character split across two chunks must not turn into two replacement characters.
  const decoder = new StringDecoder('utf8');
  let answered: Relayed | undefined;
  let refused: Relayed | undefined;
  let linger: NodeJS.Timeout | undefined;
  // A slow client holds the upstream back instead of growing our buffers.
  const onDrain = () => body.resume();
  res.on('drain', onDrain);
  const onChunk = (chunk: Buffer): boolean => {
    // After the response the upstream closes the stream; reading to its end (instead of
    // cutting it) keeps the pooled connection alive. One that lingers is cut after 5 s.
    if (answered || refused) return true;
    let events;
    try {
      events = parser.push(decoder.write(chunk));
    } catch {
      const reason = `${where} sent an event larger than the ${MAX_MESSAGE_BYTES}-byte limit`;
      refused = { outcome: 'protocol', reason };
      body.abort(new Error(reason));
      fail(reason);
      return true;
    }
    let more = true;
    for (const event of events) {
      if (answered || event.data === '') continue; // priming events carry nothing for the client
      let message: unknown;
      try {
        message = JSON.parse(event.data);
      } catch {
        continue;
      }
      if (isObject(message) && message.id === upstreamId && (isObject(message.result) || isObject(message.error))) {
        const out = translate(message);
        const text = scrub(JSON.stringify(out));
        if (res.headersSent) res.end(`event: message\ndata: ${text}\n\n`);
        else endJson(res, text);
        answered = { outcome: outcomeOf(out) };
        linger = setTimeout(() => body.abort(new Error('the upstream kept the answered stream open')), 5_000);
      } else {
        openStream();
        more = res.write(`event: message\ndata: ${scrub(event.data)}\n\n`);
      }
    }
    return more || answered !== undefined;
  };
  try {
    await body.consume(onChunk);
  } catch (e) {
    if (!answered && !refused) throw e;
  } finally {
    clearTimeout(linger);
    res.off('drain', onDrain);
  }
  if (answered) return answered;
  if (refused) return refused;
  const reason = `${where} closed the stream without answering tools/call`;
  fail(reason);
  return { outcome: 'protocol', reason };
}

/** Ends the response (a started SSE stream, or plain JSON if none started) with an isError result. */
export function streamFailure(res: ServerResponse, era: Era, id: string | number, text: string): void {
  if (res.writableEnded || res.destroyed) return;
  if (!res.headersSent) {
    writeSynthetic(res, era, id, text);
    return;
  }
  const result: JsonObject = { content: [{ type: 'text', text }], isError: true };
  if (era === 'modern') {
    result.resultType = 'complete';
    result._meta = { [SERVER_INFO_META]: SERVER_INFO };
  }
  res.end(`event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', id, result })}\n\n`);
}

/**
 * Ends the response of a request the client cancelled without answering it: the receiver of a
 * cancellation does not respond to the cancelled request (MCP cancellation). A 2025-era client's
 * POST is still open, so it ends as an SSE stream with no message (a client reads that as the end
 * of the request's stream); a 2026-era client closed its request itself.
 */
export function endUnanswered(res: ServerResponse): void {
  if (res.writableEnded || res.destroyed) return;
  if (!res.headersSent) res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.end();
}

export function writeSynthetic(res: ServerResponse, era: Era, id: string | number, text: string): void {
  if (res.headersSent || res.destroyed) return;
  const result: JsonObject = { content: [{ type: 'text', text }], isError: true };
  if (era === 'modern') {
    result.resultType = 'complete';
    result._meta = { [SERVER_INFO_META]: SERVER_INFO };
  }
  endJson(res, JSON.stringify({ jsonrpc: '2.0', id, result }));
}

/**
 * A whole JSON answer with its length: headers and body leave in one write, and the client knows
 * where the body ends without chunked framing.
 */
export function endJson(res: ServerResponse, body: string, status = 200): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
