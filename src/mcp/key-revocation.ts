import type { Logger } from '../domain/logger.js';
import type { ChangeEvent } from '../store/types.js';

export interface RevocableStreams {
  endKey(apiKeyId: string): Promise<unknown>;
  keysInUse(): string[];
}

/**
 * Ends the MCP sessions and streams of an API key as soon as the store says it was revoked: by this
 * process (REST), by another on the same data (the CLI, another replica: the file watch or the
 * database's change feed brings the event). After a `reload` (the store cannot say what changed)
 * every key still in use is looked up again.
 */
export function endStreamsOfRevokedKeys(
  store: { onChange(listener: (e: ChangeEvent) => void): () => void },
  apiKeys: { isActive(id: string): Promise<boolean> },
  streams: RevocableStreams,
  log: Logger,
): () => void {
  const end = (id: string) => void streams.endKey(id).catch((e: unknown) => log.warn({ api_key_id: id, err: e instanceof Error ? e.message : String(e) }, 'could not close the streams of a revoked API key'));
  const recheck = async () => {
    for (const id of streams.keysInUse()) if (!(await apiKeys.isActive(id))) end(id);
  };
  return store.onChange((e) => {
    if (e.kind === 'api_key' && e.op === 'revoked') end(e.id);
    else if (e.kind === 'reload') void recheck().catch((err: unknown) => log.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not re-check the API keys of open MCP streams'));
  });
}
