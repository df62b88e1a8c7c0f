import { silentLogger, type Logger } from '../domain/logger.js';
import { ValidationError } from '../domain/errors.js';
import { LowdbStore } from './lowdb.js';
import { MemoryStore } from './memory.js';
import type { Store } from './types.js';

export type { Store, ChangeEvent, ApiKeyRecord, AuditEvent, ListOptions, OAuthFlowLimits, OAuthFlowRecord, Page } from './types.js';
export { LowdbStore, type LowdbStoreOptions } from './lowdb.js';
export { MemoryStore } from './memory.js';
export type { PostgresStore, PostgresStoreOptions } from './postgres/store.js';

export interface OpenStoreOptions {
  kind: 'lowdb' | 'memory' | 'postgres';
  /** The data file (required for lowdb). */
  file?: string;
  /** The database URL (required for postgres). */
  databaseUrl?: string;
  log?: Logger;
  fsync?: boolean;
}

export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  const log = opts.log ?? silentLogger;
  if (opts.kind === 'memory') return new MemoryStore({ log });
  if (opts.kind === 'postgres') {
    if (!opts.databaseUrl) throw new ValidationError('the PostgreSQL store needs a database URL', 'CONNECTOR_GATEWAY_DATABASE_URL');
    // Loaded only when asked for: the embedded store's users never load the driver.
    const { PostgresStore } = await import('./postgres/store.js');
    return PostgresStore.open({ url: opts.databaseUrl, log: log.child({ component: 'store' }) });
  }
  if (!opts.file) throw new ValidationError('the lowdb store needs a data file path', 'CONNECTOR_GATEWAY_DATA');
  return LowdbStore.open({ file: opts.file, log, ...(opts.fsync !== undefined ? { fsync: opts.fsync } : {}) });
}
