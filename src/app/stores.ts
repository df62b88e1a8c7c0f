import type { Logger } from '../domain/logger.js';
import { openStore } from '../store/index.js';
import type { PostgresStore } from '../store/postgres/store.js';
import type { Store } from '../store/types.js';

/**
 * The concrete stores for the command line's one-off commands (settings, keyring, import/export),
 * built here so that the composition root stays the one place that chooses a store.
 */
export function openDataStore(opts: { databaseUrl: string | undefined; file: string; log?: Logger }): Promise<Store> {
  const log = opts.log ? { log: opts.log } : {};
  return openStore(opts.databaseUrl !== undefined ? { kind: 'postgres', databaseUrl: opts.databaseUrl, ...log } : { kind: 'lowdb', file: opts.file, ...log });
}

/** The embedded data file, whatever database the environment names (import reads one, keyring init writes one). */
export function openDataFile(file: string, log?: Logger): Promise<Store> {
  return openStore({ kind: 'lowdb', file, ...(log ? { log } : {}) });
}

/** The PostgreSQL store itself, for its snapshot import; the driver is loaded only when asked for. */
export async function openDatabase(url: string, log: Logger): Promise<PostgresStore> {
  const { PostgresStore } = await import('../store/postgres/store.js');
  return PostgresStore.open({ url, log });
}
