import { createHash, randomBytes } from 'node:crypto';

export const KEY_BYTES = 32;

/** A key id: the first 16 hex characters of sha256(key). Names a key without revealing it. */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

export function generateKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

export interface RingKey {
  kid: string;
  key: Buffer;
  created_at?: string;
}

/**
 * The keys that can open sealed credentials; one of them (the primary) seals new ones. Immutable:
 * rotation makes a new ring. Old keys stay so that blobs sealed before a rotation, including ones
 * other processes still hold in memory, keep opening.
 */
export class KeyRing {
  readonly #keys: ReadonlyMap<string, RingKey>;
  readonly primary: RingKey;

  constructor(keys: readonly RingKey[], primaryKid: string) {
    const map = new Map<string, RingKey>();
    for (const k of keys) {
      if (k.key.length !== KEY_BYTES) throw new RangeError(`key ${k.kid} is ${k.key.length} bytes, not ${KEY_BYTES}`);
      if (!map.has(k.kid)) map.set(k.kid, k);
    }
    const primary = map.get(primaryKid);
    if (!primary) throw new RangeError(`the primary key ${primaryKid} is not in the ring`);
    this.#keys = map;
    this.primary = primary;
  }

  /** A ring from raw keys; the first is the primary. */
  static of(keys: readonly Buffer[]): KeyRing {
    const ring = keys.map((key) => ({ kid: keyIdOf(key), key }));
    if (!ring[0]) throw new RangeError('a key ring needs at least one key');
    return new KeyRing(ring, ring[0].kid);
  }

  get(kid: string): Buffer | undefined {
    return this.#keys.get(kid)?.key;
  }

  has(kid: string): boolean {
    return this.#keys.has(kid);
  }

  get kids(): string[] {
    return [...this.#keys.keys()];
  }

  entries(): RingKey[] {
    return [...this.#keys.values()];
  }

  /** The same keys with `kid` (which must be in the ring) as the primary. */
  withPrimaryKid(kid: string): KeyRing {
    return new KeyRing(this.entries(), kid);
  }

  /** A new ring with `key` added (if new) and made primary. */
  withPrimary(key: Buffer, createdAt = new Date().toISOString()): KeyRing {
    const kid = keyIdOf(key);
    const rest = this.entries().filter((k) => k.kid !== kid);
    return new KeyRing([{ kid, key, created_at: createdAt }, ...rest], kid);
  }
}
