import type { ServerResponse } from 'node:http';

/**
 * The /mcp responses still being written, by the API key that authenticated their request: 2025-era
 * standalone GET streams, SSE answers to POSTs in flight, 2026-era `subscriptions/listen` streams.
 * When a key is revoked they must not outlive it: an open stream never asks again who is listening.
 */
export class OpenResponses {
  readonly #byKey = new Map<string, Set<ServerResponse>>();

  track(apiKeyId: string, res: ServerResponse): void {
    if (res.destroyed || res.writableFinished) return;
    let open = this.#byKey.get(apiKeyId);
    if (!open) this.#byKey.set(apiKeyId, (open = new Set()));
    const mine = open;
    mine.add(res);
    res.once('close', () => {
      mine.delete(res);
      if (mine.size === 0 && this.#byKey.get(apiKeyId) === mine) this.#byKey.delete(apiKeyId);
    });
  }

  /** Keys with a response open here. */
  keys(): string[] {
    return [...this.#byKey.keys()];
  }

  /**
   * Ends every response of `apiKeyId` by closing its connection: a stream cannot be ended cleanly in
   * the middle of whatever its writer (the SDK's adapter) is about to send, and a destroyed response
   * drops later writes without an error. The writer sees the close and stops. Returns how many.
   */
  end(apiKeyId: string): number {
    const open = this.#byKey.get(apiKeyId);
    if (!open) return 0;
    this.#byKey.delete(apiKeyId);
    for (const res of open) res.destroy();
    return open.size;
  }
}
