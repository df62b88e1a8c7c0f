import { z } from 'zod';
import { StorageError } from '../domain/errors.js';
import type { Change } from './changes.js';
import type { KeyPolicy } from './types.js';

const kid = z.string().regex(/^[0-9a-f]{16}$/, { error: 'must be a key id (16 hex characters)' });

export const KeyPolicySchema = z.strictObject({
  object: z.literal('key_policy'),
  primary_kid: kid,
  retired_kids: z.array(kid),
  updated_at: z.iso.datetime({ offset: true }),
});

/**
 * The store's half of "nothing is ever sealed under a key that is about to be dropped": a write that
 * puts a new credentials blob (one the record did not hold already) under a retired key is refused,
 * under the same lock as the write, so no process with an old key ring can slip one in after a
 * rotation retired its key. Re-writing a record whose blob is unchanged (a rename, a health update)
 * is not sealing and passes: the rotation's sweep moves such blobs.
 */
export function assertSealPolicy(change: Change, policy: KeyPolicy | undefined): void {
  if (!policy || policy.retired_kids.length === 0 || change.kind !== 'configuration' || change.op === 'deleted') return;
  const blob = change.after.credentials_sealed;
  if (!blob || !policy.retired_kids.includes(blob.kid)) return;
  const before = change.op === 'updated' ? change.before.credentials_sealed : undefined;
  if (before && before.kid === blob.kid && before.iv === blob.iv && before.ct === blob.ct && before.tag === blob.tag) return;
  throw new StorageError(
    `configuration ${change.after.id}: its new credentials were sealed with key ${blob.kid}, which a key rotation retired (the primary key is now ${policy.primary_kid}); this process holds an old key ring: restart it with the new keys (CONNECTOR_GATEWAY_KEY=<new>,<old>, or the rotated key file), then save the credentials again`,
    'key_missing',
  );
}

/** True when the change carries a credentials blob the record did not hold: only then is the policy read. */
export function sealsSomething(change: Change): boolean {
  if (change.kind !== 'configuration' || change.op === 'deleted') return false;
  const blob = change.after.credentials_sealed;
  if (!blob) return false;
  const before = change.op === 'updated' ? change.before.credentials_sealed : undefined;
  return !(before && before.kid === blob.kid && before.iv === blob.iv && before.ct === blob.ct && before.tag === blob.tag);
}
