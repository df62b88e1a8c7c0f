import { silentLogger, type Logger } from '../domain/logger.js';
import { ValidationError } from '../domain/errors.js';
import { LowdbStore } from './lowdb.js';
import { MemoryStore } from './memory.js';
import type { Store } from './types.js';

export type { Store, ChangeEvent, ApiKeyRecord, AuditEvent, ListOptions, OAuthFlowLimits, OAuthFlowRecord, Page } from './types.js';
export { LowdbStore, type LowdbStoreOptions } from './lowdb.js';
export { MemoryStore } from './memory.js';

export interface OpenStoreOptions {
  kind: 'lowdb' | 'memory';
  /** The data file (required for lowdb). */
  file?: string;
  log?: Logger;
  fsync?: boolean;
}

export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  const log = opts.log ?? silentLogger;
  if (opts.kind === 'memory') return new MemoryStore({ log });
  if (!opts.file) throw new ValidationError('the lowdb store needs a data file path', 'CONNECTOR_GATEWAY_DATA');
  return LowdbStore.open({ file: opts.file, log, ...(opts.fsync !== undefined ? { fsync: opts.fsync } : {}) });
}
