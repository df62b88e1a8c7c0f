import type { ConfigurationFilter, ConfigurationRecord } from '../../domain/configuration.js';
import { ownerKey, type Owner } from '../../domain/principal.js';
import { ownerOfRecord } from '../config-table.js';
import { deepFreeze } from '../json.js';
import { OAuthFlowRecordSchema, flowOwnerKey } from '../oauth-flows.js';
import { ApiKeyRecordSchema, AuditEventSchema, ConfigurationRecordSchema, parseStored } from '../schemas.js';
import type { ApiKeyRecord, AuditEvent, OAuthFlowRecord } from '../types.js';

/**
 * Between records and rows. A record is stored whole as its JSON document; the columns beside it
 * are derived here, in one place, so they can never disagree with the document they index.
 */

export function configurationColumns(r: ConfigurationRecord): unknown[] {
  return [r.id, ownerKey(ownerOfRecord(r)), r.organization_id, r.personal_connector_id, r.enabled, r.health_status, Date.parse(r.created_at), r.version, JSON.stringify(r), r.tool_prefix ?? null];
}
export const CONFIGURATION_COLUMNS = 'id, owner_key, organization_id, personal_connector_id, enabled, health_status, created_ms, version, doc, tool_prefix';
export const CONFIGURATION_VALUES = '$1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10';

/** Documents read back are checked like a file read back: a bad one names the table and id. */
export function configurationFromDoc(doc: unknown): ConfigurationRecord {
  return deepFreeze(parseStored(ConfigurationRecordSchema, doc, `cg_configurations.${idOf(doc)}`));
}

export function apiKeyFromDoc(doc: unknown): ApiKeyRecord {
  return deepFreeze(parseStored(ApiKeyRecordSchema, doc, `cg_api_keys.${idOf(doc)}`));
}

export function auditFromDoc(doc: unknown): AuditEvent {
  return deepFreeze(parseStored(AuditEventSchema, doc, `cg_audit_events.${idOf(doc)}`));
}

export function flowFromDoc(doc: unknown): OAuthFlowRecord {
  return deepFreeze(parseStored(OAuthFlowRecordSchema, doc, `cg_oauth_flows.${idOf(doc)}`));
}

export function flowColumns(f: OAuthFlowRecord): unknown[] {
  return [f.id, flowOwnerKey(f), f.expires_at, JSON.stringify(f)];
}

export function auditColumns(e: AuditEvent): unknown[] {
  return [e.id, e.organization_id, e.user_id ?? null, e.api_key_id ?? null, JSON.stringify(e)];
}

function idOf(doc: unknown): string {
  return typeof doc === 'object' && doc !== null && typeof (doc as { id?: unknown }).id === 'string' ? (doc as { id: string }).id : '?';
}

/** The WHERE clause of an owner's list (filters as parameters, never spliced into the SQL). */
export function listWhere(owner: Owner, filter: ConfigurationFilter, params: unknown[]): string {
  params.push(ownerKey(owner));
  const parts = [`owner_key = $${params.length}`];
  if (filter.personal_connector_id !== undefined) {
    params.push(filter.personal_connector_id);
    parts.push(`personal_connector_id = $${params.length}`);
  }
  if (filter.enabled !== undefined) {
    params.push(filter.enabled);
    parts.push(`enabled = $${params.length}`);
  }
  if (filter.health_status !== undefined) {
    params.push(filter.health_status);
    parts.push(`health_status = $${params.length}`);
  }
  if (filter.metadata && Object.keys(filter.metadata).length > 0) {
    params.push(JSON.stringify(filter.metadata));
    parts.push(`doc -> 'metadata' @> $${params.length}::jsonb`);
  }
  return parts.join(' AND ');
}

/** Which audit events belong to an owner: the same rule as the embedded stores (audit-filter.ts). */
export function auditOwnerWhere(owner: Owner, params: unknown[]): string {
  params.push(owner.organization_id);
  const org = `organization_id = $${params.length}`;
  if (owner.user_id !== undefined) {
    params.push(owner.user_id);
    return `${org} AND user_id = $${params.length}`;
  }
  params.push(owner.api_key_id ?? null);
  return `${org} AND api_key_id IS NOT DISTINCT FROM $${params.length}`;
}
