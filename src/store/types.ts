import type { ConfigurationFilter, ConfigurationRecord, NewConfigurationRecord, Sealed } from '../domain/configuration.js';
import type { Owner } from '../domain/principal.js';

export interface ApiKeyRecord {
  id: string;
  object: 'api_key';
  organization_id: string;
  user_id?: string;
  name?: string;
  /** sha256 of the secret, hex. The secret itself is never stored. */
  secret_hash: string;
  /** First characters of the secret, to recognise a key in a list. */
  prefix: string;
  created_at: string;
  revoked_at?: string;
  last_used_at?: string;
}

export interface AuditEvent {
  id: string;
  object: 'audit_event';
  created_at: string;
  organization_id: string;
  user_id?: string;
  api_key_id?: string;
  /** e.g. configuration.created, configuration.updated, tool.called, keyring.rotated, api_key.created */
  action: string;
  /** The thing acted on: a configuration id, a key id, a tool name. */
  target?: string;
  outcome: 'success' | 'failure';
  detail?: Record<string, string | number | boolean>;
}

/**
 * An OAuth authorization waiting for its callback. `id` is sha256(state) in hex, so the state itself
 * is never stored; everything secret (PKCE verifier, browser binding, what to create) is in `sealed`,
 * which only the vault opens. The store treats `sealed` as opaque: the same record serves any OAuth
 * flow the gateway runs. Single use (`takeOAuthFlow`), dead after `expires_at`.
 */
export interface OAuthFlowRecord {
  id: string;
  object: 'oauth_flow';
  organization_id: string;
  user_id?: string;
  api_key_id?: string;
  created_at: string;
  expires_at: string;
  sealed: Sealed;
}

/**
 * A client registered with an authorization server of a remote MCP server (RFC 7591 dynamic
 * registration), shared by every user of that server: one per issuer and redirect URI. `id` is
 * sha256(issuer, redirect URI) in hex. The client id and secret are in `sealed` (vault purpose
 * `oauth-registration`), so the file alone gives nobody the client.
 */
export interface OAuthRegistrationRecord {
  id: string;
  object: 'oauth_registration';
  issuer: string;
  redirect_uri: string;
  created_at: string;
  sealed: Sealed;
}

export interface OAuthFlowLimits {
  /** Live (unexpired) flows one owner may have pending; the insert beyond is refused (429). */
  maxPerOwner: number;
  now: Date;
}

/**
 * Which key seals, shared by every process on the store (key ids only). After a rotation the new
 * key is `primary_kid`: a process whose ring holds it seals with it, one whose ring does not refuses
 * to seal (key_missing). `retired_kids` may no longer seal at all: the store refuses to commit a new
 * credentials blob under one of them.
 */
export interface KeyPolicy {
  object: 'key_policy';
  primary_kid: string;
  retired_kids: string[];
  updated_at: string;
}

/**
 * Settings kept with the data, so every process that shares it (the CLI, the HTTP server, the server
 * Claude Desktop starts, other replicas) reads the same value: `connector-gateway settings`. An
 * absent field means the default (false).
 */
export interface StoredSettings {
  allow_loopback?: boolean;
  allow_private?: boolean;
  /** When a field was last set (absent until then). */
  updated_at?: string;
}

/** The fields of StoredSettings a user sets; `null` removes one (back to the default). */
export type StoredSettingsPatch = { [K in 'allow_loopback' | 'allow_private']?: boolean | null };

export interface Page<T> {
  data: T[];
  has_more: boolean;
}

export interface ListOptions {
  limit: number;
  /** Cursor: the id of the last item of the previous page. */
  starting_after?: string;
}

export type ChangeEvent =
  | { kind: 'configuration'; op: 'created' | 'updated' | 'deleted'; id: string; owner: Owner; before?: ConfigurationRecord; after?: ConfigurationRecord }
  | { kind: 'api_key'; op: 'created' | 'revoked'; id: string }
  /** Another process changed the file: the store cannot say which records, so every cache must re-read. */
  | { kind: 'reload' }
  /** The stored settings changed (in this process or another): re-read them with getStoredSettings. */
  | { kind: 'settings' }
  /** A 2025-era MCP session was ended (its client's DELETE): `id` is the digest of its id. */
  | { kind: 'session_ended'; id: string };

/** Rate-limit buckets every process shares (a database): one budget for the whole deployment. */
export interface SharedRateBuckets {
  /**
   * Takes `n` tokens from bucket `key` (holding at most `capacity`, refilled by `perMs` per
   * millisecond) in one atomic step, or none: resolves 0 when taken, else the milliseconds until
   * `n` are there.
   */
  take(key: string, n: number, capacity: number, perMs: number): Promise<number>;
}

/** Data written by `update`: everything but identity, creation time, version and revision, which the store manages. */
export type ConfigurationMutation = (current: ConfigurationRecord) => ConfigurationRecord;

/**
 * Persistence. Written for several backends (lowdb now, PostgreSQL later): async everywhere,
 * compare-and-swap on `version`, an event feed, and a lease for one-at-a-time work across processes.
 */
