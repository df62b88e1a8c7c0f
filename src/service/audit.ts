import { ID_PREFIX, newId } from '../domain/ids.js';
import type { Principal } from '../domain/principal.js';
import type { AuditEvent } from '../store/types.js';

/** An audit entry: who did what to which id. Only ids and names go in, never a value a caller sent. */
export function auditEvent(
  principal: Principal,
  action: string,
  target: string,
  now: string,
  outcome: AuditEvent['outcome'] = 'success',
  detail?: AuditEvent['detail'],
): AuditEvent {
  return {
    id: newId(ID_PREFIX.audit),
    object: 'audit_event',
    created_at: now,
    organization_id: principal.organization_id,
    ...(principal.user_id !== undefined ? { user_id: principal.user_id } : {}),
    ...(principal.api_key_id !== undefined ? { api_key_id: principal.api_key_id } : {}),
    action,
    target,
    outcome,
    detail: { via: principal.via, ...(detail ?? {}) },
  };
}
