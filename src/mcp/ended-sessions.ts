import type { Logger } from '../domain/logger.js';
import type { ChangeEvent, Store } from '../store/types.js';
import type { EndedSessions } from './http-endpoint.js';

/** Ended sessions kept in the store, so that every process sharing it refuses them. */
export function storeEndedSessions(store: Pick<Store, 'endSession' | 'isSessionEnded'>, now: () => number = Date.now): EndedSessions {
  return {
    end: (digest, expiresAt) => store.endSession(digest, expiresAt, new Date(now())),
    isEnded: (digest) => store.isSessionEnded(digest, new Date(now())),
  };
}

/**
 * A session ended through another replica is closed where it is held here too (the store's
 * `session_ended`); after a `reload` every held session is looked up again.
 */
export function closeSessionsEndedElsewhere(
  store: { onChange(listener: (e: ChangeEvent) => void): () => void },
  endpoint: { endedElsewhere(digest: string): Promise<boolean>; recheckEnded(): Promise<void> },
  log: Logger,
): () => void {
  const warn = (e: unknown) => log.warn({ err: e instanceof Error ? e.message : String(e) }, 'could not close a session ended elsewhere');
  return store.onChange((e) => {
    if (e.kind === 'session_ended') void endpoint.endedElsewhere(e.id).catch(warn);
    else if (e.kind === 'reload') void endpoint.recheckEnded().catch(warn);
  });
}
