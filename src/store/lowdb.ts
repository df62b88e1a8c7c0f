import { createHash } from 'node:crypto';
import type { ConfigurationFilter, ConfigurationRecord, NewConfigurationRecord } from '../domain/configuration.js';
import { StorageError } from '../domain/errors.js';
import { silentLogger, type Logger } from '../domain/logger.js';
import type { Owner } from '../domain/principal.js';
import { AuditLog } from './audit-log.js';
import { pageAudit } from './audit-filter.js';
import { planCreate, planDelete, planUpdate, toEvent, type Change } from './changes.js';
import { checkPage } from './config-table.js';
import { ChangeEmitter } from './emitter.js';
import { statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createExclusive, currentIdentity, DurableFile, identityOf, readSnapshot, tightenMode } from './file-io.js';
import { emptyDocument, newEpoch, parseDocument, serializeDocument } from './file-format.js';
import { FileWatch } from './file-watch.js';
import { fillToolPrefixes } from './tool-prefix-fill.js';
import { FlowFile } from './flow-file.js';
import { checkOAuthFlowInput } from './oauth-flows.js';
import { checkOAuthRegistrationInput } from './oauth-registrations.js';
import { RegistrationFile } from './registration-file.js';
import { JournalFile } from './journal-file.js';
import { encodeEntry, parseJournal } from './journal-format.js';
import { continuing, entryChange, mergeJournal } from './journal-replay.js';
import { deepFreeze, jsonCopy } from './json.js';
import { KeyedQueue } from './lease-queue.js';
import { acquireLock } from './lockfile.js';
import { diffDocument } from './reload-diff.js';
import { checkApiKeyInput, checkAuditInput, parseStored } from './schemas.js';
import { Tables } from './tables.js';
import type { ApiKeyRecord, AuditEvent, ChangeEvent, ConfigurationMutation, KeyPolicy, ListOptions, StoredSettings, StoredSettingsPatch, OAuthFlowLimits, OAuthFlowRecord, OAuthRegistrationRecord, Page, Store } from './types.js';
import { assertSealPolicy, KeyPolicySchema, sealsSomething } from './key-policy.js';
import { PolicyFile } from './policy-file.js';
import { SettingsFile } from './settings-file.js';
import { applySettingsPatch } from './stored-settings.js';
import { EndedSessionSet } from './ended-sessions.js';

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
  /**
   * Fold the journal into the data file when it would grow past this many bytes (default: a quarter
   * of the data file, at least 256 KiB, so rewrites stay a small share of the bytes written).
   */
  journalMaxBytes?: number;
  /**
   * Called with the temp file of each rewrite of the data file (a fold), complete and fsynced, just
   * before it replaces the data file: an observation point, used by the tests that check that no
   * copy of the data is ever readable by other users, even mid-write. It must not touch the file.
   */
  beforeReplace?: (tempFile: string) => Promise<void>;
}

const DATA = 'data';
const MIN_JOURNAL_BYTES = 256 * 1024;

/** What this store last read or wrote of the two files: what "caught up" means. */
interface DiskState {
  dataId: string | undefined;
  dataBytes: number;
  epoch: string | undefined;
  /** The generation of the last write applied in memory: the data file's plus the journal lines replayed. */
  generation: number;
  journalId: string | undefined;
  /** Bytes of whole lines consumed; a torn tail after them is cut off by the next append. */
  journalBytes: number;
  journalLines: number;
  /** The journal holds lines this data file cannot use (another epoch, or a failed truncate): fold at the next write. */
  stale: boolean;
}

/**
 * The default store: a JSON data file plus its journal (`<file>.journal`), shared by every process
 * that opens them (a server and the CLI). Reads come from memory. Each write is read-modify-write
 * under a cross-process lock file: catch up with what other processes wrote, plan the change against
 * fresh data, append it to the journal and fsync (or, when the journal is big, rewrite the data file
 * atomically with everything and empty the journal), then apply in memory and emit. Changes by other
 * processes arrive through a folder watch and come out as per-record events.
 */
