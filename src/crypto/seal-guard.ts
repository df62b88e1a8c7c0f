import { StorageError } from '../domain/errors.js';
import type { Logger } from '../domain/logger.js';
import type { KeyPolicy } from '../store/types.js';
import type { KeyRing } from './keyring.js';
import type { Vault } from './vault.js';

export interface SealGuardOptions {
  vault: Vault;
  /** The store's key policy, read fresh (another process may have rotated a moment ago). */
  policy: () => Promise<KeyPolicy | undefined>;
  /** Re-reads the keys from their source (the key file); undefined when they cannot change (environment). */
  reload: () => KeyRing | undefined;
  /** Where the keys come from, for the refusal: "the environment variable CONNECTOR_GATEWAY_KEY", "the key file …". */
  source: string;
  log: Logger;
}

/**
 * Checked before every seal, so that nothing is sealed under a key that a rotation is about to
 * drop. The store's key policy names the primary key every process must seal with:
 * - this process's primary is it: seal;
 * - the ring holds it (CONNECTOR_GATEWAY_KEY=<new>,<old> in either order): make it the primary;
 * - the keys come from a key file: re-read it (the rotation wrote the new key there first);
 * - otherwise refuse, loudly (key_missing), naming the key to add and where: the process was started
 *   before the rotation with only the old key, and must be restarted with the new one.
 * The store enforces the other half: once the rotation retires the old key, a blob sealed under it
 * is refused at commit, whatever a process checked before.
 */
export class SealGuard {
  #refusedKid: string | undefined;

  constructor(private readonly opts: SealGuardOptions) {}

  async check(): Promise<void> {
    const policy = await this.opts.policy();
    if (!policy) return;
    const { vault } = this.opts;
    const want = policy.primary_kid;
    if (vault.primaryKeyId === want) return;
    if (vault.ring.has(want)) {
      vault.setKeyRing(vault.ring.withPrimaryKid(want));
      this.opts.log.info({ primary_key_id: want }, 'the keys were rotated: sealing with the new primary key');
      return;
    }
    const fresh = this.opts.reload();
    if (fresh?.has(want)) {
      vault.setKeyRing(fresh.withPrimaryKid(want));
      this.opts.log.info({ primary_key_id: want }, 'the keys were rotated: re-read the key file, sealing with the new primary key');
      return;
    }
    const message = `the keys were rotated: credentials must now be sealed with key ${want}, which ${this.opts.source} does not hold (it holds ${vault.ring.kids.join(', ')}); nothing was sealed. Restart this process with the new key (CONNECTOR_GATEWAY_KEY=<new>,<old> during the rotation)`;
    if (this.#refusedKid !== want) {
      this.#refusedKid = want;
      this.opts.log.error({ primary_key_id: want, key_ids: vault.ring.kids }, message);
    }
    throw new StorageError(message, 'key_missing');
  }
}

/**
 * The vault as the running gateway uses it: every seal (credentials, pending OAuth flows) passes the
 * guard first; opening needs no guard. `clearToSeal()` is the check alone, for work that must not
 * start unless its result can be sealed (an OAuth refresh spends the refresh token): it returns the
 * seal to use at the end, without a second check, because the refresh holds the record's lease and
 * a rotation re-seals the record only after it (and retires the old key only after that).
 */
export interface GuardedVault {
  seal(credentials: Parameters<Vault['seal']>[0], binding: Parameters<Vault['seal']>[1]): Promise<ReturnType<Vault['seal']>>;
  open: Vault['open'];
  sealText(text: string, purpose: string, id: string): Promise<ReturnType<Vault['sealText']>>;
  openText: Vault['openText'];
  clearToSeal(): Promise<Vault['seal']>;
}

export function guardVault(vault: Vault, guard: SealGuard): GuardedVault {
  return {
    seal: async (credentials, binding) => {
      await guard.check();
      return vault.seal(credentials, binding);
    },
    open: (sealed, binding) => vault.open(sealed, binding),
    sealText: async (text, purpose, id) => {
      await guard.check();
      return vault.sealText(text, purpose, id);
    },
    openText: (sealed, purpose, id) => vault.openText(sealed, purpose, id),
    clearToSeal: async () => {
      await guard.check();
      return (credentials, binding) => vault.seal(credentials, binding);
    },
  };
}
