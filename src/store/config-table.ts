import type { ConfigurationFilter, ConfigurationRecord } from '../domain/configuration.js';
import { ValidationError } from '../domain/errors.js';
import { ownerKey, type Owner } from '../domain/principal.js';
import type { ListOptions, Page } from './types.js';

interface Entry {
  record: ConfigurationRecord;
  /** The record as it is written to the file, cached so a full rewrite is a join, not a stringify. */
  json: string;
  /** created_at in ms: the primary sort key of an owner's list. */
  at: number;
}

export function ownerOfRecord(r: Pick<ConfigurationRecord, 'organization_id' | 'user_id' | 'api_key_id'>): Owner {
  return r.user_id !== undefined
    ? { organization_id: r.organization_id, user_id: r.user_id }
    : { organization_id: r.organization_id, ...(r.api_key_id !== undefined ? { api_key_id: r.api_key_id } : {}) };
}

function before(a: Entry, b: Entry): boolean {
  return a.at !== b.at ? a.at < b.at : a.record.id < b.record.id;
}

/**
 * The configurations in memory: a Map by id (file order = insertion order) and, per owner, the ids
 * sorted by creation, so reads never touch the disk and a page is a slice.
 */
export class ConfigTable {
  readonly #byId = new Map<string, Entry>();
  readonly #byOwner = new Map<string, string[]>();

  get size(): number {
    return this.#byId.size;
  }

  get(id: string): ConfigurationRecord | undefined {
    return this.#byId.get(id)?.record;
  }

  json(id: string): string | undefined {
    return this.#byId.get(id)?.json;
  }

  all(): ConfigurationRecord[] {
    return Array.from(this.#byId.values(), (e) => e.record);
  }

  jsonLines(): string[] {
    return Array.from(this.#byId.values(), (e) => e.json);
  }

  ids(): IterableIterator<string> {
    return this.#byId.keys();
  }

  /** Inserts or replaces. The record must already be frozen and validated. */
  put(record: ConfigurationRecord, json: string = JSON.stringify(record)): void {
    const old = this.#byId.get(record.id);
    const entry: Entry = { record, json, at: Date.parse(record.created_at) };
    this.#byId.set(record.id, entry);
    const key = ownerKey(ownerOfRecord(record));
    if (old && old.at === entry.at && ownerKey(ownerOfRecord(old.record)) === key) return;
    if (old) this.#unindex(old);
    const ids = this.#byOwner.get(key) ?? [];
    if (!this.#byOwner.has(key)) this.#byOwner.set(key, ids);
    // Creation order is nearly always append order: check the end before searching.
    const last = ids.length > 0 ? this.#byId.get(ids[ids.length - 1]!) : undefined;
    if (!last || before(last, entry)) ids.push(record.id);
    else ids.splice(this.#position(ids, entry), 0, record.id);
  }

  remove(id: string): ConfigurationRecord | undefined {
    const old = this.#byId.get(id);
    if (!old) return undefined;
    this.#byId.delete(id);
    this.#unindex(old);
    return old.record;
  }

  /** One owner's configurations in creation order. */
  ofOwner(owner: Owner): ConfigurationRecord[] {
    return (this.#byOwner.get(ownerKey(owner)) ?? []).map((id) => this.#byId.get(id)!.record);
  }

  list(owner: Owner, filter: ConfigurationFilter, page: ListOptions): Page<ConfigurationRecord> {
    const ids = this.#byOwner.get(ownerKey(owner)) ?? [];
    let start = 0;
    if (page.starting_after !== undefined) {
      const cursor = this.#byId.get(page.starting_after);
      const at = cursor ? this.#position(ids, cursor) : -1;
      if (!cursor || ids[at] !== page.starting_after) {
        throw new ValidationError(`starting_after: no configuration ${page.starting_after} in this list`, 'starting_after', 'resource_missing');
      }
      start = at + 1;
    }
    const data: ConfigurationRecord[] = [];
    for (let i = start; i < ids.length; i++) {
      const r = this.#byId.get(ids[i]!)!.record;
      if (!matches(r, filter)) continue;
      if (data.length === page.limit) return { data, has_more: true };
      data.push(r);
    }
    return { data, has_more: false };
  }

  /** Index of the first id not before `entry` (binary search on created_at, then id). */
  #position(ids: string[], entry: Entry): number {
    let lo = 0;
    let hi = ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(this.#byId.get(ids[mid]!)!, entry)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #unindex(old: Entry): void {
    const key = ownerKey(ownerOfRecord(old.record));
    const ids = this.#byOwner.get(key);
    if (!ids) return;
    const i = ids.indexOf(old.record.id);
    if (i >= 0) ids.splice(i, 1);
    if (ids.length === 0) this.#byOwner.delete(key);
  }
}

function matches(r: ConfigurationRecord, f: ConfigurationFilter): boolean {
  if (f.personal_connector_id !== undefined && r.personal_connector_id !== f.personal_connector_id) return false;
  if (f.enabled !== undefined && r.enabled !== f.enabled) return false;
  if (f.health_status !== undefined && r.health_status !== f.health_status) return false;
  if (f.metadata) {
    for (const [k, v] of Object.entries(f.metadata)) {
      if (r.metadata?.[k] !== v) return false;
    }
  }
  return true;
}

export function checkPage(page: ListOptions): void {
  if (!Number.isInteger(page.limit) || page.limit < 1) {
    throw new ValidationError('limit must be a positive integer', 'limit');
  }
}
