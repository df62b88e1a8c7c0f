import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { StorageError } from '../domain/errors.js';
import { ioError, writeFileAtomic } from './file-io.js';
import { acquireLock } from './lockfile.js';
import { OAuthRegistrationRecordSchema, planRegistrationInsert } from './oauth-registrations.js';
import { parseStored } from './schemas.js';
import type { OAuthRegistrationRecord } from './types.js';

const RegistrationFileSchema = z.strictObject({ version: z.literal(1), registrations: z.array(OAuthRegistrationRecordSchema) });

/**
 * OAuth client registrations of the file store, in `<data file>.oauth-registrations.json` (mode
 * 0600): a handful of rarely written records, shared by every process that opens the data file,
 * each change rewriting the small file under its own lock. The clients inside are sealed by the vault.
 */
export class RegistrationFile {
  constructor(
    readonly path: string,
    private readonly fsync: boolean,
    private readonly lock: { ttlMs: number; timeoutMs: number },
  ) {}

  list(): Promise<OAuthRegistrationRecord[]> {
    return this.#read();
  }

  async create(record: OAuthRegistrationRecord): Promise<OAuthRegistrationRecord> {
    return this.#locked(async () => {
      const current = await this.#read();
      const { kept, list } = planRegistrationInsert(current, record);
      if (list.length !== current.length) await this.#write(list);
      return kept;
    });
  }

  async delete(id: string): Promise<boolean> {
    return this.#locked(async () => {
      const current = await this.#read();
      const kept = current.filter((r) => r.id !== id);
      if (kept.length === current.length) return false;
      await this.#write(kept);
      return true;
    });
  }

  async #locked<T>(fn: () => Promise<T>): Promise<T> {
    const release = await acquireLock(`${this.path}.lock`, this.lock);
    try {
      return await fn();
    } finally {
      await release();
    }
  }

  async #read(): Promise<OAuthRegistrationRecord[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw ioError('cannot read the OAuth client registrations', this.path, e);
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new StorageError(`OAuth client registrations ${this.path}: not valid JSON; delete the file (the gateway then registers again)`, 'storage_corrupt');
    }
    return parseStored(RegistrationFileSchema, value, `OAuth client registrations ${this.path}`).registrations;
  }

  async #write(registrations: OAuthRegistrationRecord[]): Promise<void> {
    try {
      await writeFileAtomic(this.path, JSON.stringify({ version: 1, registrations }) + '\n', { mode: 0o600, fsync: this.fsync });
    } catch (e) {
      throw ioError('cannot write the OAuth client registrations', this.path, e);
    }
  }
}
