import { z } from 'zod';
import { SealedSchema } from '../domain/configuration.js';
import { OWNER_ID_RE } from '../domain/ids.js';
import { ownerKey } from '../domain/principal.js';
import { ConflictError, RateLimitedError, ValidationError } from '../domain/errors.js';
import type { OAuthFlowLimits, OAuthFlowRecord } from './types.js';

const ownerId = z.string().regex(OWNER_ID_RE, { error: 'must be an owner id' });
const isoDateTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' });

/** A pending OAuth authorization: who started it, until when, and its secrets sealed by the vault. */
export const OAuthFlowRecordSchema = z
  .strictObject({
    id: z.string().regex(/^[0-9a-f]{64}$/, { error: 'must be the sha256 hex of the state' }),
    object: z.literal('oauth_flow'),
    organization_id: ownerId,
    user_id: ownerId.optional(),
    api_key_id: ownerId.optional(),
    created_at: isoDateTime,
    expires_at: isoDateTime,
    sealed: SealedSchema,
  })
  .refine((c) => c.user_id !== undefined || c.api_key_id !== undefined, { error: 'either user_id or api_key_id must be present', path: ['user_id'] });

export function checkOAuthFlowInput(value: unknown): OAuthFlowRecord {
  const r = OAuthFlowRecordSchema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0];
    const path = issue?.path.map(String).join('.') ?? '';
    throw new ValidationError(`oauth flow ${path || 'record'}: ${issue?.message ?? 'invalid'}`, path || undefined);
  }
  return r.data;
}

export function flowOwnerKey(f: OAuthFlowRecord): string {
  return ownerKey({ organization_id: f.organization_id, ...(f.user_id ? { user_id: f.user_id } : {}), ...(f.api_key_id ? { api_key_id: f.api_key_id } : {}) });
}

function live(f: OAuthFlowRecord, nowMs: number): boolean {
  return Date.parse(f.expires_at) > nowMs;
}

/**
 * The rules every store applies to pending flows, on a plain list (the file store's whole set, the
 * memory store's map): expired ones are dropped, an owner has at most `maxPerOwner` live ones, ids
 * are unique. Returns the list to keep.
 */
export function planFlowInsert(flows: readonly OAuthFlowRecord[], record: OAuthFlowRecord, limits: OAuthFlowLimits): OAuthFlowRecord[] {
  const now = limits.now.getTime();
  const kept = flows.filter((f) => live(f, now));
  if (kept.some((f) => f.id === record.id)) throw new ConflictError(`an OAuth flow with this state already exists`, 'resource_exists');
  const owner = flowOwnerKey(record);
  const mine = kept.filter((f) => flowOwnerKey(f) === owner);
  if (mine.length >= limits.maxPerOwner) {
    const soonest = Math.min(...mine.map((f) => Date.parse(f.expires_at)));
    throw new RateLimitedError(
      `too many pending OAuth connections: ${mine.length} are waiting for their browser, the cap is ${limits.maxPerOwner} per principal (limits.max_pending_oauth_flows); finish one or wait until the oldest expires`,
      Math.max(0, soonest - now),
      'too_many_pending_oauth_flows',
    );
  }
  return [...kept, record];
}

/** The flow `id` when it is still live, and the list without it (and without expired ones). */
export function planFlowTake(flows: readonly OAuthFlowRecord[], id: string, nowDate: Date): { taken: OAuthFlowRecord | undefined; kept: OAuthFlowRecord[] } {
  const now = nowDate.getTime();
  const found = flows.find((f) => f.id === id);
  return { taken: found && live(found, now) ? found : undefined, kept: flows.filter((f) => f.id !== id && live(f, now)) };
}

export function findLiveFlow(flows: readonly OAuthFlowRecord[], id: string, nowDate: Date): OAuthFlowRecord | undefined {
  const f = flows.find((x) => x.id === id);
  return f && live(f, nowDate.getTime()) ? f : undefined;
}
