import { SettingsSchema, type Settings } from '../../src/config/settings.js';
import { toPublicObject, type ConfigurationObject, type ConfigurationRecord } from '../../src/domain/configuration.js';
import type { Credentials } from '../../src/domain/credentials.js';
import { newId } from '../../src/domain/ids.js';
import type { Principal } from '../../src/domain/principal.js';
import { KeyRing, generateKey } from '../../src/crypto/keyring.js';
import { Vault } from '../../src/crypto/vault.js';
import type { Store } from '../../src/store/types.js';
import { createConnectFlow, type ConnectFlow } from '../../src/oauth/connect.js';
import type { OAuthClients } from '../../src/oauth/clients.js';
import { bindingOf } from '../../src/oauth/vault.js';
import type { StartedOidcProvider } from '../fakes/oidc-provider.js';

export const ALICE: Principal = { user_id: 'alice', organization_id: 'org_acme', via: 'oidc' };

/** Settings with one OAuth client (pc_github) pointing at the test provider. */
export function providerSettings(p: { issuer: string; clientId: string; clientSecret: string }, extra: { timeoutMs?: number } = {}): Settings {
  return SettingsSchema.parse({
    oauth: {
      pc_github: {
        issuer: p.issuer,
        client_id: p.clientId,
        client_secret: p.clientSecret,
        scopes: ['openid', 'email'],
        // oidc-provider (like the OIDC spec) drops offline_access unless consent is prompted.
        authorization_params: { prompt: 'consent' },
      },
    },
    network: { allow_loopback: true },
    ...(extra.timeoutMs ? { limits: { discovery_timeout_ms: extra.timeoutMs } } : {}),
  });
}

export function newVault(): Vault {
  return new Vault(KeyRing.of([generateKey()]));
}

/** What POST /configurations does, reduced to what these tests need: seal and store. */
export function storingCreate(store: Store, vault: Vault) {
  return async (principal: Principal, input: { personal_connector_id: string; name: string; configuration?: Record<string, unknown>; credentials?: Credentials; description?: string; metadata?: Record<string, string> }): Promise<ConfigurationObject> => {
    const id = newId('pconf_');
    const at = new Date().toISOString();
    const base = {
      id,
      object: 'personal_connector.configuration' as const,
      organization_id: principal.organization_id,
      ...(principal.user_id ? { user_id: principal.user_id } : {}),
      personal_connector_id: input.personal_connector_id,
      name: input.name,
      configuration: input.configuration ?? {},
      enabled: true,
      health_status: 'unknown' as const,
      metadata: input.metadata ?? {},
      ...(input.description ? { description: input.description } : {}),
      created_at: at,
      updated_at: at,
    };
    const sealed = input.credentials ? { credentials_type: input.credentials.type, credentials_sealed: vault.seal(input.credentials, bindingOf(base)) } : {};
    return toPublicObject(await store.createConfiguration({ ...base, ...sealed }));
  };
}

/** Runs the real connect flow against the provider: a configuration holding real tokens. */
export async function connectThroughProvider(
  provider: StartedOidcProvider,
  settings: Settings,
  store: Store,
  vault: Vault,
  clients?: OAuthClients,
): Promise<{ flow: ConnectFlow; configuration: ConfigurationObject }> {
  const flow = createConnectFlow({ settings, createConfiguration: storingCreate(store, vault), store, sealer: vault, ...(clients ? { clients } : {}) });
  const { authorization_url, binding } = await flow.start({ principal: ALICE, connectorId: 'pc_github', name: 'My GitHub', redirectUri: provider.redirectUri });
  const callback = await provider.authorize(authorization_url);
  return { flow, configuration: await flow.complete(callback, binding) };
}

export async function openCredentials(store: Store, vault: Vault, id: string): Promise<{ record: ConfigurationRecord; credentials: Credentials }> {
  const record = await store.getConfiguration(id);
  if (!record?.credentials_sealed) throw new Error(`no sealed credentials on ${id}`);
  return { record, credentials: vault.open(record.credentials_sealed, bindingOf(record)) };
}

/** Replaces the stored credentials (sealed), e.g. to make a token look about to expire. */
export async function setCredentials(store: Store, vault: Vault, id: string, credentials: Credentials): Promise<ConfigurationRecord> {
  return store.updateConfiguration(id, (cur) => ({ ...cur, credentials_type: credentials.type, credentials_sealed: vault.seal(credentials, bindingOf(cur)) }));
}

export async function expireSoon(store: Store, vault: Vault, id: string, inMs = 5_000): Promise<Credentials> {
  const { credentials } = await openCredentials(store, vault, id);
  if (credentials.type !== 'oauth2') throw new Error('not oauth2');
  const next = { ...credentials, expires_at: new Date(Date.now() + inMs).toISOString() };
  await setCredentials(store, vault, id, next);
  return next;
}

/** Collects what an async call throws, so tests can assert on it (and on what it must not say). */
export async function caught(p: Promise<unknown>): Promise<Error & { kind?: string; code?: string; status?: number }> {
  try {
    await p;
  } catch (e) {
    return e as Error & { kind?: string; code?: string; status?: number };
  }
  throw new Error('expected a rejection');
}
