import { ID_PREFIX, newId } from '../domain/ids.js';
import type { Logger } from '../domain/logger.js';
import type { GatewayObserver, ToolCallEvent } from '../gateway/types.js';
import type { AuditEvent, Store } from '../store/types.js';

export interface AuditObserverOptions {
  /** Longest a tool call waits in memory before it is written (default 100 ms). */
  flushMs?: number;
  /** A batch this large is written at once (default 100). */
  maxBatch?: number;
  /** Beyond this many unwritten events (the store is failing), the oldest are dropped and counted. */
  maxPending?: number;
  log: Logger;
}

export interface AuditObserver extends GatewayObserver {
  /** Writes what is buffered now; resolves when it is on file. */
  flush(): Promise<void>;
  /** Flushes and stops the timer; later events are still written, by the next explicit flush. */
  close(): Promise<void>;
}

interface Pending {
  e: ToolCallEvent;
  at: number;
}

/**
 * Every tool call becomes an audit event: who, when, which configuration, which tool, how it ended,
 * never its arguments. The call path only pushes to an array; ids, validation and the file write
 * happen later, in batches, one write at a time.
 */
export function auditObserver(store: Pick<Store, 'appendAuditBatch'>, opts: AuditObserverOptions): AuditObserver {
  const flushMs = opts.flushMs ?? 100;
  const maxBatch = opts.maxBatch ?? 100;
  const maxPending = opts.maxPending ?? 10_000;
  let pending: Pending[] = [];
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();
  let dropped = 0;
  let closed = false;

  const flush = (): Promise<void> => {
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (pending.length === 0) return writing;
    const batch = pending;
    pending = [];
    // Chained: batches reach the file in the order the calls ended.
    writing = writing.then(async () => {
      try {
        await store.appendAuditBatch(batch.map(toAuditEvent));
      } catch (e) {
        opts.log.warn({ events: batch.length, err_code: (e as { code?: unknown }).code }, 'could not write tool-call audit events');
      }
    });
    return writing;
  };

  return {
    toolCalled(e) {
      pending.push({ e, at: Date.now() });
      if (pending.length > maxPending) {
        const excess = pending.length - maxPending;
        pending.splice(0, excess);
        if (dropped === 0) opts.log.warn({ max_pending: maxPending }, 'the audit log is not keeping up; dropping the oldest tool-call events');
        dropped += excess;
      }
      if (pending.length >= maxBatch) void flush();
      else if (!timer && !closed) {
        timer = setTimeout(() => void flush(), flushMs);
        // A pending flush must not keep a finished CLI process alive; close() writes what is left.
        timer.unref();
      }
    },
    flush,
    async close() {
      closed = true;
      await flush();
      if (dropped > 0) opts.log.warn({ dropped }, 'tool-call audit events were dropped');
    },
  };
}

function toAuditEvent({ e, at }: Pending): AuditEvent {
  return {
    id: newId(ID_PREFIX.audit),
    object: 'audit_event',
    created_at: new Date(at).toISOString(),
    organization_id: e.owner.organization_id,
    ...(e.owner.user_id !== undefined ? { user_id: e.owner.user_id } : {}),
    ...(e.owner.user_id === undefined && e.owner.api_key_id !== undefined ? { api_key_id: e.owner.api_key_id } : {}),
    action: 'tool.called',
    target: e.configurationId,
    outcome: e.outcome === 'success' ? 'success' : 'failure',
    detail: {
      tool: e.tool,
      upstream_tool: e.upstreamTool,
      connector: e.connectorId,
      outcome: e.outcome,
      duration_ms: Math.round(e.durationMs * 100) / 100,
      ...(e.errorKind !== undefined ? { error_kind: e.errorKind } : {}),
    },
  };
}
