import type { JSONRPCMessage, MessageExtraInfo, Transport, TransportSendOptions } from '@modelcontextprotocol/server';
import type { Logger } from '../domain/logger.js';
import type { PrincipalGateway } from '../gateway/principal-gateway.js';
import { holdSubscriptions, listenedResources } from './resource-subscriptions.js';

const ENVELOPE_VERSION = 'io.modelcontextprotocol/protocolVersion';

/**
 * The stdio transport, watched on its way in: the SDK's stdio entry serves a 2026-era
 * `subscriptions/listen` itself (the gateway's server never sees it), so the resources it names
 * are subscribed upstream here, and released when the client cancels that listen request or the
 * connection ends. The listen is passed on once the upstreams took them, so the client's
 * acknowledgement means updates can flow.
 */
export function holdListenedResources(inner: Transport, gateway: PrincipalGateway, log: Logger): Transport {
  const held = new Map<string | number, Promise<() => void>>();
  const controller = new AbortController();
  const releaseOne = (id: string | number) => {
    const hold = held.get(id);
    held.delete(id);
    void hold?.then((release) => release());
  };
  const tap: Transport = {
    start: () => inner.start(),
    send: (message: JSONRPCMessage, options?: TransportSendOptions) => inner.send(message, options),
    close: () => inner.close(),
  };
  let deliver: ((message: JSONRPCMessage, extra?: MessageExtraInfo) => void) | undefined;
  // Messages are handed on in order: while a listen waits for its upstreams, what follows waits too.
  let waiting = 0;
  let queue = Promise.resolve();
  const guarded = (step: () => void) => () => {
    try {
      step();
    } catch (e) {
      tap.onerror?.(e instanceof Error ? e : new Error(String(e)));
    }
  };
  const inOrder = (step: () => void) => {
    if (waiting === 0) guarded(step)();
    else queue = queue.then(guarded(step));
  };
  inner.onmessage = (message: JSONRPCMessage, extra?: MessageExtraInfo) => {
    const listen = listenedResources(message);
    if (listen !== undefined && isModernEnvelope(message)) {
      const hold = holdSubscriptions(gateway, listen.uris, controller.signal, log);
      releaseOne(listen.id);
      held.set(listen.id, hold);
      waiting++;
      queue = queue.then(() => hold.then(() => {}));
      queue = queue.then(
        guarded(() => {
          waiting--;
          deliver?.(message, extra);
        }),
      );
      return;
    }
    if (isCancellationOf(message, held)) releaseOne(message.params.requestId);
    inOrder(() => deliver?.(message, extra));
  };
  inner.onclose = () => {
    controller.abort();
    for (const id of [...held.keys()]) releaseOne(id);
    inOrder(() => tap.onclose?.());
  };
  inner.onerror = (e: Error) => tap.onerror?.(e);
  Object.defineProperty(tap, 'onmessage', {
    get: () => deliver,
    set: (fn: typeof deliver) => (deliver = fn),
    enumerable: true,
  });
  if (inner.setProtocolVersion) tap.setProtocolVersion = (v: string) => inner.setProtocolVersion?.(v);
  return tap;
}

function isModernEnvelope(message: JSONRPCMessage): boolean {
  const params = (message as { params?: { _meta?: Record<string, unknown> } }).params;
  return typeof params?._meta?.[ENVELOPE_VERSION] === 'string';
}

function isCancellationOf(message: JSONRPCMessage, held: Map<string | number, unknown>): message is JSONRPCMessage & { params: { requestId: string | number } } {
  const m = message as { method?: unknown; params?: { requestId?: unknown } };
  const id = m.params?.requestId;
  return m.method === 'notifications/cancelled' && (typeof id === 'string' || typeof id === 'number') && held.has(id);
}
