/**
 * What sealed credentials are bound to (the AES-GCM associated data): unsealing under another
 * configuration or organization fails, so a blob copied between records is useless.
 */
export interface SealBinding {
  configurationId: string;
  organizationId: string;
}

export function bindingOf(r: { id: string; organization_id: string }): SealBinding {
  return { configurationId: r.id, organizationId: r.organization_id };
}

/**
 * The store lease under which a configuration's credentials are re-sealed: an OAuth refresh holds it
 * while it spends the refresh token and seals the new tokens, and a key rotation takes it to move the
 * record to the new key, so the two never interleave (the refresh's blob is then re-sealed, not lost).
 */
export function credentialsLeaseKey(configurationId: string): string {
  return `oauth-refresh:${configurationId}`;
}
