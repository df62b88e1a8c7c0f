import { ConflictError, NotFoundError } from '../domain/errors.js';
import type { ApiKeyRecord } from './types.js';

/** API keys in memory, by id and by secret hash (the authentication lookup). */
export class KeyTable {
  readonly #byId = new Map<string, ApiKeyRecord>();
  readonly #byHash = new Map<string, string>();

  get(id: string): ApiKeyRecord | undefined {
    return this.#byId.get(id);
  }

  byHash(hash: string): ApiKeyRecord | undefined {
    const id = this.#byHash.get(hash);
    return id === undefined ? undefined : this.#byId.get(id);
  }

  all(): ApiKeyRecord[] {
    return [...this.#byId.values()];
  }

  put(record: ApiKeyRecord): void {
    const old = this.#byId.get(record.id);
    if (old) this.#byHash.delete(old.secret_hash);
    this.#byId.set(record.id, record);
    this.#byHash.set(record.secret_hash, record.id);
  }

  remove(id: string): void {
    const old = this.#byId.get(id);
    if (!old) return;
    this.#byId.delete(id);
    this.#byHash.delete(old.secret_hash);
  }

  checkNew(record: ApiKeyRecord): void {
    if (this.#byId.has(record.id)) throw new ConflictError(`api key ${record.id} already exists`, 'resource_exists');
    if (this.#byHash.has(record.secret_hash)) throw new ConflictError(`an api key with this secret already exists`, 'resource_exists');
  }

  require(id: string): ApiKeyRecord {
    const r = this.#byId.get(id);
    if (!r) throw new NotFoundError(`no api key ${id}`, 'id');
    return r;
  }
}
