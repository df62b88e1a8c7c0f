/**
 * The relay's SSE framing (eventsource-parser underneath): what the relay reads from an event,
 * and the per-event bound whether an oversized event arrives in pieces or in one chunk.
 */
import { describe, expect, it } from 'vitest';
import { SseParser } from '../../src/mcp/sse.js';

describe('SseParser', () => {
  it('keeps each event’s id (for Last-Event-ID), names unnamed events `message`, and joins data lines', () => {
    const parser = new SseParser();
    const events = parser.push('id: 41\ndata: \n\n: a comment\nevent: notice\nid: 42\ndata: {"a":\ndata: 1}\n\ndata: x\n\n');
    expect(events).toEqual([
      { event: 'message', data: '', id: '41' },
      { event: 'notice', data: '{"a":\n1}', id: '42' },
      // An event without id: has none of its own; the last one seen is the reader's to keep.
      { event: 'message', data: 'x' },
    ]);
  });

  it('reports the reconnection delay the stream asks for with retry:, ignoring a malformed one', () => {
    const parser = new SseParser();
    parser.push('retry: 1500\n\n');
    expect(parser.retryMs).toBe(1500);
    parser.push('retry: soon\n\n');
    expect(parser.retryMs).toBe(1500);
  });

  it('completes an event only at its blank line, across chunks cut anywhere', () => {
    const parser = new SseParser();
    const text = 'event: message\r\ndata: {"jsonrpc":"2.0"}\r\n\r\n';
    const seen = [...text].flatMap((ch) => parser.push(ch));
    expect(seen).toEqual([{ event: 'message', data: '{"jsonrpc":"2.0"}' }]);
  });

  it('refuses an event over the bound, arriving in pieces or whole, and stays refused', () => {
    const pieces = new SseParser(1000);
    pieces.push('data: ');
    expect(() => {
      for (let i = 0; i < 20; i++) pieces.push('x'.repeat(100));
    }).toThrow(RangeError);
    expect(() => pieces.push('\n\n')).toThrow(/exceeds 1000 bytes/);

    const whole = new SseParser(1000);
    expect(whole.push(`data: ${'y'.repeat(999)}\n\n`)).toHaveLength(1);
    expect(() => whole.push(`data: ${'y'.repeat(1001)}\n\n`)).toThrow(/exceeds 1000 bytes/);
  });
});
