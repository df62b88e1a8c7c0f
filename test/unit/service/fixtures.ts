import type { NetworkPolicy } from '../../../src/domain/network.js';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Sealed } from '../../../src/domain/configuration.js';
import type { Credentials } from '../../../src/domain/credentials.js';
import type { Principal } from '../../../src/domain/principal.js';
import type { CredentialSealer, HealthCheck, SealBinding } from '../../../src/service/ports.js';
import { ConfigurationService } from '../../../src/service/configurations.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { builtinRegistry } from '../../../connectors/index.js';

/** AES-256-GCM with the binding as associated data: enough to test the service without src/crypto. */
export function testSealer(): CredentialSealer & { sealed: number } {
  const key = randomBytes(32);
  const aad = (b: SealBinding) => Buffer.from(`${b.organizationId}\n${b.configurationId}`);
  const s = {
    sealed: 0,
    async seal(c: Credentials, b: SealBinding): Promise<Sealed> {
      s.sealed++;
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(aad(b));
      const ct = Buffer.concat([cipher.update(JSON.stringify(c), 'utf8'), cipher.final()]);
      return { kid: 'test', iv: iv.toString('base64'), ct: ct.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
    },
    async unseal(x: Sealed, b: SealBinding): Promise<Credentials> {
      const d = createDecipheriv('aes-256-gcm', key, Buffer.from(x.iv, 'base64')).setAAD(aad(b));
      d.setAuthTag(Buffer.from(x.tag, 'base64'));
      const text = Buffer.concat([d.update(Buffer.from(x.ct, 'base64')), d.final()]).toString('utf8');
      return JSON.parse(text) as Credentials;
    },
  };
  return s;
}

export const alice: Principal = { organization_id: 'org_a', user_id: 'usr_alice', via: 'local' };
export const bob: Principal = { organization_id: 'org_a', user_id: 'usr_bob', via: 'local' };
export const carol: Principal = { organization_id: 'org_b', user_id: 'usr_carol', via: 'local' };
export const keyOnly: Principal = { organization_id: 'org_a', api_key_id: 'key_robot', via: 'api_key' };

export function serviceFixture(opts: { healthCheck?: HealthCheck; now?: () => Date; network?: NetworkPolicy } = {}) {
  const store = new MemoryStore();
  const sealer = testSealer();
  const registry = builtinRegistry();
  const svc = new ConfigurationService({
    store,
    registry,
    sealer,
    healthCheck: opts.healthCheck ?? (async () => ({ ok: true })),
    ...(opts.now ? { clock: opts.now } : {}),
    ...(opts.network ? { network: opts.network } : {}),
  });
  return { store, sealer, registry, svc };
}

export const githubBody = (extra: Record<string, unknown> = {}) => ({
  personal_connector_id: 'pc_github',
  name: 'My GitHub',
  configuration: { repository: 'acme/backend', branch: 'main', paths: ['src/', 'docs/'] },
  credentials: { type: 'api_key', api_key: 'ghp_plantedSecretValue0001' },
  ...extra,
});
