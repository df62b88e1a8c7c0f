import type { KeyPolicy, Store } from '../store/types.js';
import type { KeyRing } from './keyring.js';
import { resealAll, type ResealReport } from './reseal.js';
import type { Vault } from './vault.js';

/**
 * Moves every credential to `ring`'s primary key so that the other keys can be dropped, while other
 * processes keep serving:
 * 1. the store's key policy names the new primary: from here on every process seals with it (its
 *    ring holds it, or its key file does once re-read) or refuses to seal (key_missing);
 * 2. every blob is re-sealed under it, OAuth records under their refresh lease, so a refresh that
 *    checked the keys before step 1 stores its tokens first and they are moved too;
 * 3. every other key of the ring is retired: the store refuses any new blob under one of them;
 * 4. a second sweep moves what a write that checked before step 1 committed before step 3.
 * After that no blob is under an old key and none can be written: the old keys can go.
 */
export async function rotateStoredCredentials(store: Store, vault: Vault, ring: KeyRing, opts: { leaseTtlMs?: number; now?: () => Date } = {}): Promise<ResealReport> {
  const now = opts.now ?? (() => new Date());
  vault.setKeyRing(ring);
  const primary = ring.primary.kid;
  const before = await store.getKeyPolicy();
  const retiredBefore = (before?.retired_kids ?? []).filter((k) => k !== primary);
  const policy = (retired: string[]): KeyPolicy => ({ object: 'key_policy', primary_kid: primary, retired_kids: retired, updated_at: now().toISOString() });
  await store.setKeyPolicy(policy(retiredBefore));
  const first = await resealAll(store, vault, opts);
  const retired = [...new Set([...retiredBefore, ...ring.kids.filter((k) => k !== primary)])];
  await store.setKeyPolicy(policy(retired));
  const second = await resealAll(store, vault, opts);
  const resealed = first.resealed + second.resealed;
  return { sealed: second.sealed, resealed, unchanged: Math.max(0, second.sealed - resealed - second.failed.length), failed: second.failed };
}

/**
 * After `keyring init --force` made a new key file: the new key is the primary for every process
 * (a running server re-reads the key file when it next seals) and the keys it replaced are retired.
 */
export async function adoptNewKey(store: Store, kid: string, replacedKids: readonly string[], now: () => Date = () => new Date()): Promise<void> {
  const before = await store.getKeyPolicy();
  const retired = [...new Set([...(before?.retired_kids ?? []), ...(before ? [before.primary_kid] : []), ...replacedKids])].filter((k) => k !== kid);
  await store.setKeyPolicy({ object: 'key_policy', primary_kid: kid, retired_kids: retired, updated_at: now().toISOString() });
}
