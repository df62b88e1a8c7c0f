import type { Sealed } from '../domain/configuration.js';
import type { Credentials } from '../domain/credentials.js';

import type { SealBinding } from '../domain/sealing.js';

export { bindingOf, type SealBinding } from '../domain/sealing.js';

/** The slice of src/crypto's Vault this module needs (sync or async, both fine). */
export interface CredentialVault {
  seal(credentials: Credentials, binding: SealBinding): Sealed | Promise<Sealed>;
  open(sealed: Sealed, binding: SealBinding): Credentials | Promise<Credentials>;
  /**
   * Throws unless a seal is allowed now (the key policy's primary key is at hand); else returns the
   * seal to use for this piece of work. Called before a refresh spends its token, under its lease.
   */
  clearToSeal?(): Promise<(credentials: Credentials, binding: SealBinding) => Sealed>;
}

/** Same sealed blob: the credentials were not replaced in the meantime. */
export function sameSealed(a: Sealed | undefined, b: Sealed | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.kid === b.kid && a.iv === b.iv && a.ct === b.ct && a.tag === b.tag;
}
