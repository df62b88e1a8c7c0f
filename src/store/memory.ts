import type { ConfigurationFilter, ConfigurationRecord, NewConfigurationRecord } from '../domain/configuration.js';
import { silentLogger, type Logger } from '../domain/logger.js';
import type { Owner } from '../domain/principal.js';
import { pageAudit } from './audit-filter.js';
import { planCreate, planDelete, planUpdate, toEvent, type Change } from './changes.js';
import { checkPage } from './config-table.js';
import { ChangeEmitter } from './emitter.js';
import { deepFreeze, jsonCopy } from './json.js';
import { KeyedQueue } from './lease-queue.js';
import { checkOAuthFlowInput, findLiveFlow, planFlowInsert, planFlowTake } from './oauth-flows.js';
import { checkOAuthRegistrationInput, planRegistrationInsert } from './oauth-registrations.js';
import { checkApiKeyInput, checkAuditInput, parseStored } from './schemas.js';
import { Tables } from './tables.js';
import type { ApiKeyRecord, AuditEvent, ChangeEvent, ConfigurationMutation, KeyPolicy, ListOptions, StoredSettings, StoredSettingsPatch, OAuthFlowLimits, OAuthFlowRecord, OAuthRegistrationRecord, Page, Store } from './types.js';
import { assertSealPolicy, KeyPolicySchema } from './key-policy.js';
import { applySettingsPatch } from './stored-settings.js';
import { EndedSessionSet } from './ended-sessions.js';

/** A store that lives and dies with the process: tests, benchmarks, throwaway gateways. */
export class MemoryStore implements Store {
  readonly kind = 'memory';
  readonly #tables = new Tables();
  readonly #audit: AuditEvent[] = [];
  readonly #emitter: ChangeEmitter;
  readonly #leases = new KeyedQueue();
  #flows: OAuthFlowRecord[] = [];
  #keyPolicy: KeyPolicy | undefined;
  #settings: StoredSettings = {};
  #registrations: OAuthRegistrationRecord[] = [];
  readonly #ended = new EndedSessionSet();

  constructor(opts: { log?: Logger } = {}) {
    this.#emitter = new ChangeEmitter(opts.log ?? silentLogger);
  }

  async getConfiguration(id: string): Promise<ConfigurationRecord | undefined> {
    return this.#tables.configs.get(id);
  }

  async listConfigurations(owner: Owner, filter: ConfigurationFilter, page: ListOptions): Promise<Page<ConfigurationRecord>> {
    checkPage(page);
    return this.#tables.configs.list(owner, filter, page);
  }

  async allConfigurations(): Promise<ConfigurationRecord[]> {
    return this.#tables.configs.all();
  }

