import type { ConfigurationRecord } from '../domain/configuration.js';

/**
 * What about a configuration changes its tools. Health, sync times, metadata and description do
 * not: the gateway writes health itself, and reacting to its own writes would loop. Nor does the
 * sealed blob: an OAuth refresh or a key rotation re-seals it on every use, and the connection
 * reads credentials afresh per request anyway. (A failed configuration is retried on any change.)
 */
export function toolFingerprint(r: ConfigurationRecord): string {
  return JSON.stringify([r.enabled, r.name, r.tool_prefix ?? null, r.personal_connector_id, r.configuration, r.credentials_type ?? null, r.credentials_sealed !== undefined]);
}
