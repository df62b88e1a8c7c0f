import { readFile } from 'node:fs/promises';
import { StorageError } from '../domain/errors.js';
import { ioError, writeFileAtomic } from './file-io.js';
import { KeyPolicySchema } from './key-policy.js';
import { parseStored } from './schemas.js';
import type { KeyPolicy } from './types.js';

/**
 * The key policy of the file store, in `<data file>.key-policy.json` (mode 0600; key ids only, never a
 * key): a tiny file rewritten atomically, read fresh whenever a process is about to seal or to commit
 * a new credentials blob, so every process sharing the data sees a rotation at once. The data store
 * writes it under the data file's lock, which makes its commit check atomic with the policy.
 */
export class PolicyFile {
  constructor(
    readonly path: string,
    private readonly fsync: boolean,
  ) {}

  async read(): Promise<KeyPolicy | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw ioError('cannot read the key policy', this.path, e);
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new StorageError(`key policy ${this.path}: not valid JSON; run \`connector-gateway keyring rotate\` again to rewrite it`, 'storage_corrupt');
    }
    return parseStored(KeyPolicySchema, value, `key policy ${this.path}`);
  }

  async write(policy: KeyPolicy): Promise<void> {
    try {
      await writeFileAtomic(this.path, JSON.stringify(policy) + '\n', { mode: 0o600, fsync: this.fsync });
    } catch (e) {
      throw ioError('cannot write the key policy', this.path, e);
    }
  }
}
