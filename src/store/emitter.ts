import type { Logger } from '../domain/logger.js';
import type { ChangeEvent } from './types.js';

/** Listeners are isolated from each other: one that throws is logged, the rest still hear. */
export class ChangeEmitter {
  readonly #listeners = new Set<(e: ChangeEvent) => void>();
  constructor(private readonly log: Logger) {}

  on(listener: (e: ChangeEvent) => void): () => void {
    // Wrapped so the same function can subscribe twice and unsubscribe each independently.
    const wrapped = (e: ChangeEvent) => listener(e);
    this.#listeners.add(wrapped);
    return () => void this.#listeners.delete(wrapped);
  }

  emit(events: readonly ChangeEvent[]): void {
    for (const e of events) {
      for (const l of [...this.#listeners]) {
        try {
          l(e);
        } catch (err) {
          this.log.error({ err, event: e.kind }, 'store change listener failed');
        }
      }
    }
  }

  clear(): void {
    this.#listeners.clear();
  }
}
