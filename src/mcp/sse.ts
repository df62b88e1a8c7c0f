/** A minimal incremental Server-Sent Events parser: enough to relay `data:` events between peers. */
export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

export class SseParser {
  private buffer = '';
  /**
   * Where the search for the end of the event resumes: the text before it holds no blank line.
   * Searching the whole buffer on every chunk made one large event cost time quadratic in its size
   * (an 8 MiB event arriving in 64 KiB chunks: seconds of CPU).
   */
  private scanned = 0;

  /** @param maxEventBytes an event (or an unfinished one) larger than this makes push() throw. */
  constructor(private readonly maxEventBytes = Number.POSITIVE_INFINITY) {}

  /** Feeds a chunk; returns the events it completed (an event ends at a blank line). */
  push(chunk: string): SseEvent[] {
    this.buffer += chunk;
    const events: SseEvent[] = [];
    for (;;) {
      // A terminator may straddle the previous chunk's end: back up by its longest length minus one.
      END.lastIndex = Math.max(0, this.scanned - 3);
      const match = END.exec(this.buffer);
      if (!match) {
        this.scanned = this.buffer.length;
        if (this.buffer.length > this.maxEventBytes) throw new RangeError(`an event exceeds ${this.maxEventBytes} bytes`);
        return events;
      }
      if (match.index > this.maxEventBytes) throw new RangeError(`an event exceeds ${this.maxEventBytes} bytes`);
      const block = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      this.scanned = 0;
      const event = parseBlock(block);
      if (event) events.push(event);
    }
  }
}

/** The blank line that ends an event; global so a search can start where the last one stopped. */
const END = /\r\n\r\n|\n\n|\r\r/g;

function parseBlock(block: string): SseEvent | undefined {
  let event = 'message';
  let id: string | undefined;
  const data: string[] = [];
  let seen = false;
  for (const line of block.split(/\r\n|\n|\r/)) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    seen = true;
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    else if (field === 'id') id = value;
  }
  if (!seen) return undefined;
  return { event, data: data.join('\n'), ...(id !== undefined ? { id } : {}) };
}
