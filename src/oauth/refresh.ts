import { createHash } from 'node:crypto';
import * as oidc from 'openid-client';
import type { ConfigurationRecord } from '../domain/configuration.js';
import type { Credentials, OAuth2Credentials } from '../domain/credentials.js';
import { NotFoundError, UpstreamError } from '../domain/errors.js';
import type { Logger } from '../domain/logger.js';
import type { Store } from '../store/types.js';
import type { OAuthClients } from './clients.js';
import { GrantRefusedError, mapOAuthError } from './errors.js';
import { tokensToCredentials } from './tokens.js';
import { bindingOf, sameSealed, type CredentialVault, type SealBinding } from './vault.js';
import { credentialsLeaseKey } from '../domain/sealing.js';
import { connectAdvice } from './mcp-auth/needs-authorization.js';

export const REAUTHORIZE_MESSAGE =
  're-authorization needed: the provider refused the refresh token (invalid_grant); reconnect this configuration';

export interface RefresherDeps {
  store: Store;
  vault: CredentialVault;
  clients: OAuthClients;
  /** Tokens of remote MCP servers (credentials with an issuer and client_id) refresh through this. */
  mcpClient?: (issuer: string, clientId: string) => Promise<oidc.Configuration | undefined>;
  /**
   * The authorization server answered `invalid_client` for a client the gateway registered there
   * dynamically: forget it, so the next connection registers a new one. True when one was forgotten.
   */
  forgetMcpClient?: (issuer: string, clientId: string) => Promise<boolean>;
  log: Logger;
  skewMs: number;
  leaseTtlMs: number;
  now: () => number;
}

interface Loaded {
  record: ConfigurationRecord;
  credentials: Credentials | undefined;
}

/** Why a refresh is wanted: the token is near expiry, or the service refused `staleToken`. */
export type RefreshReason = { kind: 'expiring' } | { kind: 'rejected'; staleToken: string };

/**
 * One refresh of one configuration, serialized across processes by a store lease. The record is read
 * again under the lease: if another process refreshed meanwhile, its token is used and the refresh
 * token is not spent twice (with rotation, a second use would revoke the grant).
 */
export class Refresher {
  /** Fingerprints of refresh tokens the provider refused: never sent again from this process. */
  readonly #refused = new Set<string>();

  constructor(private readonly deps: RefresherDeps) {}

  async load(id: string): Promise<Loaded> {
    return this.#open(id, await this.deps.store.getConfiguration(id));
  }

  /**
   * The record as the store holds it now, not a cached copy: a file store serves reads from memory
   * and learns of other processes' writes a moment later, while an identity update re-reads under
   * the store's own lock. Used under the lease, where a stale copy would spend a rotated refresh token.
   */
  async loadFresh(id: string): Promise<Loaded> {
    let current: ConfigurationRecord | undefined;
    await this.deps.store.updateConfiguration(id, (cur) => (current = cur));
    return this.#open(id, current ?? (await this.deps.store.getConfiguration(id)));
  }

