import type { Server } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { Logger } from '../domain/logger.js';
import type { PrincipalGateway } from '../gateway/principal-gateway.js';
import { catalogErrors } from './catalog-handlers.js';

/**
 * `resources/subscribe` and `resources/unsubscribe` of one 2025-era connection (an HTTP session, a
 * stdio connection): the URIs are the gateway's, the upstream hears the first subscription of the
 * principal and the last one going, and this connection hears the updates of what it subscribed
 * to, nothing else. Returns what closing the connection must release.
 */
export function registerSubscriptionHandlers(server: Server, gateway: PrincipalGateway, log: Logger): () => void {
  const mapped = catalogErrors(log);
  /** This connection's subscriptions, each settling with its release when the upstream took it. */
  const mine = new Map<string, Promise<() => void>>();
  let closed = false;
  const release = (uri: string) => {
    const taken = mine.get(uri);
    if (!taken) return Promise.resolve();
    mine.delete(uri);
    return taken.then(
      (done) => done(),
      () => {},
    );
  };

  server.setRequestHandler('resources/subscribe', async (request, ctx) => {
    const uri = request.params.uri;
    let taken = mine.get(uri);
    if (!taken) {
      taken = gateway.catalog.subscribe(uri, ctx.mcpReq.signal);
      mine.set(uri, taken);
      taken.catch(() => {
        if (mine.get(uri) === taken) mine.delete(uri);
      });
    }
    await mapped('resources/subscribe', () => taken);
    if (closed) await release(uri);
    return {};
  });
  server.setRequestHandler('resources/unsubscribe', async (request) => {
    await release(request.params.uri);
    return {};
  });
  const off = gateway.onResourceUpdated((uri) => {
    if (mine.has(uri)) server.sendResourceUpdated({ uri }).catch(() => {});
  });
  return () => {
    closed = true;
    off();
    for (const uri of [...mine.keys()]) void release(uri);
  };
}

const ListenRequest = z.object({
  method: z.literal('subscriptions/listen'),
  id: z.union([z.string(), z.number()]),
  params: z.object({ notifications: z.object({ resourceSubscriptions: z.array(z.string()).optional() }) }),
});

/** A 2026-era `subscriptions/listen` request naming resources: its id and those URIs, or undefined. */
export function listenedResources(message: unknown): { id: string | number; uris: string[] } | undefined {
  const parsed = ListenRequest.safeParse(message);
  const uris = parsed.success ? parsed.data.params.notifications.resourceSubscriptions : undefined;
  return parsed.success && uris && uris.length > 0 ? { id: parsed.data.id, uris: [...new Set(uris)] } : undefined;
}

/**
 * A 2026-era listen stream's resources, subscribed upstream for as long as the stream is open:
 * settles once every upstream took its own (a URI that fails is logged and left out: a listen
 * filter cannot refuse one entry). Returns the release.
 */
export async function holdSubscriptions(gateway: PrincipalGateway, uris: readonly string[], signal: AbortSignal, log: Logger): Promise<() => void> {
  const results = await Promise.allSettled(uris.map((uri) => gateway.catalog.subscribe(uri, signal)));
  const held: (() => void)[] = [];
  for (const r of results) {
    if (r.status === 'fulfilled') held.push(r.value);
    else log.debug({ err: r.reason instanceof Error ? r.reason.message : String(r.reason) }, 'a listened resource could not be subscribed upstream');
  }
  return () => {
    for (const release of held) release();
  };
}
