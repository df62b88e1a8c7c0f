import type { ConfigurationRecord, Sealed } from '../domain/configuration.js';
import type { Credentials } from '../domain/credentials.js';

import type { SealBinding } from '../domain/sealing.js';

export { bindingOf, type SealBinding } from '../domain/sealing.js';

/** The slice of the vault the services need; src/app adapts the crypto module to it. */
export interface CredentialSealer {
  seal(credentials: Credentials, binding: SealBinding): Promise<Sealed>;
  unseal(sealed: Sealed, binding: SealBinding): Promise<Credentials>;
}

export interface HealthResult {
  ok: boolean;
  /** Why the check failed, fit to show the owner (never a secret). */
  error?: string;
  /** What kind of failure (an UpstreamError kind such as `credentials`, or `credentials_unreadable`), for the audit trail. */
  kind?: string;
}

/** Opens the configuration's connector and checks it; provided by the gateway. */
export type HealthCheck = (record: ConfigurationRecord) => Promise<HealthResult>;

export type Clock = () => Date;

export const systemClock: Clock = () => new Date();
