import { userVisibleChange, type ConfigurationRecord, type NewConfigurationRecord } from '../domain/configuration.js';
import { ConflictError, NotFoundError } from '../domain/errors.js';
import { pickToolPrefix, takenPrefixes } from '../domain/tool-prefix.js';
import { ownerOfRecord, type ConfigTable } from './config-table.js';
import { deepFreeze, jsonCopy, jsonEqual } from './json.js';
import { checkConfigurationInput } from './schemas.js';
import type { ApiKeyRecord, ChangeEvent, ConfigurationMutation } from './types.js';

/**
 * One planned change. Both stores plan against their table, persist (the file store), then apply;
 * planning is pure so a failed write leaves memory as it was.
 */
export type Change =
  | { kind: 'configuration'; op: 'created'; after: ConfigurationRecord }
  | { kind: 'configuration'; op: 'updated'; before: ConfigurationRecord; after: ConfigurationRecord }
  | { kind: 'configuration'; op: 'deleted'; before: ConfigurationRecord }
  | { kind: 'api_key'; op: 'created' | 'revoked'; after: ApiKeyRecord };
export type Created = Extract<Change, { kind: 'configuration'; op: 'created' }>;
export type Updated = Extract<Change, { kind: 'configuration'; op: 'updated' }>;
export type Deleted = Extract<Change, { kind: 'configuration'; op: 'deleted' }>;

function freezeRecord(value: unknown): ConfigurationRecord {
  return deepFreeze(checkConfigurationInput(jsonCopy(value)));
}

/**
 * `taken`: the tool prefixes the new record's owner already uses; by default read from `table`
 * (a store that does not hold every record of the owner in `table` passes them).
 */
export function planCreate(table: ConfigTable, input: NewConfigurationRecord, taken?: ReadonlySet<string>): Created {
  const checked = checkConfigurationInput(jsonCopy({ ...input, version: 1, revision: 1 }));
  if (table.get(checked.id)) throw new ConflictError(`configuration ${checked.id} already exists`, 'resource_exists');
  const inUse = taken ?? takenPrefixes(table.ofOwner(ownerOfRecord(checked)));
  if (checked.tool_prefix !== undefined) requireFreePrefix(checked.tool_prefix, inUse);
  const after = deepFreeze({ ...checked, tool_prefix: checked.tool_prefix ?? pickToolPrefix(checked.name, checked.id, inUse) });
  return { kind: 'configuration', op: 'created', after };
}

/** The backstop every store applies; the service names the clashing configuration before this. */
function requireFreePrefix(prefix: string, inUse: ReadonlySet<string>): void {
  if (prefix === '' || !inUse.has(prefix)) return;
  throw new ConflictError(`tool_prefix: "${prefix}" is already used by another configuration of this owner; tool names must stay unique`, 'tool_name_clash', 'tool_prefix');
}

/** `If-Match`: the revision a client read. Only a user-visible change since then is a conflict. */
function requireRevision(current: ConfigurationRecord, expectedRevision: number | undefined): void {
  if (expectedRevision !== undefined && current.revision !== expectedRevision) {
    throw new ConflictError(
      `configuration ${current.id} is at revision ${current.revision}, not ${expectedRevision}: it changed since it was read; read it again and retry`,
    );
  }
}

/**
 * Undefined when `mutate` changed nothing: no write, no event. `taken`: the prefixes the owner's
 * other configurations use, asked for only when `mutate` changes this one's; by default read from
 * `table` (a store that does not hold the owner's records in `table` passes it).
 */
export function planUpdate(
  table: ConfigTable,
  id: string,
  mutate: ConfigurationMutation,
  expectedRevision?: number,
  taken?: (before: ConfigurationRecord) => ReadonlySet<string>,
): Updated | undefined {
  const before = table.get(id);
  if (!before) throw new NotFoundError(`no configuration ${id}`, 'id');
  requireRevision(before, expectedRevision);
  const proposed = mutate(before);
  // Identity, ownership, creation time, version and revision belong to the store, whatever mutate returns.
  const pinned = {
    ...proposed,
    id: before.id,
    organization_id: before.organization_id,
    user_id: before.user_id,
    api_key_id: before.api_key_id,
    created_at: before.created_at,
    // The prefix stays with the configuration, whatever its name becomes: its tool names never move.
    // Only a chosen one replaces it.
    tool_prefix: proposed.tool_prefix ?? before.tool_prefix,
    version: before.version,
    revision: before.revision,
  };
  if (jsonEqual(jsonCopy(pinned), before)) return undefined;
  if (pinned.tool_prefix !== undefined && pinned.tool_prefix !== before.tool_prefix) {
    requireFreePrefix(pinned.tool_prefix, taken ? taken(before) : othersPrefixes(table, before));
  }
  const after = freezeRecord({ ...pinned, version: before.version + 1, revision: before.revision + (userVisibleChange(before, pinned) ? 1 : 0) });
  return { kind: 'configuration', op: 'updated', before, after };
}

function othersPrefixes(table: ConfigTable, record: ConfigurationRecord): Set<string> {
  return takenPrefixes(table.ofOwner(ownerOfRecord(record)).filter((r) => r.id !== record.id));
}

export function planDelete(table: ConfigTable, id: string, expectedRevision?: number): Deleted {
  const before = table.get(id);
  if (!before) throw new NotFoundError(`no configuration ${id}`, 'id');
  requireRevision(before, expectedRevision);
  return { kind: 'configuration', op: 'deleted', before };
}

export function toEvent(c: Change): ChangeEvent {
  if (c.kind === 'api_key') return { kind: 'api_key', op: c.op, id: c.after.id };
  switch (c.op) {
    case 'created':
      return { kind: 'configuration', op: 'created', id: c.after.id, owner: ownerOfRecord(c.after), after: c.after };
    case 'updated':
      return { kind: 'configuration', op: 'updated', id: c.after.id, owner: ownerOfRecord(c.after), before: c.before, after: c.after };
    case 'deleted':
      return { kind: 'configuration', op: 'deleted', id: c.before.id, owner: ownerOfRecord(c.before), before: c.before };
  }
}
