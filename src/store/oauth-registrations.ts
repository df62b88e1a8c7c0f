import { z } from 'zod';
import { SealedSchema } from '../domain/configuration.js';
import { ValidationError } from '../domain/errors.js';
import type { OAuthRegistrationRecord } from './types.js';

const isoDateTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' });

/** A stored OAuth client registration: whose server, which redirect URI, the client sealed. */
export const OAuthRegistrationRecordSchema = z.strictObject({
  id: z.string().regex(/^[0-9a-f]{64}$/, { error: 'must be the sha256 hex of issuer and redirect URI' }),
  object: z.literal('oauth_registration'),
  issuer: z.string().min(1).max(2048),
  redirect_uri: z.string().min(1).max(2048),
  created_at: isoDateTime,
  sealed: SealedSchema,
});

export function checkOAuthRegistrationInput(value: unknown): OAuthRegistrationRecord {
  const r = OAuthRegistrationRecordSchema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0];
    const path = issue?.path.map(String).join('.') ?? '';
    throw new ValidationError(`oauth registration ${path || 'record'}: ${issue?.message ?? 'invalid'}`, path || undefined);
  }
  return r.data;
}

/** The first registration of an id wins: a second process that registered too uses the first's client. */
export function planRegistrationInsert(list: readonly OAuthRegistrationRecord[], record: OAuthRegistrationRecord): { kept: OAuthRegistrationRecord; list: OAuthRegistrationRecord[] } {
  const existing = list.find((r) => r.id === record.id);
  if (existing) return { kept: existing, list: [...list] };
  return { kept: record, list: [...list, record] };
}
