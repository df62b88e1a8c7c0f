import { ConfigTable } from './config-table.js';
import { KeyTable } from './key-table.js';
import type { Change } from './changes.js';

/** Everything a store holds in memory, with the one way to apply (and undo) a planned change. */
export class Tables {
  readonly configs = new ConfigTable();
  readonly keys = new KeyTable();

  apply(c: Change): void {
    if (c.kind === 'api_key') return this.keys.put(c.after);
    if (c.op === 'deleted') this.configs.remove(c.before.id);
    else this.configs.put(c.after);
  }

  /** Undoes `apply` when the write that should have followed it failed. */
  revert(c: Change): void {
    if (c.kind === 'api_key') {
      if (c.op === 'created') this.keys.remove(c.after.id);
      else this.keys.put({ ...c.after, revoked_at: undefined });
      return;
    }
    if (c.op === 'created') this.configs.remove(c.after.id);
    else this.configs.put(c.before);
  }
}
