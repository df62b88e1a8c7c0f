import type { ConfigurationRecord } from '../domain/configuration.js';
import { StorageError } from '../domain/errors.js';
import type { Change } from './changes.js';
import type { RawDocument } from './file-format.js';
import { deepFreeze, jsonEqual } from './json.js';
import { ApiKeyRecordSchema, ConfigurationRecordSchema, parseStored } from './schemas.js';
import type { Tables } from './tables.js';
import type { ApiKeyRecord } from './types.js';

export interface Reload {
  changes: Change[];
  /** Records whose text changed but not their content (key order, spacing): refresh the cache only. */
  recache: { record: ConfigurationRecord; json: string }[];
}

/**
 * What changed between memory and a document read from the file, as precise per-record changes.
 * Everything is validated before anything is applied, so a bad file leaves memory untouched.
 * Records whose serialised text is unchanged are not validated again: a reload after another
 * process's write costs one JSON.parse plus one stringify per record.
 */
export function diffDocument(tables: Tables, doc: RawDocument, path: string): Reload {
  const changes: Change[] = [];
  const recache: Reload['recache'] = [];
  const seen = new Set<string>();
  doc.configurations.forEach((raw, i) => {
    const json = JSON.stringify(raw);
    const id = typeof raw === 'object' && raw !== null ? (raw as { id?: unknown }).id : undefined;
    if (typeof id === 'string' && tables.configs.json(id) === json) {
      seen.add(id);
      return;
    }
    const after = deepFreeze(parseStored(ConfigurationRecordSchema, raw, `data file ${path}: configurations[${i}]`));
    if (seen.has(after.id)) throw new StorageError(`data file ${path}: configurations[${i}]: duplicate id ${after.id}; fix or restore the file`, 'storage_corrupt');
    seen.add(after.id);
    const before = tables.configs.get(after.id);
    if (!before) changes.push({ kind: 'configuration', op: 'created', after });
    else if (jsonEqual(before, after)) recache.push({ record: before, json });
    else changes.push({ kind: 'configuration', op: 'updated', before, after });
  });
  for (const id of tables.configs.ids()) {
    if (!seen.has(id)) changes.push({ kind: 'configuration', op: 'deleted', before: tables.configs.get(id)! });
  }

  const keyIds = new Set<string>();
  doc.api_keys.forEach((raw, i) => {
    const after: ApiKeyRecord = deepFreeze(parseStored(ApiKeyRecordSchema, raw, `data file ${path}: api_keys[${i}]`));
    if (keyIds.has(after.id)) throw new StorageError(`data file ${path}: api_keys[${i}]: duplicate id ${after.id}; fix or restore the file`, 'storage_corrupt');
    keyIds.add(after.id);
    const before = tables.keys.get(after.id);
    if (before && jsonEqual(before, after)) return;
    const revoked = after.revoked_at !== undefined && before?.revoked_at === undefined && before !== undefined;
    changes.push({ kind: 'api_key', op: revoked ? 'revoked' : 'created', after });
  });
  for (const k of tables.keys.all()) {
    // A key removed from the file by hand can no longer authenticate: tell caches it is revoked.
    if (!keyIds.has(k.id)) changes.push({ kind: 'api_key', op: 'revoked', after: { ...k, revoked_at: k.revoked_at ?? new Date().toISOString() } });
  }
  return { changes, recache };
}
