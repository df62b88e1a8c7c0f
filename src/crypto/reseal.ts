import { errorMessage, NotFoundError } from '../domain/errors.js';
import { credentialsLeaseKey } from '../domain/sealing.js';
import type { Store } from '../store/types.js';
import type { Vault } from './vault.js';

export interface ResealReport {
  /** Configurations with sealed credentials. */
  sealed: number;
  resealed: number;
  /** Already under the primary key (or changed by someone else to be so). */
  unchanged: number;
  failed: { id: string; message: string }[];
}

/**
 * The refresh lease's TTL when the caller does not give the figure its refreshes use: a lock older
 * than the waiter's TTL counts as abandoned, so this must not be shorter than a refresh may hold it.
 */
const DEFAULT_LEASE_MS = 25_000;

/**
 * Re-seals every credential blob that is not under the vault's primary key. Each record goes through
 * `updateConfiguration`, so it is re-read under the store's lock (a concurrent edit is never lost)
 * and its version bumps (caches notice). `updated_at` is left alone: the public object is unchanged.
 * OAuth records are re-sealed under their refresh lease: a refresh in flight in another process
 * (which may have checked the keys before a rotation began) finishes and stores its new tokens
 * first, and its blob is then moved here, instead of being written over the moved one afterwards.
 * A blob that cannot be opened is reported, not fatal: the others still move to the new key.
 */
export async function resealAll(store: Store, vault: Vault, opts: { leaseTtlMs?: number } = {}): Promise<ResealReport> {
  const report: ResealReport = { sealed: 0, resealed: 0, unchanged: 0, failed: [] };
  for (const listed of await store.allConfigurations()) {
    if (!listed.credentials_sealed) continue;
    report.sealed++;
    if (!vault.needsReseal(listed.credentials_sealed) && listed.credentials_type !== 'oauth2') {
      report.unchanged++;
      continue;
    }
    try {
      let changed = false;
      const move = () =>
        store.updateConfiguration(listed.id, (current) => {
          changed = false;
          if (!current.credentials_sealed || !vault.needsReseal(current.credentials_sealed)) return current;
          const binding = { configurationId: current.id, organizationId: current.organization_id };
          changed = true;
          return { ...current, credentials_sealed: vault.seal(vault.open(current.credentials_sealed, binding), binding) };
        });
      if (listed.credentials_type === 'oauth2') await store.withLease(credentialsLeaseKey(listed.id), opts.leaseTtlMs ?? DEFAULT_LEASE_MS, move);
      else await move();
      if (changed) report.resealed++;
      else report.unchanged++;
    } catch (e) {
      if (e instanceof NotFoundError) {
        report.sealed--; // deleted meanwhile: nothing left to re-seal
        continue;
      }
      report.failed.push({ id: listed.id, message: errorMessage(e) });
    }
  }
  return report;
}
