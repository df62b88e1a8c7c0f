import { Client, StreamableHTTPClientTransport, type DiscoverResult, type ServerCapabilities, type SubscriptionFilter } from '@modelcontextprotocol/client';
import type { ListKind } from '../../src/domain/connector.js';
import type { Logger } from '../../src/domain/logger.js';
import type { FetchLike } from './fetch.js';

const LIST_CHANGED: readonly { kind: ListKind; method: 'notifications/tools/list_changed' | 'notifications/resources/list_changed' | 'notifications/prompts/list_changed'; filter: keyof SubscriptionFilter }[] = [
  { kind: 'tools', method: 'notifications/tools/list_changed', filter: 'toolsListChanged' },
  { kind: 'resources', method: 'notifications/resources/list_changed', filter: 'resourcesListChanged' },
  { kind: 'prompts', method: 'notifications/prompts/list_changed', filter: 'promptsListChanged' },
];

/** The lists this server says it announces changes of (`capabilities.<kind>.listChanged`). */
export function announcedLists(capabilities: ServerCapabilities | undefined): ListKind[] {
  return LIST_CHANGED.filter((l) => capabilities?.[l.kind]?.listChanged === true).map((l) => l.kind);
}

/**
 * A 2025-era (or legacy SSE) connection delivers `list_changed` unsolicited, on the session's
 * standalone stream, which the SDK client opens by itself: handlers on the client are enough.
 */
export function handleListChanged(client: Client, onChanged: (kind: ListKind) => void): void {
  for (const l of LIST_CHANGED) client.setNotificationHandler(l.method, () => onChanged(l.kind));
}

export interface ListWatch {
  close(): Promise<void>;
}

const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 60_000;

/**
 * A 2026-era upstream is stateless and the session releases its client between operations, so its
 * `list_changed` notifications arrive only on a `subscriptions/listen` stream held open for them:
 * one per configuration, on a client of its own. When the upstream ends the stream (restart,
 * shutdown, network), it is opened again with a growing pause, and every list it covers is
 * reported changed, since a notification may have been missed meanwhile.
 */
export function watchModernLists(opts: {
  url: URL;
  fetch: FetchLike;
  discover: DiscoverResult;
  clientInfo: { name: string; version: string };
  onChanged: (kind: ListKind) => void;
  log: Logger;
}): ListWatch | undefined {
  const kinds = announcedLists(opts.discover.capabilities);
  if (kinds.length === 0) return undefined;
  const filter: SubscriptionFilter = {};
  for (const l of LIST_CHANGED) if (kinds.includes(l.kind)) filter[l.filter] = true as never;

  let closed = false;
  let current: Client | undefined;
  let wake: (() => void) | undefined;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const run = async () => {
    let delay = FIRST_RETRY_MS;
    for (let round = 0; !closed; round++) {
      const client = new Client(opts.clientInfo, { versionNegotiation: { mode: 'auto' } });
      handleListChanged(client, opts.onChanged);
      current = client;
      try {
        await client.connect(new StreamableHTTPClientTransport(opts.url, { fetch: opts.fetch }), { prior: { kind: 'modern', discover: opts.discover } });
        const subscription = await client.listen(filter);
        if (round > 0) for (const k of kinds) opts.onChanged(k);
        delay = FIRST_RETRY_MS;
        const how = await subscription.closed;
        if (!closed) opts.log.debug({ how }, 'upstream list subscription ended; listening again');
      } catch (e) {
        if (!closed) opts.log.debug({ err: e instanceof Error ? e.message : String(e) }, 'could not listen for upstream list changes');
      }
      await client.close().catch(() => {});
      if (closed) break;
      await pause(delay);
      delay = Math.min(delay * 2, MAX_RETRY_MS);
    }
  };
  const done = run();
  return {
    async close() {
      closed = true;
      wake?.();
      await current?.close().catch(() => {});
      await done;
    },
  };
}
