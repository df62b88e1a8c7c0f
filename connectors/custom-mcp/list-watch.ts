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

/** What an upstream tells the gateway unasked: a list changed, a subscribed resource was updated. */
export interface UpstreamEvents {
  onChanged?: ((kind: ListKind) => void) | undefined;
  onResourceUpdated?: ((uri: string) => void) | undefined;
}

/**
 * A 2025-era (or legacy SSE) connection delivers `list_changed` and `resources/updated` unsolicited,
 * on the session's standalone stream, which the SDK client opens by itself: handlers on the client
 * are enough.
 */
export function handleUpstreamEvents(client: Client, events: UpstreamEvents): void {
  const { onChanged, onResourceUpdated } = events;
  if (onChanged) for (const l of LIST_CHANGED) client.setNotificationHandler(l.method, () => onChanged(l.kind));
  if (onResourceUpdated) client.setNotificationHandler('notifications/resources/updated', (n) => onResourceUpdated(n.params.uri));
}

export interface ListWatch {
  /**
   * From now on, also the updates of exactly these resources (the upstream's URIs). Settles once
   * the upstream acknowledged a stream with them, or the attempt failed (it is retried).
   */
  setResources(uris: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 60_000;

/**
 * A 2026-era upstream is stateless and the session releases its client between operations, so its
 * `list_changed` and `resources/updated` notifications arrive only on a `subscriptions/listen`
 * stream held open for them: one per configuration, on a client of its own. A filter cannot change
 * on an open stream, so a new set of resources opens a new stream, and the old one is closed once
 * the new one is acknowledged (an update in between arrives at most twice, never not at all).
 * When the upstream ends the stream (restart, shutdown, network), it is opened again with a growing
 * pause, and every list and resource it covers is reported changed, since a notification may have
 * been missed meanwhile.
 */
export function watchModernLists(opts: {
  url: URL;
  fetch: FetchLike;
  discover: DiscoverResult;
  clientInfo: { name: string; version: string };
  events: UpstreamEvents;
  log: Logger;
}): ListWatch | undefined {
  const kinds = opts.events.onChanged ? announcedLists(opts.discover.capabilities) : [];
  const subscribable = opts.events.onResourceUpdated !== undefined && opts.discover.capabilities.resources?.subscribe === true;
  if (kinds.length === 0 && !subscribable) return undefined;

  let closed = false;
  let resources: string[] = [];
  /** Bumped by every setResources; a stream acknowledged at version v settles the waiters up to v. */
  let version = 0;
  let waiters: { version: number; resolve: () => void }[] = [];
  const settle = (upTo: number) => {
    const done = waiters.filter((w) => w.version <= upTo);
    waiters = waiters.filter((w) => w.version > upTo);
    for (const w of done) w.resolve();
  };
  let wake: (() => void) | undefined;
  /** Resolves on the next setResources or close (whichever the loop is waiting through). */
  const nextChange = () => new Promise<'changed'>((resolve) => (wake = () => resolve('changed')));
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  const clients = new Set<Client>();
  const filterNow = (): SubscriptionFilter => {
    const filter: SubscriptionFilter = {};
    for (const l of LIST_CHANGED) if (kinds.includes(l.kind)) filter[l.filter] = true as never;
    if (subscribable && resources.length > 0) filter.resourceSubscriptions = [...resources];
    return filter;
  };

  const drop = async (c: Client | undefined) => {
    if (!c) return;
    clients.delete(c);
    await c.close().catch(() => {});
  };

  const run = async () => {
    let delay = FIRST_RETRY_MS;
    let lost = false;
    let previous: Client | undefined;
    while (!closed) {
      const at = version;
      // Armed before anything awaits: a change from here on ends the wait below at once.
      const changed = nextChange();
      const filter = filterNow();
      if (Object.keys(filter).length === 0) {
        // Nothing to hear of (no list kinds, no resources yet): wait for a resource to be asked for.
        await drop(previous);
        previous = undefined;
        settle(at);
        await changed;
        continue;
      }
      const client = new Client(opts.clientInfo, { versionNegotiation: { mode: 'auto' } });
      handleUpstreamEvents(client, opts.events);
      clients.add(client);
      try {
        await client.connect(new StreamableHTTPClientTransport(opts.url, { fetch: opts.fetch }), { prior: { kind: 'modern', discover: opts.discover } });
        const subscription = await client.listen(filter);
        await drop(previous);
        previous = undefined;
        settle(at);
        if (lost) {
          for (const k of kinds) opts.events.onChanged?.(k);
          for (const uri of filter.resourceSubscriptions ?? []) opts.events.onResourceUpdated?.(uri);
        }
        lost = false;
        delay = FIRST_RETRY_MS;
        const how = await Promise.race([subscription.closed, changed]);
        if (how === 'changed' && !closed) {
          // Kept open until its successor is acknowledged.
          previous = client;
          continue;
        }
        if (!closed) opts.log.debug({ how }, 'upstream list subscription ended; listening again');
      } catch (e) {
        if (!closed) opts.log.debug({ err: e instanceof Error ? e.message : String(e) }, 'could not listen for upstream list changes');
      }
      await drop(client);
      await drop(previous);
      previous = undefined;
      if (closed) break;
      lost = true;
      // Whoever waits for this filter learns now that it failed, not after the pause.
      settle(at);
      if (version === at) {
        await pause(delay);
        delay = Math.min(delay * 2, MAX_RETRY_MS);
      }
    }
    settle(Number.POSITIVE_INFINITY);
  };
  const done = run();
  return {
    setResources(uris) {
      if (closed) return Promise.resolve();
      resources = [...new Set(uris)];
      const v = ++version;
      const acknowledged = new Promise<void>((resolve) => waiters.push({ version: v, resolve }));
      wake?.();
      return acknowledged;
    },
    async close() {
      closed = true;
      wake?.();
      await Promise.all([...clients].map((c) => c.close().catch(() => {})));
      await done;
    },
  };
}
