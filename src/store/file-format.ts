import { randomBytes } from 'node:crypto';
import { StorageError } from '../domain/errors.js';
import { fillToolPrefixes } from './tool-prefix-fill.js';

/**
 * The data file:
 *   {"schema_version":3,"generation":N,"epoch":"…","configurations":[…],"api_keys":[…]}
 * one record per line, so a person can read and diff it. `generation` counts writes; writes newer
 * than the file wait in `<file>.journal` (see journal-format.ts) until they are folded in. `epoch`
 * is drawn when a file is created and kept by every rewrite: journal lines carry it, so a journal
 * left beside a file that was replaced (moved away, restored) is never replayed into it. The audit
 * log lives in `<file>.audit.jsonl` (append-only, so logging never rewrites the data file).
 */
export const SCHEMA_VERSION = 3;

export interface RawDocument {
  schema_version: number;
  generation: number;
  /** Absent in files written before the journal existed: the next write adds one. */
  epoch?: string;
  configurations: unknown[];
  api_keys: unknown[];
  /** The file was written in an older schema and upgraded on read: the next write rewrites it whole. */
  upgraded?: boolean;
}

type Migration = (doc: Record<string, unknown>) => Record<string, unknown>;

/**
 * Upgrades keyed by the version they upgrade FROM: MIGRATIONS[1] turns a v1 document into v2.
 * When the layout changes, bump SCHEMA_VERSION and add the step here; the next write saves it.
 */
const MIGRATIONS: Record<number, Migration> = {
  // v2: configurations gain `revision`, the ETag that only user-visible changes move. Until now
  // every write moved the ETag, so the version is the revision a client may hold.
  1: (doc) => ({ ...doc, configurations: Array.isArray(doc.configurations) ? doc.configurations.map(withRevision) : doc.configurations }),
  // v3: configurations gain `tool_prefix`, given once and stored, so tool names never move between
  // configurations. Each gets the prefix its tools had until now (see fillToolPrefixes).
  2: (doc) => ({ ...doc, configurations: Array.isArray(doc.configurations) ? fillToolPrefixes(doc.configurations) : doc.configurations }),
};

/**
 * A configuration written before `revision` existed (a v1 data file, or a journal line a v1
 * process appended): its revision is its version. Anything else is returned as it is, for the
 * schema to judge.
 */
export function withRevision(record: unknown): unknown {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return record;
  const r = record as Record<string, unknown>;
  return r.revision === undefined && typeof r.version === 'number' ? { ...r, revision: r.version } : r;
}

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
  // A record without a prefix in a current file came from an older process's journal line: same rule.
  const configurations = Array.isArray(doc.configurations) ? fillToolPrefixes(doc.configurations) : (doc.configurations ?? []);
  const apiKeys = doc.api_keys ?? [];
  if (!Array.isArray(configurations)) throw corrupt(path, 'configurations must be an array');
  if (!Array.isArray(apiKeys)) throw corrupt(path, 'api_keys must be an array');
  const epoch = doc.epoch;
  if (epoch !== undefined && (typeof epoch !== 'string' || !/^[0-9a-f]{8,64}$/.test(epoch))) throw corrupt(path, 'epoch must be a hex string');
  return { schema_version: SCHEMA_VERSION, generation, ...(epoch !== undefined ? { epoch } : {}), configurations, api_keys: apiKeys, ...(version < SCHEMA_VERSION ? { upgraded: true } : {}) };
}

/** Builds the file from records already serialised (the table caches each record's JSON). */
export function serializeDocument(generation: number, configurationLines: readonly string[], apiKeys: readonly unknown[], epoch?: string): string {
  const keys = apiKeys.map((k) => JSON.stringify(k));
  return (
    `{"schema_version":${SCHEMA_VERSION},"generation":${generation},${epoch !== undefined ? `"epoch":${JSON.stringify(epoch)},` : ''}\n"configurations":[` +
    (configurationLines.length ? '\n' + configurationLines.join(',\n') + '\n' : '') +
    '],\n"api_keys":[' +
    (keys.length ? '\n' + keys.join(',\n') + '\n' : '') +
    ']}\n'
  );
}

export function newEpoch(): string {
  return randomBytes(8).toString('hex');
}

export function emptyDocument(epoch: string = newEpoch()): string {
  return serializeDocument(0, [], [], epoch);
}
