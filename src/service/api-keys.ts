import { z } from 'zod';
import { AuthError, NotFoundError } from '../domain/errors.js';
import { ID_PREFIX, newId } from '../domain/ids.js';
import { OwnerIdSchema } from '../domain/configuration.js';
import type { Principal } from '../domain/principal.js';
import type { ApiKeyRecord, Store } from '../store/types.js';
import { apiKeySecretPrefix, generateApiKeySecret, hashApiKeySecret, looksLikeApiKeySecret, sameHash } from '../auth/api-keys.js';
import { systemClock, type Clock } from './ports.js';
import { parseOrThrow } from './validation.js';
import { auditEvent } from './audit.js';

const CreateApiKeyInputSchema = z.strictObject({
  organization_id: OwnerIdSchema,
  user_id: OwnerIdSchema.optional(),
  name: z.string().trim().min(1, { error: 'must not be empty' }).max(100, { error: 'must be at most 100 characters' }).optional(),
});
export type CreateApiKeyInput = z.input<typeof CreateApiKeyInputSchema>;

/** Returned once, at creation: the only time the secret exists outside the caller's hands. */
export interface CreatedApiKey {
  id: string;
  object: 'api_key';
  organization_id: string;
  user_id?: string;
  name?: string;
  secret: string;
  created_at: string;
}

/** An API key as listed: never the secret nor its hash, only the recognisable prefix. */
export interface ApiKeyObject {
  id: string;
  object: 'api_key';
  organization_id: string;
  user_id?: string;
  name?: string;
  prefix: string;
  created_at: string;
  revoked_at?: string;
  last_used_at?: string;
}

export function toApiKeyObject(r: ApiKeyRecord): ApiKeyObject {
  return {
    id: r.id,
    object: 'api_key',
    organization_id: r.organization_id,
    ...(r.user_id !== undefined ? { user_id: r.user_id } : {}),
    ...(r.name !== undefined ? { name: r.name } : {}),
    prefix: r.prefix,
    created_at: r.created_at,
    ...(r.revoked_at !== undefined ? { revoked_at: r.revoked_at } : {}),
    ...(r.last_used_at !== undefined ? { last_used_at: r.last_used_at } : {}),
  };
}

export class ApiKeyService {
  private readonly store: Store;
  private readonly clock: Clock;

  constructor(deps: { store: Store; clock?: Clock }) {
    this.store = deps.store;
    this.clock = deps.clock ?? systemClock;
  }

  async create(input: CreateApiKeyInput): Promise<CreatedApiKey> {
    const parsed = parseOrThrow(CreateApiKeyInputSchema, input);
    const secret = generateApiKeySecret();
    const record: ApiKeyRecord = {
      id: newId(ID_PREFIX.apiKey),
      object: 'api_key',
      organization_id: parsed.organization_id,
      ...(parsed.user_id !== undefined ? { user_id: parsed.user_id } : {}),
      ...(parsed.name !== undefined ? { name: parsed.name } : {}),
      secret_hash: hashApiKeySecret(secret),
      prefix: apiKeySecretPrefix(secret),
      created_at: this.clock().toISOString(),
    };
    const stored = await this.store.createApiKey(record);
    await this.store.appendAudit(
      auditEvent({ organization_id: stored.organization_id, ...(stored.user_id ? { user_id: stored.user_id } : {}), via: 'local' }, 'api_key.created', stored.id, stored.created_at),
    );
    return {
      id: stored.id,
      object: 'api_key',
      organization_id: stored.organization_id,
      ...(stored.user_id !== undefined ? { user_id: stored.user_id } : {}),
      ...(stored.name !== undefined ? { name: stored.name } : {}),
      secret,
      created_at: stored.created_at,
    };
  }

  async list(organizationId?: string): Promise<ApiKeyObject[]> {
    return (await this.store.listApiKeys(organizationId)).map(toApiKeyObject);
  }

  async revoke(id: string): Promise<ApiKeyObject> {
    const existing = await this.store.getApiKey(id);
    if (!existing) throw new NotFoundError(`no such API key: ${id}`, 'id');
    if (existing.revoked_at !== undefined) return toApiKeyObject(existing);
    const revoked = await this.store.revokeApiKey(id);
    await this.store.appendAudit(
      auditEvent({ organization_id: revoked.organization_id, api_key_id: revoked.id, via: 'local' }, 'api_key.revoked', revoked.id, this.clock().toISOString()),
    );
    return toApiKeyObject(revoked);
  }

  /** Whether a key still opens anything: it exists and is not revoked (sessions made from it die with it). */
  async isActive(id: string): Promise<boolean> {
    const key = await this.store.getApiKey(id);
    return key !== undefined && key.revoked_at === undefined;
  }

  /** The principal behind a secret: one hash lookup, no scan. Revoked keys fail at once. */
  async authenticate(secret: string): Promise<Principal> {
    if (!looksLikeApiKeySecret(secret)) throw new AuthError('invalid API key');
    const hash = hashApiKeySecret(secret);
    const key = await this.store.findApiKeyByHash(hash);
    if (!key || !sameHash(key.secret_hash, hash)) throw new AuthError('invalid API key');
    if (key.revoked_at !== undefined) throw new AuthError('this API key has been revoked', 'api_key_revoked');
    return {
      organization_id: key.organization_id,
      ...(key.user_id !== undefined ? { user_id: key.user_id } : {}),
      api_key_id: key.id,
      via: 'api_key',
    };
  }
}
