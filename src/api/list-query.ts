import { HEALTH_STATUSES, type HealthStatus } from '../domain/configuration.js';
import { ValidationError } from '../domain/errors.js';
import type { ListQuery } from '../service/configurations.js';
import { LIST_LIMIT } from '../service/configurations.js';

const METADATA_PARAM = /^metadata\[([^\]]+)\]$/;
const KNOWN = new Set(['personal_connector_id', 'enabled', 'health_status', 'limit', 'starting_after']);

/** `?personal_connector_id=&enabled=&health_status=&metadata[key]=value&limit=&starting_after=` */
export function parseListQuery(params: URLSearchParams): ListQuery {
  const q: ListQuery = {};
  const seen = new Set<string>();
  for (const [name, value] of params) {
    if (seen.has(name)) throw new ValidationError(`${name}: given more than once`, name);
    seen.add(name);
    const meta = METADATA_PARAM.exec(name);
    if (meta?.[1] !== undefined) {
      q.metadata = { ...(q.metadata ?? {}), [meta[1]]: value };
      continue;
    }
    if (!KNOWN.has(name)) {
      throw new ValidationError(`${name}: unknown query parameter; accepted: ${[...KNOWN].join(', ')}, metadata[key]`, name);
    }
    switch (name) {
      case 'personal_connector_id':
        q.personal_connector_id = value;
        break;
      case 'enabled':
        if (value !== 'true' && value !== 'false') throw new ValidationError('enabled: must be true or false', 'enabled');
        q.enabled = value === 'true';
        break;
      case 'health_status':
        if (!(HEALTH_STATUSES as readonly string[]).includes(value)) {
          throw new ValidationError(`health_status: must be one of ${HEALTH_STATUSES.join(', ')}`, 'health_status');
        }
        q.health_status = value as HealthStatus;
        break;
      case 'limit': {
        const n = /^\d{1,4}$/.test(value) ? Number(value) : NaN;
        if (!Number.isInteger(n) || n < LIST_LIMIT.min || n > LIST_LIMIT.max) {
          throw new ValidationError(`limit: must be an integer from ${LIST_LIMIT.min} to ${LIST_LIMIT.max}`, 'limit');
        }
        q.limit = n;
        break;
      }
      case 'starting_after':
        if (value === '') throw new ValidationError('starting_after: must not be empty', 'starting_after');
        q.starting_after = value;
        break;
    }
  }
  return q;
}

/** `If-Match: "3"` → 3; `*` or absent → undefined (no precondition). */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const h = header.trim();
  if (h === '*') return undefined;
  const m = /^(?:W\/)?"?(\d{1,15})"?$/.exec(h);
  if (!m?.[1]) throw new ValidationError('If-Match: must be an ETag returned by this API, e.g. "3"', 'If-Match', 'invalid_if_match');
  return Number(m[1]);
}

export function etag(version: number): string {
  return `"${version}"`;
}