export class LowdbStore implements Store {
  readonly kind = 'lowdb';
  readonly #tables = new Tables();
  readonly #emitter: ChangeEmitter;
  readonly #ended = new EndedSessionSet();
  readonly #queue = new KeyedQueue();
  readonly #file: DurableFile;
  readonly #audit: AuditLog;
  readonly #log: Logger;
  readonly #opts: Required<Omit<LowdbStoreOptions, 'log' | 'journalMaxBytes' | 'beforeReplace'>> & Pick<LowdbStoreOptions, 'journalMaxBytes'>;
  readonly #journal: JournalFile;
  readonly #flows: FlowFile;
  readonly #policy: PolicyFile;
  readonly #settings: SettingsFile;
  /** The settings file's text when last looked at: the watcher emits only when it really changed. */
  #settingsText: string | undefined;
  #settingsWatch: FileWatch | undefined;
  readonly #registrations: RegistrationFile;
  #disk: DiskState = { dataId: undefined, dataBytes: 0, epoch: undefined, generation: 0, journalId: undefined, journalBytes: 0, journalLines: 0, stale: false };
  #watch: FileWatch | undefined;
  #closed = false;

  private constructor(opts: LowdbStoreOptions) {
    this.#log = opts.log ?? silentLogger;
    const { beforeReplace, log: _log, ...rest } = opts;
    this.#opts = { fsync: true, lockTtlMs: 10_000, lockTimeoutMs: 30_000, pollMs: 2_000, ...rest };
    this.#emitter = new ChangeEmitter(this.#log);
    this.#file = new DurableFile(opts.file, this.#opts.fsync, beforeReplace);
    this.#journal = new JournalFile(`${opts.file}.journal`, this.#opts.fsync);
    this.#audit = new AuditLog(`${opts.file}.audit.jsonl`, this.#log);
    this.#policy = new PolicyFile(`${opts.file}.key-policy.json`, this.#opts.fsync);
    this.#settings = new SettingsFile(`${opts.file}.settings.json`, this.#opts.fsync);
    this.#flows = new FlowFile(`${opts.file}.oauth-flows.json`, this.#opts.fsync, { ttlMs: this.#opts.lockTtlMs, timeoutMs: this.#opts.lockTimeoutMs });
    this.#registrations = new RegistrationFile(`${opts.file}.oauth-registrations.json`, this.#opts.fsync, { ttlMs: this.#opts.lockTtlMs, timeoutMs: this.#opts.lockTimeoutMs });
  }

