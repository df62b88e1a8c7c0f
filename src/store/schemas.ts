import { z } from 'zod';
import { ConfigurationObjectSchema, SealedSchema, type ConfigurationRecord } from '../domain/configuration.js';
import { CREDENTIAL_TYPES, type CredentialType } from '../domain/credentials.js';
import { OWNER_ID_RE } from '../domain/ids.js';
import { StorageError, ValidationError } from '../domain/errors.js';
import type { ApiKeyRecord, AuditEvent } from './types.js';

const ownerId = z.string().regex(OWNER_ID_RE, { error: 'must be an owner id' });
const isoDateTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' });

/** A stored configuration: the public object plus what only the store and the vault see. */
export const ConfigurationRecordSchema = z
  .strictObject({
    ...ConfigurationObjectSchema.shape,
    version: z.number().int().min(1, { error: 'must be a positive integer' }),
    revision: z.number().int().min(1, { error: 'must be a positive integer' }),
    credentials_type: z.enum(CREDENTIAL_TYPES as [CredentialType, ...CredentialType[]]).optional(),
    credentials_sealed: SealedSchema.optional(),
  })
  .refine((c) => c.user_id !== undefined || c.api_key_id !== undefined, {
    error: 'either user_id or api_key_id must be present',
    path: ['user_id'],
  });

export const ApiKeyRecordSchema = z.strictObject({
  id: z.string().min(1),
  object: z.literal('api_key'),
  organization_id: ownerId,
  user_id: ownerId.optional(),
  name: z.string().max(200).optional(),
  secret_hash: z.string().regex(/^[0-9a-f]{64}$/, { error: 'must be a sha256 hex digest' }),
  prefix: z.string().max(32),
  created_at: isoDateTime,
  revoked_at: isoDateTime.optional(),
  last_used_at: isoDateTime.optional(),
});

export const AuditEventSchema = z.strictObject({
  id: z.string().min(1),
  object: z.literal('audit_event'),
  created_at: isoDateTime,
  organization_id: ownerId,
  user_id: ownerId.optional(),
  api_key_id: ownerId.optional(),
  action: z.string().min(1).max(200),
  target: z.string().max(500).optional(),
  outcome: z.enum(['success', 'failure']),
  detail: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});

function describe(error: z.ZodError): { path: string; message: string } {
  const issue = error.issues[0];
  return { path: issue ? issue.path.map(String).join('.') : '', message: issue?.message ?? 'invalid' };
}

/** Validates a record a caller hands in (create, update): a bad field is the caller's error. */
export function checkConfigurationInput(value: unknown): ConfigurationRecord {
  const r = ConfigurationRecordSchema.safeParse(value);
  if (!r.success) {
    const { path, message } = describe(r.error);
    throw new ValidationError(`configuration ${path || 'record'}: ${message}`, path || undefined);
  }
  return r.data;
}

export function checkApiKeyInput(value: unknown): ApiKeyRecord {
  const r = ApiKeyRecordSchema.safeParse(value);
  if (!r.success) {
    const { path, message } = describe(r.error);
    throw new ValidationError(`api key ${path || 'record'}: ${message}`, path || undefined);
  }
  return r.data;
}

export function checkAuditInput(value: unknown): AuditEvent {
  const r = AuditEventSchema.safeParse(value);
  if (!r.success) {
    const { path, message } = describe(r.error);
    throw new ValidationError(`audit event ${path || 'record'}: ${message}`, path || undefined);
  }
  return r.data;
}

/** Validates a record read from a file: a bad field means the file is damaged, named with its path. */
export function parseStored<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const r = schema.safeParse(value);
  if (!r.success) {
    const { path, message } = describe(r.error);
    throw new StorageError(`${where}${path ? '.' + path : ''}: ${message}`, 'storage_corrupt');
  }
  return r.data;
}
