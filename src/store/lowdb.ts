import { createHash } from 'node:crypto';
import type { ConfigurationFilter, ConfigurationRecord } from '../domain/configuration.js';
import { StorageError } from '../domain/errors.js';
import { silentLogger, type Logger } from '../domain/logger.js';
import type { Owner } from '../domain/principal.js';
import { AuditLog } from './audit-log.js';
import { pageAudit } from './audit-filter.js';
import { planCreate, planDelete, planUpdate, toEvent, type Change } from './changes.js';
import { checkPage } from './config-table.js';
import { ChangeEmitter } from './emitter.js';
import { statSync } from 'node:fs';
import { createExclusive, currentIdentity, DurableFile, identityOf, readSnapshot } from './file-io.js';
import { emptyDocument, parseDocument, serializeDocument } from './file-format.js';
import { FileWatch } from './file-watch.js';
import { deepFreeze, jsonCopy } from './json.js';
import { KeyedQueue } from './lease-queue.js';
import { acquireLock } from './lockfile.js';
import { diffDocument } from './reload-diff.js';
import { checkApiKeyInput, checkAuditInput } from './schemas.js';
import { Tables } from './tables.js';
import type { ApiKeyRecord, AuditEvent, ChangeEvent, ConfigurationMutation, ListOptions, Page, Store } from './types.js';

export interface LowdbStoreOptions {
  file: string;
  log?: Logger;
  /** fsync after each write (default true). Off only for throwaway data, e.g. some benchmarks. */
  fsync?: boolean;
  /** A write lock older than this is taken to be abandoned (default 10 s; writes take milliseconds). */
  lockTtlMs?: number;
  lockTimeoutMs?: number;
  /** Safety-net poll of the file, besides the folder watch (default 2 s). */
  pollMs?: number;
}

const DATA = 'data';

/**
 * The default store: one JSON file shared by every process that opens it (a server and the CLI).
 * Reads come from memory. Each write is read-modify-write under a cross-process lock file: reload if
 * another process changed the file, plan the change against fresh data, rewrite the file atomically,
 * fsync, then apply in memory and emit. Changes by other processes arrive through a folder watch and
 * come out as per-record events.
 */
export class LowdbStore implements Store {
  readonly kind = 'lowdb';
  readonly #tables = new Tables();
  readonly #emitter: ChangeEmitter;
  readonly #queue = new KeyedQueue();
  readonly #file: DurableFile;
  readonly #audit: AuditLog;
  readonly #log: Logger;
  readonly #opts: Required<Omit<LowdbStoreOptions, 'log'>>;
  #identity: string | undefined;
  #generation = 0;
  #watch: FileWatch | undefined;
  #closed = false;

  private constructor(opts: LowdbStoreOptions) {
    this.#log = opts.log ?? silentLogger;
    this.#opts = { fsync: true, lockTtlMs: 10_000, lockTimeoutMs: 30_000, pollMs: 2_000, ...opts };
    this.#emitter = new ChangeEmitter(this.#log);
    this.#file = new DurableFile(opts.file, this.#opts.fsync);
    this.#audit = new AuditLog(`${opts.file}.audit.jsonl`, this.#log);
  }

