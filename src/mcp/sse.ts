import { createParser, type EventSourceParser } from 'eventsource-parser';

/** One Server-Sent Event as the relay needs it. */
export interface SseEvent {
  /** The event type; `message` when the stream names none (as a browser's EventSource does). */
  event: string;
  data: string;
  /** The event's `id:`, which a client resumes from with `Last-Event-ID`. */
  id?: string;
}

/**
 * Incremental SSE framing on eventsource-parser (the parser the MCP SDK itself uses), which keeps
 * an unfinished line as fragments and joins them once: a large event costs time linear in its size.
 */
export class SseParser {
  private readonly parser: EventSourceParser;
  private completed: SseEvent[] = [];
  private tooLarge = false;
  /** The last `retry:` the stream sent, in ms: how long a client should wait before reconnecting. */
  retryMs: number | undefined;

  /** @param maxEventBytes an event (or an unfinished one) larger than this makes push() throw. */
  constructor(private readonly maxEventBytes = Number.POSITIVE_INFINITY) {
    const bounded = Number.isFinite(maxEventBytes);
    this.parser = createParser({
      ...(bounded ? { maxBufferSize: maxEventBytes } : {}),
      onEvent: (e) => {
        // The parser's bound covers what it buffers between chunks; an event whole in one chunk is checked here.
        if (e.data.length > this.maxEventBytes) this.tooLarge = true;
        else this.completed.push({ event: e.event ?? 'message', data: e.data, ...(e.id !== undefined ? { id: e.id } : {}) });
      },
      onRetry: (ms) => {
        this.retryMs = ms;
      },
      onError: (e) => {
        // Unknown fields and malformed retry values are ignored, as the SSE standard says.
        if (e.type === 'max-buffer-size-exceeded') this.tooLarge = true;
      },
    });
  }

  /** Feeds a chunk; returns the events it completed (an event ends at a blank line). */
  push(chunk: string): SseEvent[] {
    if (this.tooLarge) throw this.overLimit();
    this.parser.feed(chunk);
    if (this.tooLarge) throw this.overLimit();
    const events = this.completed;
    this.completed = [];
    return events;
  }

  private overLimit(): RangeError {
    return new RangeError(`an event exceeds ${this.maxEventBytes} bytes`);
  }
}
