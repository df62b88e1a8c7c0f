/**
 * Authorization requests waiting for their callback, by `state`. In memory on purpose: the PKCE
 * verifier never touches the disk, and a state survives only as long as the process that issued it
 * (the callback must reach the same process). Each state is taken once: a replayed callback finds
 * nothing.
 */
export class PendingStates<T> {
  readonly #byState = new Map<string, { value: T; expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number,
    private readonly maxPending = 10_000,
  ) {}

  put(state: string, value: T): number {
    this.#sweep();
    // Bounded: the oldest pending request goes first when someone starts flows without finishing them.
    while (this.#byState.size >= this.maxPending) {
      const oldest = this.#byState.keys().next();
      if (oldest.done) break;
      this.#byState.delete(oldest.value);
    }
    const expiresAt = this.now() + this.ttlMs;
    this.#byState.set(state, { value, expiresAt });
    return expiresAt;
  }

  /** Removes and returns the entry; undefined when unknown, expired or already taken. */
  take(state: string): T | undefined {
    const entry = this.#byState.get(state);
    if (!entry) return undefined;
    this.#byState.delete(state);
    return entry.expiresAt > this.now() ? entry.value : undefined;
  }

  get size(): number {
    this.#sweep();
    return this.#byState.size;
  }

  #sweep(): void {
    const now = this.now();
    for (const [state, entry] of this.#byState) {
      if (entry.expiresAt <= now) this.#byState.delete(state);
    }
  }
}