export interface Store {
  readonly kind: string;
  /** Present when rate limits are kept in the store for every process (PostgreSQL); else they are per process. */
  readonly rateBuckets?: SharedRateBuckets;

  getConfiguration(id: string): Promise<ConfigurationRecord | undefined>;
  /** Configurations of one owner, ordered by creation (then id); `filter` narrows. */
  listConfigurations(owner: Owner, filter: ConfigurationFilter, page: ListOptions): Promise<Page<ConfigurationRecord>>;
  /** Every configuration, for maintenance (rotate, doctor). */
  allConfigurations(): Promise<ConfigurationRecord[]>;
  /** Inserts with version 1 and revision 1. Throws ConflictError if the id exists. */
  createConfiguration(record: NewConfigurationRecord): Promise<ConfigurationRecord>;
  /**
   * Read-modify-write under the store's lock. `mutate` gets the current record; if
   * `expectedRevision` is given and differs from the record's revision, throws ConflictError.
   * Returns the stored record (version + 1; revision + 1 only when a user-visible field changed,
   * see `userVisibleChange`), or the current one unchanged when `mutate` returns an equal record
   * (no write, no event).
   */
  updateConfiguration(id: string, mutate: ConfigurationMutation, expectedRevision?: number): Promise<ConfigurationRecord>;
  /** Throws NotFoundError / ConflictError like update. */
  deleteConfiguration(id: string, expectedRevision?: number): Promise<ConfigurationRecord>;

  createApiKey(record: ApiKeyRecord): Promise<ApiKeyRecord>;
  findApiKeyByHash(secretHash: string): Promise<ApiKeyRecord | undefined>;
  getApiKey(id: string): Promise<ApiKeyRecord | undefined>;
  listApiKeys(organizationId?: string): Promise<ApiKeyRecord[]>;
  revokeApiKey(id: string): Promise<ApiKeyRecord>;

  appendAudit(event: AuditEvent): Promise<void>;
  /** Appends several events at once (tool-call audit is batched off the call path); all or none are validated. */
  appendAuditBatch(events: readonly AuditEvent[]): Promise<void>;
  listAudit(owner: Owner | undefined, page: ListOptions): Promise<Page<AuditEvent>>;

  /**
   * Stores a pending OAuth flow; drops expired ones; throws RateLimitedError
   * (too_many_pending_oauth_flows) when its owner already has `limits.maxPerOwner` live ones.
   */
  createOAuthFlow(record: OAuthFlowRecord, limits: OAuthFlowLimits): Promise<OAuthFlowRecord>;
  /** The live flow `id` (sha256 of its state), without consuming it; undefined when unknown or expired. */
  getOAuthFlow(id: string, now: Date): Promise<OAuthFlowRecord | undefined>;
  /** Removes and returns the live flow `id`; undefined when unknown, expired or already taken (by any process). */
  takeOAuthFlow(id: string, now: Date): Promise<OAuthFlowRecord | undefined>;

  /** The key policy (undefined until a rotation or `keyring init` sets one); read fresh, never cached. */
  getKeyPolicy(): Promise<KeyPolicy | undefined>;
  /**
   * Replaces the key policy, atomically with respect to every configuration write: from the moment it
   * is set, creating or updating a configuration with a new credentials blob under a retired key
   * throws StorageError (key_missing).
   */
  setKeyPolicy(policy: KeyPolicy): Promise<void>;

  /** The stored settings (`{}` when none were ever set); read fresh, never cached. */
  getStoredSettings(): Promise<StoredSettings>;
  /** Applies `patch` under the store's lock and returns the result; emits `{kind: 'settings'}` to every process. */
  setStoredSettings(patch: StoredSettingsPatch): Promise<StoredSettings>;

  /**
   * Records that a 2025-era MCP session ended (`id`: the sha256 digest of its id), kept until
   * `expiresAt` (when its id stops opening anyway), and tells every process sharing the store
   * (`session_ended`) where the backend can: PostgreSQL. The embedded stores keep it in the process.
   */
  endSession(id: string, expiresAt: Date, now: Date): Promise<void>;
  /** Whether the session of digest `id` was ended and its record has not expired at `now`. */
  isSessionEnded(id: string, now: Date): Promise<boolean>;

  /** Every stored client registration (a handful: one per authorization server and redirect URI). */
  listOAuthRegistrations(): Promise<OAuthRegistrationRecord[]>;
  /**
   * Stores a registration. When one with the same id exists (another process registered first), the
   * stored one is kept and returned: callers use whatever comes back.
   */
  createOAuthRegistration(record: OAuthRegistrationRecord): Promise<OAuthRegistrationRecord>;
  /** Removes the registration `id` (the server forgot the client); false when there was none. */
  deleteOAuthRegistration(id: string): Promise<boolean>;

  /** Subscribe to changes, from this process and (where the backend can tell) from others. */
  onChange(listener: (event: ChangeEvent) => void): () => void;
  /** Runs `fn` while holding an exclusive lease on `key` across processes; waits for it if taken. */
  withLease<T>(key: string, ttlMs: number, fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
