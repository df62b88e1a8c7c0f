import { readFile } from 'node:fs/promises';
import { StorageError } from '../domain/errors.js';
import { ioError, writeFileAtomic } from './file-io.js';
import { parseStored } from './schemas.js';
import { StoredSettingsSchema } from './stored-settings.js';
import type { StoredSettings } from './types.js';

/**
 * The stored settings of the file store, in `<data file>.settings.json` (mode 0600): a tiny file
 * rewritten atomically under the data file's lock and read fresh on every use, so that every process
 * sharing the data file reads the same value. No secret is ever kept here.
 */
export class SettingsFile {
  constructor(
    readonly path: string,
    private readonly fsync: boolean,
  ) {}

  /** The raw text (undefined when absent): cheap change detection for the watcher. */
  async text(): Promise<string | undefined> {
    try {
      return await readFile(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw ioError('cannot read the stored settings', this.path, e);
    }
  }

  async read(): Promise<StoredSettings> {
    const text = await this.text();
    if (text === undefined) return {};
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new StorageError(`stored settings ${this.path}: not valid JSON; fix or delete the file, then run \`connector-gateway settings set\` again`, 'storage_corrupt');
    }
    return parseStored(StoredSettingsSchema, value, `stored settings ${this.path}`);
  }

  async write(settings: StoredSettings): Promise<void> {
    try {
      await writeFileAtomic(this.path, JSON.stringify(settings) + '\n', { mode: 0o600, fsync: this.fsync });
    } catch (e) {
      throw ioError('cannot write the stored settings', this.path, e);
    }
  }
}
