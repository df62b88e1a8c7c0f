import { ValidationError } from '../domain/errors.js';
import type { Owner } from '../domain/principal.js';
import type { AuditEvent, ListOptions, Page } from './types.js';

function belongsTo(e: AuditEvent, o: Owner): boolean {
  if (e.organization_id !== o.organization_id) return false;
  return o.user_id !== undefined ? e.user_id === o.user_id : e.api_key_id === o.api_key_id;
}

/** A page of `events` (oldest first, as appended), newest first, cursor by event id. */
export function pageAudit(events: readonly AuditEvent[], owner: Owner | undefined, page: ListOptions): Page<AuditEvent> {
  let i = events.length - 1;
  if (page.starting_after !== undefined) {
    while (i >= 0 && events[i]!.id !== page.starting_after) i--;
    if (i < 0 || (owner && !belongsTo(events[i]!, owner))) {
      throw new ValidationError(`starting_after: no audit event ${page.starting_after} in this list`, 'starting_after', 'resource_missing');
    }
    i--;
  }
  const data: AuditEvent[] = [];
  for (; i >= 0; i--) {
    const e = events[i]!;
    if (owner && !belongsTo(e, owner)) continue;
    if (data.length === page.limit) return { data, has_more: true };
    data.push(e);
  }
  return { data, has_more: false };
}
