import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Store } from '../../store/types.js';
import type { FlowSealer } from '../pending-flows.js';
import type { AuthHttp } from './http.js';
import type { ClientAuthMethod, ClientIdentity } from './identity.js';
import type { AuthorizationServerMetadata } from './server-metadata.js';
import { firstIssue, metadataError } from './errors.js';

const PURPOSE = 'oauth-registration';

/** What is sealed in a stored registration. */
const SealedClientSchema = z.strictObject({
  client_id: z.string().min(1),
  client_secret: z.string().min(1).optional(),
  auth_method: z.enum(['none', 'client_secret_basic', 'client_secret_post']),
});

/** RFC 7591 §3.2.1: the members we rely on; a secret is required when we asked for a confidential client. */
const RegistrationResponseSchema = z.looseObject({
  client_id: z.string({ error: 'is required' }).min(1, { error: 'must not be empty' }),
  client_secret: z.string().min(1).optional(),
  token_endpoint_auth_method: z.string().optional(),
});

export type RegistrationStore = Pick<Store, 'listOAuthRegistrations' | 'createOAuthRegistration' | 'deleteOAuthRegistration' | 'withLease'>;

export function registrationId(issuer: string, redirectUri: string): string {
  return createHash('sha256').update(issuer).update('\n').update(redirectUri).digest('hex');
}

/**
 * Dynamic client registrations, one per authorization server and redirect URI, stored sealed and
 * shared by every user (and process) of that server. Registering is serialized by a store lease, so
 * two processes that connect at once register one client, not two.
 */
export class Registrations {
  constructor(
    private readonly store: RegistrationStore,
    private readonly sealer: FlowSealer,
    private readonly http: AuthHttp,
    private readonly now: () => number = Date.now,
  ) {}

  async find(issuer: string, redirectUri: string): Promise<ClientIdentity | undefined> {
    const id = registrationId(issuer, redirectUri);
    const record = (await this.store.listOAuthRegistrations()).find((r) => r.id === id);
    return record ? this.#open(record.sealed, record.id) : undefined;
  }

  /** The registration of `issuer` whose client is `clientId` (for refreshing tokens it issued). */
  async findByClientId(issuer: string, clientId: string): Promise<ClientIdentity | undefined> {
    for (const r of await this.store.listOAuthRegistrations()) {
      if (r.issuer !== issuer) continue;
      const c = this.#open(r.sealed, r.id);
      if (c.clientId === clientId) return c;
    }
    return undefined;
  }

  /** Forgets the client (the server answered invalid_client): the next connection registers again. */
  async forget(issuer: string, redirectUri: string): Promise<void> {
    await this.store.deleteOAuthRegistration(registrationId(issuer, redirectUri));
  }

  /**
   * Forgets every registration of `issuer` whose client is `clientId` (the server answered
   * invalid_client for it). True when one was forgotten; a new connection registers again.
   */
  async forgetClient(issuer: string, clientId: string): Promise<boolean> {
    let forgot = false;
    for (const r of await this.store.listOAuthRegistrations()) {
      if (r.issuer !== issuer) continue;
      let c: ClientIdentity;
      try {
        c = this.#open(r.sealed, r.id);
      } catch {
        continue;
      }
      if (c.clientId !== clientId) continue;
      await this.store.deleteOAuthRegistration(r.id);
      forgot = true;
    }
    return forgot;
  }

  async register(server: AuthorizationServerMetadata, redirectUri: string): Promise<ClientIdentity> {
    const id = registrationId(server.issuer, redirectUri);
    return this.store.withLease(`oauth-register:${id}`, 30_000, async () => {
      const again = await this.find(server.issuer, redirectUri);
      if (again) return again;
      const identity = await this.#post(server, redirectUri);
      const sealed = await this.sealer.sealText(JSON.stringify({ client_id: identity.clientId, ...(identity.clientSecret ? { client_secret: identity.clientSecret } : {}), auth_method: identity.authMethod }), PURPOSE, id);
      const kept = await this.store.createOAuthRegistration({ id, object: 'oauth_registration', issuer: server.issuer, redirect_uri: redirectUri, created_at: new Date(this.now()).toISOString(), sealed });
      return this.#open(kept.sealed, kept.id);
    });
  }

  async #post(server: AuthorizationServerMetadata, redirectUri: string): Promise<ClientIdentity> {
    const endpoint = server.registration_endpoint ?? '';
    const authMethod = preferredAuthMethod(server.token_endpoint_auth_methods_supported);
    const loopback = isLoopbackRedirect(redirectUri);
    const body = {
      client_name: 'MCP Connector Gateway',
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: authMethod,
      // 2026-07-28 makes application_type a MUST: native for the CLI's loopback listener (RFC 8252), web otherwise.
      application_type: loopback ? 'native' : 'web',
    };
    const what = `dynamic client registration at ${endpoint}`;
    const answer = await this.http.postJson(endpoint, 'registration_endpoint', body);
    if (answer.status !== 201 && answer.status !== 200) {
      const code = typeof (answer.json as { error?: unknown } | undefined)?.error === 'string' ? (answer.json as { error: string }).error : undefined;
      throw metadataError(what, 'registration_endpoint', `refused with HTTP ${answer.status}${code && /^[\w.-]{1,64}$/.test(code) ? ` (${code})` : ''}`);
    }
    if (answer.json === undefined) throw metadataError(what, 'registration_endpoint', 'the answer is not JSON; nothing was stored');
    const parsed = RegistrationResponseSchema.safeParse(answer.json);
    if (!parsed.success) throw metadataError(what, 'registration_endpoint', `the answer's ${firstIssue(parsed.error)}; nothing was stored`);
    const granted = (parsed.data.token_endpoint_auth_method ?? authMethod) as string;
    if (!isAuthMethod(granted)) throw metadataError(what, 'registration_endpoint', `the answer's token_endpoint_auth_method ${JSON.stringify(granted.slice(0, 40))} is not one the gateway uses; nothing was stored`);
    if (granted !== 'none' && !parsed.data.client_secret) throw metadataError(what, 'registration_endpoint', `the answer has no client_secret for ${granted}; nothing was stored`);
    return { method: 'dynamic', clientId: parsed.data.client_id, ...(granted !== 'none' && parsed.data.client_secret ? { clientSecret: parsed.data.client_secret } : {}), authMethod: granted };
  }

  #open(sealed: Parameters<FlowSealer['openText']>[0], id: string): ClientIdentity {
    const c = SealedClientSchema.parse(JSON.parse(this.sealer.openText(sealed, PURPOSE, id)));
    return { method: 'dynamic', clientId: c.client_id, ...(c.client_secret ? { clientSecret: c.client_secret } : {}), authMethod: c.auth_method };
  }
}

function isAuthMethod(m: string): m is ClientAuthMethod {
  return m === 'none' || m === 'client_secret_basic' || m === 'client_secret_post';
}

/** A server-side gateway keeps a secret safely (sealed), so it registers as a confidential client when it can. */
function preferredAuthMethod(supported: readonly string[] | undefined): ClientAuthMethod {
  // RFC 8414 §2: absent means client_secret_basic.
  if (!supported || supported.includes('client_secret_basic')) return 'client_secret_basic';
  if (supported.includes('client_secret_post')) return 'client_secret_post';
  return 'none';
}

function isLoopbackRedirect(uri: string): boolean {
  try {
    const h = new URL(uri).hostname;
    return h === '127.0.0.1' || h === '[::1]' || h === 'localhost';
  } catch {
    return false;
  }
}
