import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { StorageError } from '../domain/errors.js';
import { ioError, writeFileAtomic } from './file-io.js';
import { acquireLock } from './lockfile.js';
import { findLiveFlow, OAuthFlowRecordSchema, planFlowInsert, planFlowTake } from './oauth-flows.js';
import { parseStored } from './schemas.js';
import type { OAuthFlowLimits, OAuthFlowRecord } from './types.js';

const FlowFileSchema = z.strictObject({ version: z.literal(1), flows: z.array(OAuthFlowRecordSchema) });

/**
 * Pending OAuth flows of the file store, in `<data file>.oauth-flows.json` (mode 0600): a few short-lived
 * records, so each change rewrites the small file under its own lock instead of going through the
 * journal, and no fold of the data file ever carries them. Every process that opens the data file
 * shares it, so a callback can land on any of them. Secrets inside are sealed by the vault.
 */
export class FlowFile {
  constructor(
    readonly path: string,
    private readonly fsync: boolean,
    private readonly lock: { ttlMs: number; timeoutMs: number },
  ) {}

  async create(record: OAuthFlowRecord, limits: OAuthFlowLimits): Promise<OAuthFlowRecord> {
    return this.#locked(async () => {
      await this.#write(planFlowInsert(await this.#read(), record, limits));
      return record;
    });
  }

  async get(id: string, now: Date): Promise<OAuthFlowRecord | undefined> {
    return findLiveFlow(await this.#read(), id, now);
  }

  async take(id: string, now: Date): Promise<OAuthFlowRecord | undefined> {
    return this.#locked(async () => {
      const flows = await this.#read();
      const { taken, kept } = planFlowTake(flows, id, now);
      if (kept.length !== flows.length) await this.#write(kept);
      return taken;
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

  async #read(): Promise<OAuthFlowRecord[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw ioError('cannot read the pending OAuth flows', this.path, e);
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new StorageError(`pending OAuth flows ${this.path}: not valid JSON; delete the file (pending connections must then be started again)`, 'storage_corrupt');
    }
    return parseStored(FlowFileSchema, value, `pending OAuth flows ${this.path}`).flows;
  }

  async #write(flows: OAuthFlowRecord[]): Promise<void> {
    try {
      await writeFileAtomic(this.path, JSON.stringify({ version: 1, flows }) + '\n', { mode: 0o600, fsync: this.fsync });
    } catch (e) {
      throw ioError('cannot write the pending OAuth flows', this.path, e);
    }
  }
}
