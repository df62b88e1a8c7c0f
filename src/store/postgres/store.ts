import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { ConfigurationFilter, ConfigurationRecord, NewConfigurationRecord } from '../../domain/configuration.js';
import { ownerKey } from '../../domain/principal.js';
import { fillPrefixesInDatabase, ownerPrefixes } from './tool-prefixes.js';
import { fillToolPrefixes } from '../tool-prefix-fill.js';
import { ConflictError, ValidationError } from '../../domain/errors.js';
import { silentLogger, type Logger } from '../../domain/logger.js';
import type { Owner } from '../../domain/principal.js';
import { planCreate, planDelete, planUpdate, toEvent, type Change } from '../changes.js';
import { checkPage, ConfigTable, ownerOfRecord } from '../config-table.js';
import { ChangeEmitter } from '../emitter.js';
import { deepFreeze, jsonCopy } from '../json.js';
import { KeyTable } from '../key-table.js';
import { checkApiKeyInput, checkAuditInput, parseStored } from '../schemas.js';
import { assertSealPolicy, KeyPolicySchema, sealsSomething } from '../key-policy.js';
import { checkOAuthRegistrationInput } from '../oauth-registrations.js';
import type { Snapshot } from '../transfer.js';
import type { KeyPolicy, StoredSettings, StoredSettingsPatch } from '../types.js';
import { applySettingsPatch, StoredSettingsSchema } from '../stored-settings.js';
import type { ApiKeyRecord, AuditEvent, ChangeEvent, ConfigurationMutation, ListOptions, OAuthFlowLimits, OAuthFlowRecord, OAuthRegistrationRecord, Page, Store } from '../types.js';
import { ChangeListener, CHANGES_CHANNEL } from './change-feed.js';
import { checkDatabaseUrl, createPool, isConnectionError, mapDbError } from './connection.js';
import { PostgresFlows } from './flows.js';
import { PostgresRegistrations } from './registrations.js';
import { Leases } from './leases.js';
import { requireCurrentSchema, schemaState } from './migrations.js';
import { RecordCache } from './record-cache.js';
import { PostgresRateBuckets } from './rate-buckets.js';
import { apiKeyFromDoc, auditColumns, auditFromDoc, auditOwnerWhere, CONFIGURATION_COLUMNS, CONFIGURATION_VALUES, configurationColumns, configurationFromDoc, listWhere } from './rows.js';

export interface PostgresStoreOptions {
  url: string;
  log?: Logger;
  /** Connections in this replica's pool (default 10). */
  poolMax?: number;
  /** Safety-net poll of the change feed while notifications flow (default 5 s). */
  pollMs?: number;
  /** Records this replica keeps in its read cache (default 200,000). */
  cacheMax?: number;
  connectTimeoutMs?: number;
  queryTimeoutMs?: number;
  /** Changes older than this are pruned from the feed (default 1 hour); a replica further behind reloads. */
  feedRetentionMs?: number;
}

/** Arbitrary constant: the transaction-level advisory lock that orders change-feed inserts. */
const FEED_LOCK = 7_243_110_001;

interface ChangeRow {
  seq: string;
  origin: string;
  kind: string;
  op: string;
  id: string;
  before: unknown;
  after: unknown;
}

/**
 * The store for many replicas: one PostgreSQL database. Writes are transactions that lock the row
 * they change, check the version, write the document and append to the change feed (cg_changes) in
 * commit order; NOTIFY wakes every replica, which reads the feed, updates its read cache and emits
 * the same events the embedded stores emit. Reads by id come from the cache while the feed is live,
 * and from the database otherwise; lists are queries on indexed columns.
 */
