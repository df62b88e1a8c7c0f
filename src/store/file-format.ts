import { StorageError } from '../domain/errors.js';

/**
 * The data file:
 *   {"schema_version":1,"generation":N,"configurations":[…],"api_keys":[…]}
 * one record per line, so a person can read and diff it. `generation` counts writes; the audit log
 * lives beside it in `<file>.audit.jsonl` (append-only, so logging never rewrites the data file).
 */
export const SCHEMA_VERSION = 1;

export interface RawDocument {
  schema_version: number;
  generation: number;
  configurations: unknown[];
  api_keys: unknown[];
}

type Migration = (doc: Record<string, unknown>) => Record<string, unknown>;

/**
 * Upgrades keyed by the version they upgrade FROM: MIGRATIONS[1] turns a v1 document into v2.
 * When the layout changes, bump SCHEMA_VERSION and add the step here; the next write saves it.
 */
const MIGRATIONS: Record<number, Migration> = {};

const advice = 'the file was left untouched; restore it from a backup, or move it away to start with an empty store';

function corrupt(path: string, what: string, cause?: unknown): StorageError {
  return new StorageError(`data file ${path}: ${what}; ${advice}`, 'storage_corrupt', cause);
}

export function parseDocument(text: string, path: string): RawDocument {
  if (text.trim() === '') throw corrupt(path, 'is empty (truncated?)');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw corrupt(path, `is not valid JSON (truncated or corrupt): ${(e as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw corrupt(path, 'is not a JSON object');
  let doc = value as Record<string, unknown>;
  const version = doc.schema_version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw corrupt(path, 'schema_version is missing or not a positive integer');
  }
  if (version > SCHEMA_VERSION) {
    throw new StorageError(
      `data file ${path} has schema_version ${version}, written by a newer connector-gateway (this one reads up to ${SCHEMA_VERSION}); upgrade connector-gateway. The file was left untouched`,
      'storage_newer_schema',
    );
  }
  for (let v = version; v < SCHEMA_VERSION; v++) {
    const step = MIGRATIONS[v];
    if (!step) throw corrupt(path, `schema_version ${v} has no migration to ${v + 1}`);
    doc = { ...step(doc), schema_version: v + 1 };
  }
  const generation = doc.generation ?? 0;
  if (typeof generation !== 'number' || !Number.isInteger(generation) || generation < 0) throw corrupt(path, 'generation must be a non-negative integer');
  const configurations = doc.configurations ?? [];
  const apiKeys = doc.api_keys ?? [];
  if (!Array.isArray(configurations)) throw corrupt(path, 'configurations must be an array');
  if (!Array.isArray(apiKeys)) throw corrupt(path, 'api_keys must be an array');
  return { schema_version: SCHEMA_VERSION, generation, configurations, api_keys: apiKeys };
}

/** Builds the file from records already serialised (the table caches each record's JSON). */
export function serializeDocument(generation: number, configurationLines: readonly string[], apiKeys: readonly unknown[]): string {
  const keys = apiKeys.map((k) => JSON.stringify(k));
  return (
    `{"schema_version":${SCHEMA_VERSION},"generation":${generation},\n"configurations":[` +
    (configurationLines.length ? '\n' + configurationLines.join(',\n') + '\n' : '') +
    '],\n"api_keys":[' +
    (keys.length ? '\n' + keys.join(',\n') + '\n' : '') +
    ']}\n'
  );
}

export function emptyDocument(): string {
  return serializeDocument(0, [], []);
}