  async createConfiguration(record: NewConfigurationRecord): Promise<ConfigurationRecord> {
    const c = planCreate(this.#tables.configs, record);
    assertSealPolicy(c, this.#keyPolicy);
    this.#commit(c);
    return c.after;
  }

  async updateConfiguration(id: string, mutate: ConfigurationMutation, expectedRevision?: number): Promise<ConfigurationRecord> {
    const c = planUpdate(this.#tables.configs, id, mutate, expectedRevision);
    if (!c) return this.#tables.configs.get(id)!;
    assertSealPolicy(c, this.#keyPolicy);
    this.#commit(c);
    return c.after;
  }

  async deleteConfiguration(id: string, expectedRevision?: number): Promise<ConfigurationRecord> {
    const c = planDelete(this.#tables.configs, id, expectedRevision);
    this.#commit(c);
    return c.before;
  }

  async getKeyPolicy(): Promise<KeyPolicy | undefined> {
    return this.#keyPolicy;
  }

  async setKeyPolicy(policy: KeyPolicy): Promise<void> {
    this.#keyPolicy = deepFreeze(parseStored(KeyPolicySchema, jsonCopy(policy), 'key policy'));
  }

  async getStoredSettings(): Promise<StoredSettings> {
    return { ...this.#settings };
  }

  async setStoredSettings(patch: StoredSettingsPatch): Promise<StoredSettings> {
    this.#settings = applySettingsPatch(this.#settings, patch);
    this.#emitter.emit([{ kind: 'settings' }]);
    return { ...this.#settings };
  }

  async createApiKey(record: ApiKeyRecord): Promise<ApiKeyRecord> {
    const after = deepFreeze(checkApiKeyInput(jsonCopy(record)));
    this.#tables.keys.checkNew(after);
    this.#commit({ kind: 'api_key', op: 'created', after });
    return after;
  }

  async findApiKeyByHash(secretHash: string): Promise<ApiKeyRecord | undefined> {
    return this.#tables.keys.byHash(secretHash);
  }

  async getApiKey(id: string): Promise<ApiKeyRecord | undefined> {
    return this.#tables.keys.get(id);
  }

  async listApiKeys(organizationId?: string): Promise<ApiKeyRecord[]> {
    const all = this.#tables.keys.all();
    return organizationId === undefined ? all : all.filter((k) => k.organization_id === organizationId);
  }

  async revokeApiKey(id: string): Promise<ApiKeyRecord> {
    const current = this.#tables.keys.require(id);
    if (current.revoked_at !== undefined) return current;
    const after = deepFreeze({ ...current, revoked_at: new Date().toISOString() });
    this.#commit({ kind: 'api_key', op: 'revoked', after });
    return after;
  }

  async appendAudit(event: AuditEvent): Promise<void> {
    this.#audit.push(deepFreeze(checkAuditInput(jsonCopy(event))));
  }

  async appendAuditBatch(events: readonly AuditEvent[]): Promise<void> {
    const checked = events.map((e) => deepFreeze(checkAuditInput(jsonCopy(e))));
    this.#audit.push(...checked);
  }

  async listAudit(owner: Owner | undefined, page: ListOptions): Promise<Page<AuditEvent>> {
    checkPage(page);
    return pageAudit(this.#audit, owner, page);
  }

  async createOAuthFlow(record: OAuthFlowRecord, limits: OAuthFlowLimits): Promise<OAuthFlowRecord> {
    const checked = deepFreeze(checkOAuthFlowInput(jsonCopy(record)));
    this.#flows = planFlowInsert(this.#flows, checked, limits);
    return checked;
  }

  async getOAuthFlow(id: string, now: Date): Promise<OAuthFlowRecord | undefined> {
    return findLiveFlow(this.#flows, id, now);
  }

  async takeOAuthFlow(id: string, now: Date): Promise<OAuthFlowRecord | undefined> {
    const { taken, kept } = planFlowTake(this.#flows, id, now);
    this.#flows = kept;
    return taken;
  }
  async listOAuthRegistrations(): Promise<OAuthRegistrationRecord[]> {
    return [...this.#registrations];
  }

  async createOAuthRegistration(record: OAuthRegistrationRecord): Promise<OAuthRegistrationRecord> {
    const { kept, list } = planRegistrationInsert(this.#registrations, deepFreeze(checkOAuthRegistrationInput(jsonCopy(record))));
    this.#registrations = list;
    return kept;
  }

  async deleteOAuthRegistration(id: string): Promise<boolean> {
    const before = this.#registrations.length;
    this.#registrations = this.#registrations.filter((r) => r.id !== id);
    return this.#registrations.length !== before;
  }

  async endSession(id: string, expiresAt: Date, now: Date): Promise<void> {
    this.#ended.add(id, expiresAt, now);
    this.#emitter.emit([{ kind: 'session_ended', id }]);
  }

  async isSessionEnded(id: string, now: Date): Promise<boolean> {
    return this.#ended.has(id, now);
  }

  onChange(listener: (event: ChangeEvent) => void): () => void {
    return this.#emitter.on(listener);
  }

  /** One process only, so the lease is an in-process queue; the ttl cannot be exceeded by anyone else. */
  withLease<T>(key: string, _ttlMs: number, fn: () => Promise<T>): Promise<T> {
    return this.#leases.run(key, fn);
  }

  async close(): Promise<void> {
    this.#emitter.clear();
  }

  #commit(c: Change): void {
    this.#tables.apply(c);
    this.#emitter.emit([toEvent(c)]);
  }
}
