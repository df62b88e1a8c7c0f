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