  /** Opens (creating when missing) the file. A file it cannot read or trust throws StorageError and is left as it is. */
  static async open(opts: LowdbStoreOptions): Promise<LowdbStore> {
    const store = new LowdbStore(opts);
    if (await createExclusive(opts.file, emptyDocument(), 0o600).catch((e) => Promise.reject(new StorageError(`cannot create the data file ${opts.file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, 'storage_io', e)))) {
      store.#log.info({ file: opts.file }, 'created an empty data file');
    }
    await store.#tightenModes();
    await store.#catchUp(false);
    store.#watch = new FileWatch([opts.file, store.#journal.path], () => store.#onFileEvent(), { pollMs: store.#opts.pollMs, debounceMs: 5, log: store.#log });
    store.#settingsText = await store.#settings.text().catch(() => undefined);
    store.#settingsWatch = new FileWatch([store.#settings.path], () => void store.#onSettingsFile(), { pollMs: store.#opts.pollMs, debounceMs: 5, log: store.#log });
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

  async createConfiguration(record: NewConfigurationRecord): Promise<ConfigurationRecord> {
    const c = await this.#write((t) => planCreate(t.configs, record));
    return c!.after;
  }

  async updateConfiguration(id: string, mutate: ConfigurationMutation, expectedRevision?: number): Promise<ConfigurationRecord> {
    const c = await this.#write((t) => planUpdate(t.configs, id, mutate, expectedRevision));
    return c ? c.after : this.#tables.configs.get(id)!;
  }

  async deleteConfiguration(id: string, expectedRevision?: number): Promise<ConfigurationRecord> {
    const c = await this.#write((t) => planDelete(t.configs, id, expectedRevision));
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

  async createOAuthFlow(record: OAuthFlowRecord, limits: OAuthFlowLimits): Promise<OAuthFlowRecord> {
    this.#assertOpen();
    return this.#flows.create(deepFreeze(checkOAuthFlowInput(jsonCopy(record))), limits);
  }

  async getOAuthFlow(id: string, now: Date): Promise<OAuthFlowRecord | undefined> {
    this.#assertOpen();
    return this.#flows.get(id, now);
  }

  async takeOAuthFlow(id: string, now: Date): Promise<OAuthFlowRecord | undefined> {
    this.#assertOpen();
    return this.#flows.take(id, now);
  }
  async listOAuthRegistrations(): Promise<OAuthRegistrationRecord[]> {
    this.#assertOpen();
    return this.#registrations.list();
  }

  async createOAuthRegistration(record: OAuthRegistrationRecord): Promise<OAuthRegistrationRecord> {
    this.#assertOpen();
    return this.#registrations.create(deepFreeze(checkOAuthRegistrationInput(jsonCopy(record))));
  }

  async deleteOAuthRegistration(id: string): Promise<boolean> {
    this.#assertOpen();
    return this.#registrations.delete(id);
  }


  async getKeyPolicy(): Promise<KeyPolicy | undefined> {
    this.#assertOpen();
    return this.#policy.read();
  }

  /** Under the data file's lock: a configuration write checks the policy under the same lock. */
  async setKeyPolicy(policy: KeyPolicy): Promise<void> {
    this.#assertOpen();
    const checked = parseStored(KeyPolicySchema, jsonCopy(policy), 'key policy');
    await this.#queue.run(DATA, () => this.#locked(() => this.#policy.write(checked)));
  }

  async getStoredSettings(): Promise<StoredSettings> {
    this.#assertOpen();
    return this.#settings.read();
  }

  /** Read-modify-write under the data file's lock, so two processes setting at once both count. */
  async setStoredSettings(patch: StoredSettingsPatch): Promise<StoredSettings> {
    this.#assertOpen();
    const next = await this.#queue.run(DATA, () =>
      this.#locked(async () => {
        const updated = applySettingsPatch(await this.#settings.read(), patch);
        await this.#settings.write(updated);
        return updated;
      }),
    );
    await this.#onSettingsFile();
    return next;
  }

  /** Another process (or this one) rewrote the settings file: tell listeners once per real change. */
  async #onSettingsFile(): Promise<void> {
    if (this.#closed) return;
    let text: string | undefined;
    try {
      text = await this.#settings.text();
    } catch (err) {
      this.#log.warn({ err, file: this.#settings.path }, 'cannot read the stored settings');
      return;
    }
    if (text === this.#settingsText) return;
    this.#settingsText = text;
    this.#emitter.emit([{ kind: 'settings' }]);
  }

  /** In this process only: an embedded store serves one machine, where one server holds the sessions. */
  async endSession(id: string, expiresAt: Date, now: Date): Promise<void> {
    this.#assertOpen();
    this.#ended.add(id, expiresAt, now);
    this.#emitter.emit([{ kind: 'session_ended', id }]);
  }

  async isSessionEnded(id: string, now: Date): Promise<boolean> {
    return this.#ended.has(id, now);
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
    this.#settingsWatch?.close();
    // After the writes in flight (queued before this), under the lock like any write.
    await this.#queue.run(DATA, () => this.#foldOnClose()).catch((err: unknown) => {
      this.#log.warn({ err, file: this.#opts.file }, 'cannot fold the journal into the data file on close; it stays in the journal, which the next open replays');
    });
    this.#emitter.clear();
  }

  /**
   * Every file that holds data (the data file, its journal, pending OAuth flows, the audit trail) is
   * created 0600; one found wider (copied in, restored from a backup, written by an older version)
   * is narrowed to 0600 before anything is read from or appended to it, and the log says so.
   */
  async #tightenModes(): Promise<void> {
    for (const path of [this.#opts.file, this.#journal.path, this.#flows.path, this.#audit.path, this.#policy.path, this.#settings.path]) {
      const removed = await tightenMode(path);
      if (removed !== 0) this.#log.warn({ file: path, removed_mode_bits: `0${removed.toString(8)}` }, 'the file was readable or writable by other users; made it private (0600)');
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new StorageError(`the store for ${this.#opts.file} is closed`, 'store_closed');
  }

  /**
   * The one write path. `plan` runs under the lock against data just caught up with what other
   * processes wrote; it may throw (not found, conflict, invalid) or return undefined (nothing to do:
   * no write, no event). The change is appended to the journal (one line, fsynced) or, when the
   * journal is due, folded into a rewrite of the data file.
   */
  async #write<C extends Change>(plan: (t: Tables) => C | undefined): Promise<C | undefined> {
    this.#assertOpen();
    const events: ChangeEvent[] = [];
    try {
      return await this.#queue.run(DATA, () =>
        this.#locked(async () => {
          events.push(...(await this.#catchUp(true)));
          const change = plan(this.#tables);
          if (!change) return undefined;
          if (sealsSomething(change)) assertSealPolicy(change, await this.#policy.read());
          this.#tables.apply(change);
          const g = this.#disk.generation + 1;
          try {
            const epoch = this.#disk.epoch;
            const line = epoch === undefined ? '' : encodeEntry(epoch, g, change, change.kind === 'configuration' && change.op !== 'deleted' ? this.#tables.configs.json(change.after.id) : undefined);
            if (epoch === undefined || this.#foldDue(line.length)) await this.#fold(g);
            else await this.#append(line, g);
          } catch (e) {
            this.#tables.revert(change);
            throw e;
          }
          events.push(toEvent(change));
          return change;
        }),
      );
    } finally {
      this.#emitter.emit(events);
    }
  }

  async #locked<T>(fn: () => Promise<T>): Promise<T> {
    const release = await acquireLock(`${this.#opts.file}.lock`, { ttlMs: this.#opts.lockTtlMs, timeoutMs: this.#opts.lockTimeoutMs });
    try {
      return await fn();
    } finally {
      await release();
    }
  }

  /** The data file is missing, from before the journal, followed by lines it cannot use, or the journal is big enough. */
  #foldDue(lineBytes: number): boolean {
    const d = this.#disk;
    if (d.dataId === undefined || d.stale) return true;
    const limit = this.#opts.journalMaxBytes ?? Math.max(MIN_JOURNAL_BYTES, Math.floor(d.dataBytes / 4));
    return d.journalBytes + lineBytes > limit;
  }

  #set(patch: Partial<DiskState>): void {
    this.#disk = { ...this.#disk, ...patch };
  }

  async #append(line: string, g: number): Promise<void> {
    const r = await this.#journal.append(line, this.#disk.journalBytes);
    this.#set({ journalId: r.identity, journalBytes: r.size, journalLines: this.#disk.journalLines + 1, generation: g });
  }

  /**
   * Rewrites the data file with everything in memory at generation `g`, then empties the journal.
   * A crash in between leaves lines at or below `g`, which a replay skips. Under the lock only.
   */
  async #fold(g: number): Promise<void> {
    const epoch = this.#disk.epoch ?? newEpoch();
    const written = await this.#file.write(serializeDocument(g, this.#tables.configs.jsonLines(), this.#tables.keys.all(), epoch));
    this.#set({ dataId: written.identity, dataBytes: written.size, epoch, generation: g });
    try {
      const journalId = await this.#journal.truncate();
      this.#set({ journalId, journalBytes: 0, journalLines: 0, stale: false });
    } catch (err) {
      // The write is safe in the data file; the old lines are below `g` and skipped. Retry at the next write.
      this.#log.warn({ err, file: this.#journal.path }, 'cannot empty the journal after folding it into the data file');
      this.#disk.stale = true;
    }
  }

  /**
   * Brings memory up to date with the files and returns the events. Cheap when nothing changed (two
   * stats); reads only the new journal lines when only the journal grew; else reads everything.
   * Throws (memory untouched) on a bad data file or journal.
   */
  async #catchUp(locked: boolean): Promise<ChangeEvent[]> {
    const dataId = await currentIdentity(this.#opts.file);
    if (dataId === undefined) {
      // Removed by someone: keep what we have; the next write puts it back.
      if (this.#disk.dataId !== undefined) this.#log.warn({ file: this.#opts.file }, 'the data file disappeared; it will be written again on the next change');
      this.#disk.dataId = undefined;
      return [];
    }
    if (dataId === this.#disk.dataId) {
      if ((await this.#journal.identity()) === this.#disk.journalId) return [];
      const events = await this.#readTail();
      if (events) return events;
    }
    return this.#reload(locked);
  }

  /** Applies the lines appended since we last looked; undefined when they do not simply continue. */
  async #readTail(): Promise<ChangeEvent[] | undefined> {
    const d = this.#disk;
    const read = await this.#journal.read(d.journalBytes);
    if (!read || read.size < d.journalBytes || d.stale) return undefined;
    let parsed;
    try {
      parsed = parseJournal(read.buf, this.#journal.path, d.epoch, d.journalLines + 1);
    } catch {
      return undefined; // a full reload says what is wrong, or finds it was a fold in progress
    }
    const entries = parsed.foreign === 0 ? continuing(parsed.entries, d.generation) : undefined;
    if (!entries || entries.length !== parsed.entries.length) return undefined;
    const events: ChangeEvent[] = [];
    for (const e of entries) {
      const change = entryChange(this.#tables, e);
      if (!change) continue;
      this.#tables.apply(change);
      events.push(toEvent(change));
    }
    this.#set({
      journalId: read.identity,
      journalBytes: d.journalBytes + parsed.cleanBytes,
      journalLines: d.journalLines + entries.length,
      generation: entries.at(-1)?.g ?? d.generation,
    });
    return events;
  }

  /**
   * Reads the data file and the whole journal and applies what changed. Without the lock, a fold by
   * another process between the two reads can leave a gap between them: then read again holding it.
   */
  async #reload(locked: boolean): Promise<ChangeEvent[]> {
    const snap = await readSnapshot(this.#opts.file);
    if (!snap) {
      this.#disk.dataId = undefined;
      return [];
    }
    const doc = parseDocument(snap.text, this.#opts.file);
    const read = await this.#journal.read(0);
    const parsed = read ? parseJournal(read.buf, this.#journal.path, doc.epoch) : undefined;
    const entries = continuing(parsed?.entries ?? [], doc.generation);
    if (!entries) {
      if (!locked) return this.#locked(() => this.#reload(true));
      throw new StorageError(
        `journal ${this.#journal.path} does not continue the data file ${this.#opts.file} (at generation ${doc.generation}); the files were left untouched; restore both from one backup, or move the journal away to keep only the data file`,
        'storage_corrupt',
      );
    }
    if (parsed && parsed.foreign > 0) this.#log.warn({ file: this.#journal.path }, 'the journal holds lines of another data file; they are ignored and dropped at the next write');
    const merged = mergeJournal(doc, entries);
    // Journal lines of an older process may hold configurations without a tool prefix: give them theirs.
    const { changes, recache } = diffDocument(this.#tables, { ...merged, configurations: fillToolPrefixes(merged.configurations) }, this.#opts.file);
    for (const c of changes) this.#tables.apply(c);
    for (const r of recache) this.#tables.configs.put(r.record, r.json);
    this.#disk = {
      dataId: snap.identity,
      dataBytes: snap.size,
      epoch: doc.epoch,
      generation: entries.at(-1)?.g ?? doc.generation,
      journalId: read?.identity,
      journalBytes: parsed?.cleanBytes ?? 0,
      journalLines: (parsed?.entries.length ?? 0) + (parsed?.foreign ?? 0),
      // An upgraded file is rewritten at the next write, so an older process reading it is told it is newer.
      stale: (parsed?.foreign ?? 0) > 0 || doc.upgraded === true,
    };
    return changes.map(toEvent);
  }

  /**
   * Reads must see every write another process has acknowledged, not only those the file watch
   * has reported yet: two stats per read (a few µs) tell whether the data file or the journal
   * changed since we last read or wrote them; only then do we catch up. A bad file keeps the last
   * good copy, as the watch does.
   */
  async #fresh(): Promise<void> {
    if (this.#closed) return;
    try {
      const data = statSync(this.#opts.file, { throwIfNoEntry: false });
      if (!data) return; // gone: the watch and the next write deal with it
      if (identityOf(data) === this.#disk.dataId && this.#journal.identitySync() === this.#disk.journalId) return;
    } catch {
      return; // unreadable: the watch and the next write deal with it
    }
    this.#onFileEvent();
    await this.#queue.run(DATA, async () => undefined);
  }

  #onFileEvent(): void {
    void this.#queue
      .run(DATA, async () => (this.#closed ? [] : this.#catchUp(false)))
      .then(
        (events) => this.#emitter.emit(events),
        (err: unknown) => this.#log.error({ err, file: this.#opts.file }, 'cannot reload the data file changed by another process; serving the last good copy'),
      );
  }

  /** Folds the journal into the data file, so a closed store leaves one self-contained file. */
  async #foldOnClose(): Promise<void> {
    const pending = async () => ((await stat(this.#journal.path).catch(() => undefined))?.size ?? 0) > 0 || this.#disk.stale;
    if (!(await pending())) return;
    await this.#locked(async () => {
      await this.#catchUp(true);
      if (this.#disk.dataId !== undefined && (await pending())) await this.#fold(this.#disk.generation);
    });
  }

}
