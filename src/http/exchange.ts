import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';

/**
 * One HTTP request over an undici dispatcher with the body delivered to a callback, for the lean
 * call path. `request()` wraps every response body in a Readable stream and every step in a
 * promise; on a relay that answers thousands of small calls a second that bookkeeping cost more
 * than the relay itself. The connection handling (pooling, TLS, the guarded dial) stays undici's.
 */
export interface ExchangeHead {
  status: number;
  headers: IncomingHttpHeaders;
  body: ExchangeBody;
}

export interface ExchangeBody {
  /**
   * Delivers the body, chunks already received first. `onChunk` returning false pauses the
   * response until `resume()`. Resolves at the end of the body; rejects on an error or abort.
   */
  consume(onChunk: (chunk: Buffer) => boolean | void): Promise<void>;
  /** Reads the rest and throws it away (the connection stays pooled). */
  dump(): Promise<void>;
  resume(): void;
  abort(reason: Error): void;
}

export interface ExchangeRequest {
  url: URL;
  method: 'POST' | 'GET' | 'DELETE';
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
}

/** Resolves with the status and headers; the body follows through `head.body`. */
export function exchange(dispatcher: Dispatcher, req: ExchangeRequest): Promise<ExchangeHead> {
  return new Promise<ExchangeHead>((resolveHead, rejectHead) => {
    let controller: Dispatcher.DispatchController | undefined;
    let headed = false;
    let ended = false;
    let failure: Error | undefined;
    let buffered: Buffer[] = [];
    let onChunk: ((chunk: Buffer) => boolean | void) | undefined;
    let settle: { resolve(): void; reject(e: Error): void } | undefined;

    const onAbort = () => controller?.abort(abortError(req.signal));
    const finish = (e?: Error) => {
      req.signal.removeEventListener('abort', onAbort);
      if (e) failure = e;
      else ended = true;
      if (!headed) {
        rejectHead(e ?? new Error('the response ended before its headers'));
        return;
      }
      if (settle) {
        if (e) settle.reject(e);
        else settle.resolve();
      }
    };
    const deliver = (chunk: Buffer) => {
      if (onChunk!(chunk) === false) controller?.pause();
    };

    const body: ExchangeBody = {
      consume(fn) {
        onChunk = fn;
        const early = buffered;
        buffered = [];
        for (const chunk of early) deliver(chunk);
        if (failure) return Promise.reject(failure);
        if (ended) return Promise.resolve();
        return new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
      },
      dump() {
        return body.consume(() => true).catch(() => undefined);
      },
      resume() {
        controller?.resume();
      },
      abort(reason) {
        controller?.abort(reason);
      },
    };

    if (req.signal.aborted) {
      rejectHead(abortError(req.signal));
      return;
    }
    req.signal.addEventListener('abort', onAbort, { once: true });
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        controller = c;
        if (req.signal.aborted) c.abort(abortError(req.signal));
      },
      onResponseStart(_c, status, headers) {
        headed = true;
        resolveHead({ status, headers, body });
      },
      onResponseData(_c, chunk) {
        if (onChunk) deliver(chunk);
        else buffered.push(chunk);
      },
      onResponseEnd() {
        finish();
      },
      onResponseError(_c, e) {
        finish(e);
      },
    };
    try {
      dispatcher.dispatch({ origin: req.url.origin, path: req.url.pathname + req.url.search, method: req.method, headers: req.headers, body: req.body ?? null }, handler);
    } catch (e) {
      finish(e instanceof Error ? e : new Error(String(e)));
    }
  });
}

function abortError(signal: AbortSignal): Error {
  const r: unknown = signal.reason;
  return r instanceof Error ? r : new DOMException('This operation was aborted', 'AbortError');
}