  async #open(id: string, record: ConfigurationRecord | undefined): Promise<Loaded> {
    if (!record) throw new NotFoundError(`configuration ${id} does not exist`, 'id');
    if (!record.credentials_sealed) return { record, credentials: undefined };
    return { record, credentials: await this.deps.vault.open(record.credentials_sealed, bindingOf(record)) };
  }

  nearExpiry(c: OAuth2Credentials): boolean {
    if (c.expires_at === undefined) return false;
    return Date.parse(c.expires_at) - this.deps.now() <= this.deps.skewMs;
  }

  /** Resolves with usable credentials, or undefined for a rejected token that cannot be refreshed. */
  async run(id: string, reason: RefreshReason): Promise<Credentials | undefined> {
    return this.deps.store.withLease(credentialsLeaseKey(id), this.deps.leaseTtlMs, async () => {
      const { record, credentials } = await this.loadFresh(id);
      if (credentials?.type !== 'oauth2') return credentials;
      const stale = reason.kind === 'rejected' ? credentials.access_token === reason.staleToken : this.nearExpiry(credentials);
      if (!stale) return credentials; // someone else refreshed, or the credentials were replaced
      return this.#refresh(record, credentials, reason);
    });
  }

  async #refresh(record: ConfigurationRecord, creds: OAuth2Credentials, reason: RefreshReason): Promise<Credentials | undefined> {
    const id = record.id;
    const connectorId = record.personal_connector_id;
    if (!creds.refresh_token) {
      if (reason.kind === 'rejected') return undefined;
      throw new UpstreamError('reauthorize', `the access token of configuration ${id} expired and it has no refresh token: reconnect it`);
    }
    const client = await this.#client(connectorId, creds);
    if (!client) {
      if (reason.kind === 'rejected') return undefined;
      throw new UpstreamError(
        'reauthorize',
        creds.issuer
          ? `the access token of configuration ${id} expired and the gateway no longer holds the OAuth client ${creds.issuer} issued it to: reconnect it`
          : `the access token of configuration ${id} expired and no OAuth client is configured for ${connectorId} (oauth.${connectorId} in the settings file) to refresh it: reconnect it or configure the client`,
      );
    }
    const fingerprint = fingerprintOf(id, creds.refresh_token);
    if (this.#refused.has(fingerprint)) throw new UpstreamError('reauthorize', REAUTHORIZE_MESSAGE);

    // Before the refresh token is spent: if a rotation made a key this process lacks the primary, the
    // new tokens could not be sealed, and a rotating provider would have invalidated the old ones.
    // The seal it returns is used below without a second check: a rotation re-seals this record
    // under this same lease, so it waits for this refresh and moves what it stored.
    const vault = this.deps.vault;
    const sealNow = vault.clearToSeal ? await vault.clearToSeal() : (c: Credentials, b: SealBinding) => vault.seal(c, b);
    const what = `refreshing the OAuth token of configuration ${id}`;
    let fresh: OAuth2Credentials;
    try {
      const config = await client();
      // RFC 8707: the refreshed token is for the same resource as the first one.
      const tokens = await oidc.refreshTokenGrant(config, creds.refresh_token, creds.resource ? { resource: creds.resource } : undefined);
      fresh = tokensToCredentials(tokens, this.deps.now(), what, creds);
    } catch (e) {
      const mapped = mapOAuthError(e, what);
      if (isClientRefused(e) && creds.issuer && creds.client_id && this.deps.forgetMcpClient) {
        // A server that forgot (or purged) our dynamic registration: only a new consent, with a new
        // registration, can help; the next connection registers again by itself.
        const forgot = await this.deps.forgetMcpClient(creds.issuer, creds.client_id).catch(() => false);
        this.#refused.add(fingerprint);
        const message = `needs authorization: the authorization server ${creds.issuer} no longer knows the gateway's OAuth client (invalid_client)${forgot ? '; the gateway registers a new one when you reconnect' : ''}: ${connectAdvice(id)}`;
        await this.#markReauthorize(record, message);
        this.deps.log.warn({ configuration_id: id, personal_connector_id: connectorId, forgot_registration: forgot }, 'oauth2 refresh: client unknown to the authorization server; re-authorization needed');
        throw new UpstreamError('reauthorize', message);
      }
      if (mapped instanceof GrantRefusedError) {
        this.#refused.add(fingerprint);
        await this.#markReauthorize(record);
        this.deps.log.warn({ configuration_id: id, personal_connector_id: connectorId }, 'oauth2 refresh refused: re-authorization needed');
        throw new UpstreamError('reauthorize', REAUTHORIZE_MESSAGE);
      }
      this.deps.log.warn({ configuration_id: id, personal_connector_id: connectorId, err: mapped.message }, 'oauth2 refresh failed');
      throw mapped;
    }

    // Stored before use: if this process dies now, the rotated refresh token is not lost.
    const sealed = await sealNow(fresh, bindingOf(record));
    let replaced = false;
    await this.deps.store.updateConfiguration(id, (cur) => {
      // New credentials saved while we refreshed win over ours.
      replaced = !sameSealed(cur.credentials_sealed, record.credentials_sealed);
      if (replaced) return cur;
      return { ...cur, credentials_type: 'oauth2', credentials_sealed: sealed };
    });
    this.deps.log.info({ configuration_id: id, personal_connector_id: connectorId, expires_at: fresh.expires_at }, 'oauth2 token refreshed');
    if (replaced) return (await this.load(id)).credentials;
    return fresh;
  }

  /**
   * Which client refreshes these tokens: the one they were issued to when the credentials say so
   * (remote MCP servers' own authorization servers), else the settings file's client of the connector.
   * Returns a getter so discovery failures surface inside the refresh's error handling.
   */
  async #client(connectorId: string, creds: OAuth2Credentials): Promise<(() => Promise<oidc.Configuration>) | undefined> {
    if (creds.issuer && creds.client_id) {
      const resolve = this.deps.mcpClient;
      if (!resolve) return undefined;
      const { issuer, client_id } = creds;
      return async () => {
        const config = await resolve(issuer, client_id);
        if (!config) throw new UpstreamError('reauthorize', `the OAuth client ${issuer} issued these tokens to is no longer held by the gateway: reconnect the configuration`);
        return config;
      };
    }
    if (!this.deps.clients.has(connectorId)) return undefined;
    return () => this.deps.clients.get(connectorId);
  }

  async #markReauthorize(record: ConfigurationRecord, message: string = REAUTHORIZE_MESSAGE): Promise<void> {
    try {
      await this.deps.store.updateConfiguration(record.id, (cur) =>
        sameSealed(cur.credentials_sealed, record.credentials_sealed) ? { ...cur, health_status: 'unhealthy', last_error: message } : cur,
      );
    } catch (e) {
      // The caller still gets the reauthorize error; a record deleted meanwhile needs no mark.
      this.deps.log.warn({ configuration_id: record.id, err: e instanceof Error ? e.message : String(e) }, 'could not mark the configuration unhealthy');
    }
  }
}

function fingerprintOf(id: string, refreshToken: string): string {
  return createHash('sha256').update(id).update('\0').update(refreshToken).digest('base64url');
}

/** The token endpoint refused the client itself (RFC 6749 §5.2): unknown, deleted, or not allowed the grant. */
export function isClientRefused(e: unknown): boolean {
  const refused = (code: unknown) => code === 'invalid_client' || code === 'unauthorized_client';
  if (e instanceof oidc.ResponseBodyError) return refused(e.error);
  // A client that authenticated with HTTP Basic gets 401 with a challenge instead (RFC 6749 §5.2).
  if (e instanceof oidc.WWWAuthenticateChallengeError) return e.status === 401 && e.cause.some((c) => refused(c.parameters.error) || c.scheme === 'basic');
  return false;
}
