import type { ConfigurationRecord, Sealed } from '../domain/configuration.js';
import type { Credentials } from '../domain/credentials.js';

import type { HealthResult } from '../domain/health.js';
import type { SealBinding } from '../domain/sealing.js';

export { bindingOf, type SealBinding } from '../domain/sealing.js';
export type { HealthResult };

/** The slice of the vault the services need; src/app adapts the crypto module to it. */
export interface CredentialSealer {
  seal(credentials: Credentials, binding: SealBinding): Promise<Sealed>;
  unseal(sealed: Sealed, binding: SealBinding): Promise<Credentials>;
}

/** Opens the configuration's connector and checks it; provided by the gateway. */
export type HealthCheck = (record: ConfigurationRecord) => Promise<HealthResult>;

export type Clock = () => Date;

export const systemClock: Clock = () => new Date();
