/**
 * A replica's read cache of records by id, kept coherent by the change feed. Entries only move
 * forward in version; a read that raced with a change (the feed applied something while the read
 * was in flight) is returned but not cached, so a stale row can never overwrite a newer one.
 */
export class RecordCache<T extends { id: string }> {
  readonly #map = new Map<string, T>();
  #generation = 0;

  constructor(
    private readonly max: number,
    private readonly versionOf: (r: T) => number,
  ) {}

  get size(): number {
    return this.#map.size;
  }

  get generation(): number {
    return this.#generation;
  }

  get(id: string): T | undefined {
    return this.#map.get(id);
  }

  /** A record read from the database at `generation`: kept only if nothing changed since. */
  fill(record: T, generation: number): void {
    if (generation !== this.#generation) return;
    this.#put(record);
  }

  /** A change this replica committed or read from the feed. */
  apply(id: string, after: T | undefined): void {
    this.#generation++;
    if (after === undefined) {
      this.#map.delete(id);
      return;
    }
    const cur = this.#map.get(id);
    if (cur && this.versionOf(cur) > this.versionOf(after)) return;
    this.#put(after);
  }

  /** Forgets one record (e.g. an API key that changed, whose new state the event does not carry). */
  forget(id: string): void {
    this.#generation++;
    this.#map.delete(id);
  }

  clear(): void {
    this.#generation++;
    this.#map.clear();
  }

  #put(record: T): void {
    // Bounded: past `max` the oldest inserted entries go first (Map keeps insertion order).
    this.#map.delete(record.id);
    this.#map.set(record.id, record);
    if (this.#map.size > this.max) {
      const oldest = this.#map.keys().next().value;
      if (oldest !== undefined) this.#map.delete(oldest);
    }
  }
}
