import type { EventId, EventStore, JSONRPCMessage, StreamId } from '@modelcontextprotocol/server';

/**
 * An in-memory event store for one 2025-era session: what makes its SSE streams resumable
 * (SEP-1699). Written here rather than taken from the SDK, which ships only the interface.
 * Event ids carry a per-store sequence number, so "after" is a plain comparison within a stream.
 */
export function createMemoryEventStore(): EventStore {
  const byId = new Map<EventId, { streamId: StreamId; seq: number }>();
  const byStream = new Map<StreamId, Array<{ id: EventId; seq: number; message: JSONRPCMessage }>>();
  let seq = 0;
  return {
    async storeEvent(streamId, message) {
      seq += 1;
      const id = `${streamId}_${seq}`;
      byId.set(id, { streamId, seq });
      const list = byStream.get(streamId) ?? [];
      list.push({ id, seq, message });
      byStream.set(streamId, list);
      return id;
    },
    async getStreamIdForEventId(eventId) {
      return byId.get(eventId)?.streamId;
    },
    async replayEventsAfter(lastEventId, { send }) {
      const last = byId.get(lastEventId);
      if (!last) throw new Error(`Unknown event id: ${lastEventId}`);
      for (const event of byStream.get(last.streamId) ?? []) {
        // Priming events are stored as `{}`: they hold a place in the sequence, not a message.
        if (event.seq > last.seq && Object.keys(event.message).length > 0) await send(event.id, event.message);
      }
      return last.streamId;
    },
  };
}
