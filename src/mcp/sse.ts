/** A minimal incremental Server-Sent Events parser: enough to relay `data:` events between peers. */
export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

export class SseParser {
  private buffer = '';

  /** @param maxEventBytes an event (or an unfinished one) larger than this makes push() throw. */
  constructor(private readonly maxEventBytes = Number.POSITIVE_INFINITY) {}

  /** Feeds a chunk; returns the events it completed (an event ends at a blank line). */
  push(chunk: string): SseEvent[] {
    this.buffer += chunk;
    if (this.buffer.length > this.maxEventBytes && !/\r\n\r\n|\n\n|\r\r/.test(this.buffer.slice(0, this.maxEventBytes))) {
      throw new RangeError(`an event exceeds ${this.maxEventBytes} bytes`);
    }
    const events: SseEvent[] = [];
    for (;;) {
      const match = /\r\n\r\n|\n\n|\r\r/.exec(this.buffer);
      if (!match) return events;
      const block = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      const event = parseBlock(block);
      if (event) events.push(event);
    }
  }
}

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
