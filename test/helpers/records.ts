import type { ConfigurationRecord, NewConfigurationRecord } from '../../src/domain/configuration.js';
import type { Credentials } from '../../src/domain/credentials.js';
import type { CredentialSourceFactory } from '../../src/gateway/types.js';
import { newId } from '../../src/domain/ids.js';
import { staticCredentials } from './credentials.js';

let tick = 0;

/** A stored configuration for tests that bypass the management service (no credentials inside). */
export function record(fields: Partial<ConfigurationRecord> & Pick<ConfigurationRecord, 'personal_connector_id' | 'name' | 'configuration'>): NewConfigurationRecord {
  // Strictly increasing creation times keep the gateway's ordering deterministic.
  const at = new Date(Date.UTC(2026, 0, 1) + ++tick * 1000).toISOString();
  return {
    id: newId('pconf_'),
    object: 'personal_connector.configuration',
    organization_id: 'org_test',
    user_id: 'usr_a',
    enabled: true,
    health_status: 'unknown',
    metadata: {},
    created_at: at,
    updated_at: at,
    ...fields,
  };
}

/** Credentials by configuration id, handed out without sealing (the vault has its own tests). */
export class TestCredentials implements CredentialSourceFactory {
  readonly byId = new Map<string, Credentials>();
  forConfiguration(id: string) {
    return staticCredentials(this.byId.get(id));
  }
}