export class PostgresStore implements Store {
  readonly kind = 'postgres';
  readonly #pool: pg.Pool;
  readonly #url: string;
  readonly #log: Logger;
  readonly #emitter: ChangeEmitter;
  readonly #origin = randomUUID();
  readonly #configs: RecordCache<ConfigurationRecord>;
  readonly #keys = new Map<string, ApiKeyRecord>();
  readonly #listener: ChangeListener;
  readonly #leases: Leases;
  readonly #flows: PostgresFlows;
  readonly #registrations: PostgresRegistrations;
  readonly rateBuckets: PostgresRateBuckets;
  readonly #retentionMs: number;
  /** Bumped on every key change, so a lookup that raced with one is not cached. */
  #keyGeneration = 0;
  #lastSeq = 0n;
  #lastPrune = 0;
  #closed = false;

  private constructor(opts: PostgresStoreOptions, pool: pg.Pool) {
    this.#url = opts.url;
    this.#log = opts.log ?? silentLogger;
    this.#pool = pool;
    this.#emitter = new ChangeEmitter(this.#log);
    this.#configs = new RecordCache(opts.cacheMax ?? 200_000, (r) => r.version);
    this.#retentionMs = opts.feedRetentionMs ?? 3_600_000;
    this.#listener = new ChangeListener({
      url: opts.url,
      log: this.#log,
      catchUp: () => this.#catchUp(),
      onLeaseReleased: (key) => this.#leases.released(key),
      ...(opts.pollMs !== undefined ? { pollMs: opts.pollMs } : {}),
    });
    const mapError = (e: unknown, where: string) => mapDbError(e, where);
    this.#leases = new Leases({ pool, mapError, beforeRun: () => this.#listener.kick() });
    this.#flows = new PostgresFlows(pool, mapError);
    this.#registrations = new PostgresRegistrations(pool, mapError);
    this.rateBuckets = new PostgresRateBuckets(pool, mapError);
  }

  /**
   * Connects, checks that the schema is exactly the one this version knows (refusing a newer or
   * unmigrated one in one line) and starts following the change feed.
   */
  static async open(opts: PostgresStoreOptions): Promise<PostgresStore> {
    checkDatabaseUrl(opts.url, 'database URL');
    const log = opts.log ?? silentLogger;
    const pool = createPool({
      url: opts.url,
      log,
      ...(opts.poolMax !== undefined ? { max: opts.poolMax } : {}),
      ...(opts.connectTimeoutMs !== undefined ? { connectTimeoutMs: opts.connectTimeoutMs } : {}),
      ...(opts.queryTimeoutMs !== undefined ? { queryTimeoutMs: opts.queryTimeoutMs } : {}),
    });
    try {
      requireCurrentSchema(await schemaState(pool, opts.url), opts.url);
      const store = new PostgresStore(opts, pool);
      await store.#fillToolPrefixes();
      const r = await pool.query<{ seq: string }>('SELECT coalesce(max(seq), 0)::text AS seq FROM cg_changes');
      store.#lastSeq = BigInt(r.rows[0]!.seq);
      await store.#listener.start();
      return store;
    } catch (e) {
      await pool.end().catch(() => {});
      throw mapDbError(e, 'opening the store', opts.url);
    }
  }

  /** Live: notifications arrive, so the read cache is current (tests and /healthz-style checks). */
  get following(): boolean {
    return this.#listener.connected;
  }

  async getConfiguration(id: string): Promise<ConfigurationRecord | undefined> {
    const useCache = this.#listener.connected;
    if (useCache) {
      const hit = this.#configs.get(id);
      if (hit) return hit;
    }
    const generation = this.#configs.generation;
    const r = await this.#query<{ doc: unknown }>('reading a configuration', 'SELECT doc FROM cg_configurations WHERE id = $1', [id]);
    if (r.rows.length === 0) return undefined;
    const record = configurationFromDoc(r.rows[0]!.doc);
    if (useCache) this.#configs.fill(record, generation);
    return record;
  }

  async listConfigurations(owner: Owner, filter: ConfigurationFilter, page: ListOptions): Promise<Page<ConfigurationRecord>> {
    checkPage(page);
    const params: unknown[] = [];
    let where = listWhere(owner, filter, params);
    if (page.starting_after !== undefined) {
      // The cursor must be one of this owner's configurations (whatever the filter), as in the embedded stores.
      params.push(page.starting_after);
      where += ` AND (created_ms, id) > (SELECT created_ms, id FROM cg_configurations WHERE id = $${params.length} AND owner_key = $1)`;
      const known = await this.#query('listing configurations', 'SELECT 1 FROM cg_configurations WHERE id = $1 AND owner_key = $2', [page.starting_after, params[0]]);
      if (known.rowCount === 0) throw new ValidationError(`starting_after: no configuration ${page.starting_after} in this list`, 'starting_after', 'resource_missing');
    }
    params.push(page.limit + 1);
    const r = await this.#query<{ doc: unknown }>('listing configurations', `SELECT doc FROM cg_configurations WHERE ${where} ORDER BY created_ms, id LIMIT $${params.length}`, params);
    const data = r.rows.slice(0, page.limit).map((row) => configurationFromDoc(row.doc));
    return { data, has_more: r.rows.length > page.limit };
  }

  async allConfigurations(): Promise<ConfigurationRecord[]> {
    const r = await this.#query<{ doc: unknown }>('reading every configuration', 'SELECT doc FROM cg_configurations ORDER BY created_ms, id');
    return r.rows.map((row) => configurationFromDoc(row.doc));
  }

  async createConfiguration(record: NewConfigurationRecord): Promise<ConfigurationRecord> {
    planCreate(new ConfigTable(), record, new Set()); // a bad record is refused before any round trip
    const c = await this.#write('creating a configuration', async (db) => {
      // The owner's prefixes, read under a per-owner lock, so two replicas never give out the same one.
      const taken = await ownerPrefixes(db, ownerKey(ownerOfRecord(record)));
      const change = planCreate(new ConfigTable(), record, taken);
      const r = await db.query(`INSERT INTO cg_configurations (${CONFIGURATION_COLUMNS}) VALUES (${CONFIGURATION_VALUES}) ON CONFLICT (id) DO NOTHING`, configurationColumns(change.after));
      // planCreate on the existing row, for the one conflict message every store gives.
      if (r.rowCount === 0) planCreate(await this.#lockedTable(db, change.after.id), record, taken);
      return change;
    });
    return c!.after;
  }

  async updateConfiguration(id: string, mutate: ConfigurationMutation, expectedVersion?: number): Promise<ConfigurationRecord> {
    let current: ConfigurationRecord | undefined;
    const c = await this.#write('updating a configuration', async (db) => {
      const table = await this.#lockedTable(db, id);
      current = table.get(id);
      let change = planUpdate(table, id, mutate, expectedVersion, () => new Set());
      if (change && change.after.tool_prefix !== change.before.tool_prefix) {
        // A chosen prefix: checked against the owner's others under the owner's prefix lock.
        const taken = await ownerPrefixes(db, ownerKey(ownerOfRecord(change.before)));
        if (change.before.tool_prefix !== undefined) taken.delete(change.before.tool_prefix);
        change = planUpdate(table, id, mutate, expectedVersion, () => taken);
      }
      if (change) await db.query(`UPDATE cg_configurations SET (${CONFIGURATION_COLUMNS}) = (${CONFIGURATION_VALUES}) WHERE id = $1`, configurationColumns(change.after));
      return change;
    });
    return c ? c.after : current!;
  }

  async deleteConfiguration(id: string, expectedVersion?: number): Promise<ConfigurationRecord> {
    const c = await this.#write('deleting a configuration', async (db) => {
      const change = planDelete(await this.#lockedTable(db, id), id, expectedVersion);
      await db.query('DELETE FROM cg_configurations WHERE id = $1', [id]);
      return change;
    });
    return c!.before;
  }

  async createApiKey(record: ApiKeyRecord): Promise<ApiKeyRecord> {
    const after = deepFreeze(checkApiKeyInput(jsonCopy(record)));
    await this.#write('creating an API key', async (db) => {
      const existing = await db.query<{ doc: unknown }>('SELECT doc FROM cg_api_keys WHERE id = $1 OR secret_hash = $2', [after.id, after.secret_hash]);
      const table = new KeyTable();
      for (const row of existing.rows) table.put(apiKeyFromDoc(row.doc));
      table.checkNew(after);
      await db.query('INSERT INTO cg_api_keys (id, organization_id, secret_hash, doc) VALUES ($1, $2, $3, $4::jsonb)', [after.id, after.organization_id, after.secret_hash, JSON.stringify(after)]);
      return { kind: 'api_key', op: 'created', after } as const;
    });
    return after;
  }

  async findApiKeyByHash(secretHash: string): Promise<ApiKeyRecord | undefined> {
    if (this.#listener.connected) {
      const hit = this.#keys.get(secretHash);
      if (hit) return hit;
    }
    const generation = this.#keyGeneration;
    const r = await this.#query<{ doc: unknown }>('authenticating', 'SELECT doc FROM cg_api_keys WHERE secret_hash = $1', [secretHash]);
    const key = r.rows[0] ? apiKeyFromDoc(r.rows[0].doc) : undefined;
    // Keys are looked up on every request; cached like configurations, dropped on any key change.
    if (key && this.#listener.connected && generation === this.#keyGeneration && this.#keys.size < 100_000) this.#keys.set(secretHash, key);
    return key;
  }

  async getApiKey(id: string): Promise<ApiKeyRecord | undefined> {
    const r = await this.#query<{ doc: unknown }>('reading an API key', 'SELECT doc FROM cg_api_keys WHERE id = $1', [id]);
    return r.rows[0] ? apiKeyFromDoc(r.rows[0].doc) : undefined;
  }

  async listApiKeys(organizationId?: string): Promise<ApiKeyRecord[]> {
    const r =
      organizationId === undefined
        ? await this.#query<{ doc: unknown }>('listing API keys', 'SELECT doc FROM cg_api_keys ORDER BY created_seq')
        : await this.#query<{ doc: unknown }>('listing API keys', 'SELECT doc FROM cg_api_keys WHERE organization_id = $1 ORDER BY created_seq', [organizationId]);
    return r.rows.map((row) => apiKeyFromDoc(row.doc));
  }

  async revokeApiKey(id: string): Promise<ApiKeyRecord> {
    let current: ApiKeyRecord | undefined;
    const c = await this.#write('revoking an API key', async (db) => {
      const r = await db.query<{ doc: unknown }>('SELECT doc FROM cg_api_keys WHERE id = $1 FOR UPDATE', [id]);
      const table = new KeyTable();
      if (r.rows[0]) table.put(apiKeyFromDoc(r.rows[0].doc));
      current = table.require(id);
      if (current.revoked_at !== undefined) return undefined;
      const after = deepFreeze({ ...current, revoked_at: new Date().toISOString() });
      await db.query('UPDATE cg_api_keys SET doc = $2::jsonb WHERE id = $1', [id, JSON.stringify(after)]);
      return { kind: 'api_key', op: 'revoked', after } as const;
    });
    return c ? c.after : current!;
  }

  async appendAudit(event: AuditEvent): Promise<void> {
    await this.appendAuditBatch([event]);
  }

  async appendAuditBatch(events: readonly AuditEvent[]): Promise<void> {
    const checked = events.map((e) => checkAuditInput(jsonCopy(e)));
    if (checked.length === 0) return;
    const params: unknown[] = [];
    const rows = checked.map((e) => {
      const cols = auditColumns(e);
      const at = params.length;
      params.push(...cols);
      return `($${at + 1}, $${at + 2}, $${at + 3}, $${at + 4}, $${at + 5}::jsonb)`;
    });
    await this.#query('appending to the audit trail', `INSERT INTO cg_audit_events (id, organization_id, user_id, api_key_id, doc) VALUES ${rows.join(', ')}`, params);
  }

  async listAudit(owner: Owner | undefined, page: ListOptions): Promise<Page<AuditEvent>> {
    checkPage(page);
    const params: unknown[] = [];
    const parts: string[] = [];
    if (owner) parts.push(auditOwnerWhere(owner, params));
    if (page.starting_after !== undefined) {
      params.push(page.starting_after);
      const cursorParam = `$${params.length}`;
      const cursor = await this.#query<{ seq: string }>(
        'listing the audit trail',
        `SELECT max(seq)::text AS seq FROM cg_audit_events WHERE id = ${cursorParam}${parts.length ? ' AND ' + parts.join(' AND ') : ''}`,
        params,
      );
      const seq = cursor.rows[0]?.seq;
      if (!seq) throw new ValidationError(`starting_after: no audit event ${page.starting_after} in this list`, 'starting_after', 'resource_missing');
      params.pop();
      params.push(seq);
      parts.push(`seq < $${params.length}::bigint`);
    }
    params.push(page.limit + 1);
    const r = await this.#query<{ doc: unknown }>(
      'listing the audit trail',
      `SELECT doc FROM cg_audit_events ${parts.length ? 'WHERE ' + parts.join(' AND ') : ''} ORDER BY seq DESC LIMIT $${params.length}`,
      params,
    );
    return { data: r.rows.slice(0, page.limit).map((row) => auditFromDoc(row.doc)), has_more: r.rows.length > page.limit };
  }

  createOAuthFlow(record: OAuthFlowRecord, limits: OAuthFlowLimits): Promise<OAuthFlowRecord> {
    return this.#flows.create(record, limits);
  }

  getOAuthFlow(id: string, now: Date): Promise<OAuthFlowRecord | undefined> {
    return this.#flows.get(id, now);
  }

  takeOAuthFlow(id: string, now: Date): Promise<OAuthFlowRecord | undefined> {
    return this.#flows.take(id, now);
  }

  async getKeyPolicy(): Promise<KeyPolicy | undefined> {
    const r = await this.#query<{ doc: unknown }>('reading the key policy', 'SELECT doc FROM cg_key_policy WHERE id = 1');
    return r.rows[0] ? deepFreeze(parseStored(KeyPolicySchema, r.rows[0].doc, 'cg_key_policy')) : undefined;
  }

  async setKeyPolicy(policy: KeyPolicy): Promise<void> {
    const checked = parseStored(KeyPolicySchema, jsonCopy(policy), 'key policy');
    // The row lock this takes waits for writes holding the policy row (FOR SHARE) and makes later ones wait.
    await this.#query('setting the key policy', 'INSERT INTO cg_key_policy (id, doc) VALUES (1, $1::jsonb) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc', [JSON.stringify(checked)]);
  }

  async getStoredSettings(): Promise<StoredSettings> {
    const r = await this.#query<{ doc: unknown }>('reading the stored settings', 'SELECT doc FROM cg_settings WHERE id = 1');
    return r.rows[0] ? parseStored(StoredSettingsSchema, r.rows[0].doc, 'cg_settings') : {};
  }

  /** One row for the deployment, changed under its row lock; every replica hears it through the change feed. */
  async setStoredSettings(patch: StoredSettingsPatch): Promise<StoredSettings> {
    let next: StoredSettings = {};
    await this.#write('setting the stored settings', async (db) => {
      await db.query(`INSERT INTO cg_settings (id, doc) VALUES (1, '{}'::jsonb) ON CONFLICT (id) DO NOTHING`);
      const r = await db.query<{ doc: unknown }>('SELECT doc FROM cg_settings WHERE id = 1 FOR UPDATE');
      next = applySettingsPatch(parseStored(StoredSettingsSchema, r.rows[0]?.doc ?? {}, 'cg_settings'), patch);
      await db.query('UPDATE cg_settings SET doc = $1::jsonb WHERE id = 1', [JSON.stringify(next)]);
      await db.query('SELECT pg_advisory_xact_lock($1)', [FEED_LOCK]);
      await db.query(`WITH ins AS (INSERT INTO cg_changes (origin, kind, op, id) VALUES ($1, 'settings', 'updated', '') RETURNING seq) SELECT pg_notify('${CHANGES_CHANNEL}', seq::text) FROM ins`, [this.#origin]);
      return undefined;
    });
    this.#emitter.emit([{ kind: 'settings' }]);
    return next;
  }

  listOAuthRegistrations(): Promise<OAuthRegistrationRecord[]> {
    return this.#registrations.list();
  }

  createOAuthRegistration(record: OAuthRegistrationRecord): Promise<OAuthRegistrationRecord> {
    return this.#registrations.create(record);
  }

  deleteOAuthRegistration(id: string): Promise<boolean> {
    return this.#registrations.delete(id);
  }

  onChange(listener: (event: ChangeEvent) => void): () => void {
    return this.#emitter.on(listener);
  }

  /** One holder across every replica; the holder starts with everything committed before it got the lease. */
  withLease<T>(key: string, ttlMs: number, fn: () => Promise<T>): Promise<T> {
    return this.#leases.run(key, ttlMs, fn);
  }

  /**
   * Loads a snapshot of another store (the embedded file) into this empty database, as it is: versions,
   * sealed credentials and key ids, key hashes, the audit trail in its order. One transaction: all
   * or nothing. Running replicas are told to reload.
   */
  async importSnapshot(s: Snapshot): Promise<void> {
    // An export from before tool prefixes were stored: each gets the prefix its tools had.
    const configs = fillToolPrefixes(s.configurations.map((r) => jsonCopy(r))).map((r) => configurationFromDoc(r));
    const keys = s.apiKeys.map((k) => checkApiKeyInput(jsonCopy(k)));
    const audit = s.audit.map((e) => checkAuditInput(jsonCopy(e)));
    await this.#write('importing', async (db) => {
      const held = await db.query<{ c: string; k: string }>('SELECT (SELECT count(*) FROM cg_configurations)::text AS c, (SELECT count(*) FROM cg_api_keys)::text AS k');
      const { c, k } = held.rows[0]!;
      if (c !== '0' || k !== '0') throw new ConflictError(`the database already holds ${c} configuration(s) and ${k} API key(s): import only into an empty database`, 'database_not_empty');
      for (const r of configs) await db.query(`INSERT INTO cg_configurations (${CONFIGURATION_COLUMNS}) VALUES (${CONFIGURATION_VALUES})`, configurationColumns(r));
      for (const key of keys) await db.query('INSERT INTO cg_api_keys (id, organization_id, secret_hash, doc) VALUES ($1, $2, $3, $4::jsonb)', [key.id, key.organization_id, key.secret_hash, JSON.stringify(key)]);
      for (const g of s.registrations) await db.query('INSERT INTO cg_oauth_registrations (id, doc) VALUES ($1, $2::jsonb) ON CONFLICT (id) DO NOTHING', [g.id, JSON.stringify(checkOAuthRegistrationInput(jsonCopy(g)))]);
      for (const e of audit) await db.query('INSERT INTO cg_audit_events (id, organization_id, user_id, api_key_id, doc) VALUES ($1, $2, $3, $4, $5::jsonb)', auditColumns(e));
      await db.query('SELECT pg_advisory_xact_lock($1)', [FEED_LOCK]);
      await db.query(`WITH ins AS (INSERT INTO cg_changes (origin, kind, op, id) VALUES ($1, 'reload', 'imported', '') RETURNING seq) SELECT pg_notify('${CHANGES_CHANNEL}', seq::text) FROM ins`, [this.#origin]);
      return undefined;
    });
    this.#configs.clear();
  }

  /** The pool, for the parts of the app that keep deployment-wide state here too (rate limits). */
  get pool(): pg.Pool {
    return this.#pool;
  }

  get url(): string {
    return this.#url;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#emitter.clear();
    await this.#listener.close();
    await this.#pool.end().catch(() => {});
  }

  async #query<R extends pg.QueryResultRow = pg.QueryResultRow>(where: string, sql: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
    try {
      return await this.#pool.query<R>(sql, params);
    } catch (e) {
      throw mapDbError(e, where);
    }
  }

  /** Rows without a tool prefix get theirs (see tool-prefixes.ts); other replicas hear of it on the feed. */
  async #fillToolPrefixes(): Promise<void> {
    const missing = await this.#query('reading tool prefixes', 'SELECT 1 FROM cg_configurations WHERE tool_prefix IS NULL LIMIT 1');
    if (missing.rowCount === 0) return;
    const db = await this.#pool.connect();
    try {
      await db.query('BEGIN');
      const changes = await fillPrefixesInDatabase(db);
      for (const c of changes) await this.#appendChange(db, c);
      await db.query('COMMIT');
      if (changes.length > 0) this.#log.info({ configurations: changes.length }, 'gave stored configurations their tool prefix (the one their tools had)');
    } catch (e) {
      await db.query('ROLLBACK').catch(() => undefined);
      throw mapDbError(e, 'giving configurations their tool prefix');
    } finally {
      db.release();
    }
  }

  /** The row `id`, locked until the transaction ends, as a one-record table for the shared planners. */
  async #lockedTable(db: pg.PoolClient, id: string): Promise<ConfigTable> {
    const r = await db.query<{ doc: unknown }>('SELECT doc FROM cg_configurations WHERE id = $1 FOR UPDATE', [id]);
    const table = new ConfigTable();
    if (r.rows[0]) table.put(configurationFromDoc(r.rows[0].doc));
    return table;
  }

  /**
   * One write transaction: `plan` reads (locking) and writes; its change is appended to the feed in
   * the same transaction, then — once committed — applied to this replica's cache and emitted.
   */
  async #write<C extends Change>(where: string, plan: (db: pg.PoolClient) => Promise<C | undefined>): Promise<C | undefined> {
    let db: pg.PoolClient;
    try {
      db = await this.#pool.connect();
    } catch (e) {
      throw mapDbError(e, where);
    }
    let change: C | undefined;
    try {
      await db.query('BEGIN');
      change = await plan(db);
      if (change && sealsSomething(change)) {
        // Under the policy row's share lock: a rotation that retires a key cannot slip in between.
        const p = await db.query<{ doc: unknown }>('SELECT doc FROM cg_key_policy WHERE id = 1 FOR SHARE');
        assertSealPolicy(change, p.rows[0] ? parseStored(KeyPolicySchema, p.rows[0].doc, 'cg_key_policy') : undefined);
      }
      if (change) await this.#appendChange(db, change);
      await db.query('COMMIT');
      db.release();
    } catch (e) {
      let broken = isConnectionError(e);
      if (!broken) await db.query('ROLLBACK').catch(() => (broken = true));
      db.release(broken);
      throw mapDbError(e, where);
    }
    if (change) {
      this.#applyToCache(change);
      this.#emitter.emit([toEvent(change)]);
    }
    return change;
  }

  async #appendChange(db: pg.PoolClient, c: Change): Promise<void> {
    const before = c.kind === 'configuration' && c.op !== 'created' ? JSON.stringify(c.before) : null;
    const after = c.kind === 'api_key' || c.op !== 'deleted' ? JSON.stringify(c.after) : null;
    const id = c.kind === 'api_key' ? c.after.id : c.op === 'deleted' ? c.before.id : c.after.id;
    // Serialises feed inserts until commit, so sequence order is commit order and no reader skips a row.
    await db.query('SELECT pg_advisory_xact_lock($1)', [FEED_LOCK]);
    await db.query(
      `WITH ins AS (INSERT INTO cg_changes (origin, kind, op, id, before, after) VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb) RETURNING seq)
       SELECT pg_notify('${CHANGES_CHANNEL}', seq::text) FROM ins`,
      [this.#origin, c.kind, c.op, id, before, after],
    );
  }

  #applyToCache(c: Change): void {
    if (c.kind === 'api_key') {
      this.#forgetKey(c.after.id);
      return;
    }
    if (c.op === 'deleted') this.#configs.apply(c.before.id, undefined);
    else this.#configs.apply(c.after.id, c.after);
  }

  #forgetKey(id: string): void {
    this.#keyGeneration++;
    for (const [hash, k] of this.#keys) if (k.id === id) this.#keys.delete(hash);
  }

  /** Reads the feed after the last change seen: cache and events for other replicas' changes. */
  async #catchUp(): Promise<void> {
    for (;;) {
      if (this.#closed) return;
      const r = await this.#pool.query<ChangeRow>('SELECT seq::text AS seq, origin, kind, op, id, before, after FROM cg_changes WHERE seq > $1 ORDER BY seq LIMIT 500', [this.#lastSeq.toString()]);
      if (r.rows.length === 0) break;
      const first = BigInt(r.rows[0]!.seq);
      if (first > this.#lastSeq + 1n && (await this.#pruned())) {
        // Changes this replica never saw were pruned: it cannot say which records moved.
        this.#configs.clear();
        this.#keys.clear();
        this.#keyGeneration++;
        this.#emitter.emit([{ kind: 'reload' }]);
      }
      const events: ChangeEvent[] = [];
      for (const row of r.rows) {
        this.#lastSeq = BigInt(row.seq);
        if (row.kind === 'reload') {
          // Many records changed at once (an import): every cache and session re-reads.
          this.#configs.clear();
          this.#keys.clear();
          this.#keyGeneration++;
          events.push({ kind: 'reload' });
          continue;
        }
        if (row.kind === 'settings') {
          // This replica told its own listeners when it committed.
          if (row.origin !== this.#origin) events.push({ kind: 'settings' });
          continue;
        }
        const change = toChange(row);
        if (!change) continue;
        this.#applyToCache(change);
        // This replica emitted its own changes when they committed.
        if (row.origin !== this.#origin) events.push(toEvent(change));
      }
      this.#emitter.emit(events);
      if (r.rows.length < 500) break;
    }
    await this.#maybePrune();
  }

  async #pruned(): Promise<boolean> {
    const r = await this.#pool.query<{ min: string | null }>('SELECT min(seq)::text AS min FROM cg_changes');
    return r.rows[0]?.min !== null && r.rows[0]?.min !== undefined && BigInt(r.rows[0].min) > this.#lastSeq + 1n;
  }

  async #maybePrune(): Promise<void> {
    const now = Date.now();
    if (now - this.#lastPrune < Math.min(600_000, this.#retentionMs)) return;
    this.#lastPrune = now;
    await this.#pool.query(`DELETE FROM cg_changes WHERE at < now() - $1 * interval '1 millisecond'`, [this.#retentionMs]).catch(() => undefined);
  }
}

function toChange(row: ChangeRow): Change | undefined {
  if (row.kind === 'api_key' && (row.op === 'created' || row.op === 'revoked')) return { kind: 'api_key', op: row.op, after: apiKeyFromDoc(row.after) };
  if (row.kind !== 'configuration') return undefined;
  if (row.op === 'created') return { kind: 'configuration', op: 'created', after: configurationFromDoc(row.after) };
  if (row.op === 'updated') return { kind: 'configuration', op: 'updated', before: configurationFromDoc(row.before), after: configurationFromDoc(row.after) };
  if (row.op === 'deleted') return { kind: 'configuration', op: 'deleted', before: configurationFromDoc(row.before) };
  return undefined;
}