  /** Opens (creating when missing) the file. A file it cannot read or trust throws StorageError and is left as it is. */
  static async open(opts: LowdbStoreOptions): Promise<LowdbStore> {
    const store = new LowdbStore(opts);
    if (await createExclusive(opts.file, emptyDocument(), 0o600).catch((e) => Promise.reject(new StorageError(`cannot create the data file ${opts.file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, 'storage_io', e)))) {
      store.#log.info({ file: opts.file }, 'created an empty data file');
    }
    await store.#reload();
    store.#watch = new FileWatch(opts.file, () => store.#onFileEvent(), { pollMs: store.#opts.pollMs, debounceMs: 5, log: store.#log });
    return store;
  }

  get file(): string {
    return this.#opts.file;
  }

  async getConfiguration(id: string): Promise<ConfigurationRecord | undefined> {
    await this.#fresh();
    return this.#tables.configs.get(id);
  }

  async listConfigurations(owner: Owner, filter: ConfigurationFilter, page: ListOptions): Promise<Page<ConfigurationRecord>> {
    checkPage(page);
    await this.#fresh();
    return this.#tables.configs.list(owner, filter, page);
  }

  async allConfigurations(): Promise<ConfigurationRecord[]> {
    await this.#fresh();
    return this.#tables.configs.all();
  }

  async createConfiguration(record: Omit<ConfigurationRecord, 'version'>): Promise<ConfigurationRecord> {
    const c = await this.#write((t) => planCreate(t.configs, record));
    return c!.after;
  }

  async updateConfiguration(id: string, mutate: ConfigurationMutation, expectedVersion?: number): Promise<ConfigurationRecord> {
    const c = await this.#write((t) => planUpdate(t.configs, id, mutate, expectedVersion));
    return c ? c.after : this.#tables.configs.get(id)!;
  }

  async deleteConfiguration(id: string, expectedVersion?: number): Promise<ConfigurationRecord> {
    const c = await this.#write((t) => planDelete(t.configs, id, expectedVersion));
    return c!.before;
  }

  async createApiKey(record: ApiKeyRecord): Promise<ApiKeyRecord> {
    const after = deepFreeze(checkApiKeyInput(jsonCopy(record)));
    await this.#write((t) => {
      t.keys.checkNew(after);
      return { kind: 'api_key', op: 'created', after } as const;
    });
    return after;
  }

  async findApiKeyByHash(secretHash: string): Promise<ApiKeyRecord | undefined> {
    await this.#fresh();
    return this.#tables.keys.byHash(secretHash);
  }

  async getApiKey(id: string): Promise<ApiKeyRecord | undefined> {
    await this.#fresh();
    return this.#tables.keys.get(id);
  }

  async listApiKeys(organizationId?: string): Promise<ApiKeyRecord[]> {
    const all = this.#tables.keys.all();
    return organizationId === undefined ? all : all.filter((k) => k.organization_id === organizationId);
  }

  async revokeApiKey(id: string): Promise<ApiKeyRecord> {
    const c = await this.#write((t) => {
      const current = t.keys.require(id);
      if (current.revoked_at !== undefined) return undefined;
      return { kind: 'api_key', op: 'revoked', after: deepFreeze({ ...current, revoked_at: new Date().toISOString() }) } as const;
    });
    return c ? c.after : this.#tables.keys.require(id);
  }

  async appendAudit(event: AuditEvent): Promise<void> {
    this.#assertOpen();
    await this.#audit.append(checkAuditInput(jsonCopy(event)));
  }

  async appendAuditBatch(events: readonly AuditEvent[]): Promise<void> {
    this.#assertOpen();
    const checked = events.map((e) => checkAuditInput(jsonCopy(e)));
    await this.#audit.appendBatch(checked);
  }

  async listAudit(owner: Owner | undefined, page: ListOptions): Promise<Page<AuditEvent>> {
    checkPage(page);
    return pageAudit(await this.#audit.all(), owner, page);
  }

  onChange(listener: (event: ChangeEvent) => void): () => void {
    return this.#emitter.on(listener);
  }

  /** A lock file per key beside the data file; a holder that outlives `ttlMs` loses it to the next. */
  withLease<T>(key: string, ttlMs: number, fn: () => Promise<T>): Promise<T> {
    this.#assertOpen();
    const path = `${this.#opts.file}.lease-${createHash('sha1').update(key).digest('hex')}`;
    return this.#queue.run(`lease:${key}`, async () => {
      const release = await acquireLock(path, { ttlMs, timeoutMs: ttlMs + this.#opts.lockTimeoutMs });
      try {
        return await fn();
      } finally {
        await release();
      }
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#watch?.close();
    // Let a write in flight finish (and release its lock) before returning.
    await this.#queue.run(DATA, async () => undefined);
    this.#emitter.clear();
  }

  #assertOpen(): void {
    if (this.#closed) throw new StorageError(`the store for ${this.#opts.file} is closed`, 'store_closed');
  }

  /**
   * The one write path. `plan` runs under the lock against data just reloaded if needed; it may
   * throw (not found, conflict, invalid) or return undefined (nothing to do: no write, no event).
   */
  async #write<C extends Change>(plan: (t: Tables) => C | undefined): Promise<C | undefined> {
    this.#assertOpen();
    const events: ChangeEvent[] = [];
    try {
      return await this.#queue.run(DATA, async () => {
        const release = await acquireLock(`${this.#opts.file}.lock`, { ttlMs: this.#opts.lockTtlMs, timeoutMs: this.#opts.lockTimeoutMs });
        try {
          if ((await currentIdentity(this.#opts.file)) !== this.#identity) events.push(...(await this.#reload()));
          const change = plan(this.#tables);
          if (!change) return undefined;
          this.#tables.apply(change);
          try {
            this.#identity = await this.#file.write(serializeDocument(this.#generation + 1, this.#tables.configs.jsonLines(), this.#tables.keys.all()));
            this.#generation++;
          } catch (e) {
            this.#tables.revert(change);
            throw e;
          }
          events.push(toEvent(change));
          return change;
        } finally {
          await release();
        }
      });
    } finally {
      this.#emitter.emit(events);
    }
  }

  /** Reads the file and applies what changed; returns the events. Throws (memory untouched) on a bad file. */
  async #reload(): Promise<ChangeEvent[]> {
    const snap = await readSnapshot(this.#opts.file);
    if (!snap) {
      // Removed by someone: keep what we have; the next write puts it back.
      this.#log.warn({ file: this.#opts.file }, 'the data file disappeared; it will be written again on the next change');
      this.#identity = undefined;
      return [];
    }
    const doc = parseDocument(snap.text, this.#opts.file);
    const { changes, recache } = diffDocument(this.#tables, doc, this.#opts.file);
    for (const c of changes) this.#tables.apply(c);
    for (const r of recache) this.#tables.configs.put(r.record, r.json);
    this.#identity = snap.identity;
    this.#generation = Math.max(this.#generation, doc.generation);
    return changes.map(toEvent);
  }

  /**
   * Reads must see every write another process has acknowledged, not only those the file watch
   * has reported yet: one stat per read (a few µs) tells whether the file changed since we last
   * read or wrote it; only then do we reload. A bad file keeps the last good copy, as the watch does.
   */
  async #fresh(): Promise<void> {
    if (this.#closed) return;
    let now: string | undefined;
    try {
      now = identityOf(statSync(this.#opts.file));
    } catch {
      return; // gone or unreadable: the watch and the next write deal with it
    }
    if (now === this.#identity) return;
    try {
      const events = await this.#queue.run(DATA, async () => {
        if (this.#closed || (await currentIdentity(this.#opts.file)) === this.#identity) return [];
        return this.#reload();
      });
      this.#emitter.emit(events);
    } catch (err) {
      this.#log.error({ err, file: this.#opts.file }, 'cannot reload the data file changed by another process; serving the last good copy');
    }
  }

  #onFileEvent(): void {
    void this.#queue
      .run(DATA, async () => {
        if (this.#closed) return [];
        if ((await currentIdentity(this.#opts.file)) === this.#identity) return [];
        return this.#reload();
      })
      .then(
        (events) => this.#emitter.emit(events),
        (err: unknown) => this.#log.error({ err, file: this.#opts.file }, 'cannot reload the data file changed by another process; serving the last good copy'),
      );
  }
}
