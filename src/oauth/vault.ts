import type { Sealed, ConfigurationRecord } from '../domain/configuration.js';
import type { Credentials } from '../domain/credentials.js';

/** What sealed credentials are bound to: a blob moved to another record does not open. */
export interface SealBinding {
  configurationId: string;
  organizationId: string;
}

/** The slice of src/crypto's Vault this module needs (sync or async, both fine). */
export interface CredentialVault {
  seal(credentials: Credentials, binding: SealBinding): Sealed | Promise<Sealed>;
  open(sealed: Sealed, binding: SealBinding): Credentials | Promise<Credentials>;
}

export function bindingOf(r: Pick<ConfigurationRecord, 'id' | 'organization_id'>): SealBinding {
  return { configurationId: r.id, organizationId: r.organization_id };
}

/** Same sealed blob: the credentials were not replaced in the meantime. */
export function sameSealed(a: Sealed | undefined, b: Sealed | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.kid === b.kid && a.iv === b.iv && a.ct === b.ct && a.tag === b.tag;
}
