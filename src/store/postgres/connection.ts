import pg from 'pg';
import { GatewayError, StorageError, StorageUnavailableError } from '../../domain/errors.js';
import { describeDatabaseUrl } from './url.js';
import type { Logger } from '../../domain/logger.js';

export { DATABASE_URL_ENV, checkDatabaseUrl, describeDatabaseUrl } from './url.js';

export interface PoolOptions {
  url: string;
  log: Logger;
  max?: number;
  /** Give up on a connection attempt after this long (default 5 s): a down database is an error, not a hang. */
  connectTimeoutMs?: number;
  /** Give up on a query after this long (default 15 s). */
  queryTimeoutMs?: number;
  applicationName?: string;
}

export function clientConfig(opts: PoolOptions): pg.ClientConfig {
  return {
    connectionString: opts.url,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 5_000,
    query_timeout: opts.queryTimeoutMs ?? 15_000,
    keepAlive: true,
    application_name: opts.applicationName ?? 'connector-gateway',
  };
}

export function createPool(opts: PoolOptions): pg.Pool {
  const pool = new pg.Pool({ ...clientConfig(opts), max: opts.max ?? 10, idleTimeoutMillis: 30_000 });
  // An idle client whose connection dies (database restart) emits here; unhandled, it would end the
  // process. The pool drops that client; the next query opens a new connection.
  pool.on('error', (e) => opts.log.warn({ err_code: codeOf(e) }, 'database connection lost; reconnecting on next use'));
  // A client that is checked out (a transaction, a held lock) has no pool listener: the pool removes
  // it at checkout, and a connection terminated between two of its queries would end the process.
  // The holder's next query fails as a connection error, and the pool drops the client on release.
  pool.on('connect', (client) => client.on('error', (e) => opts.log.debug({ err_code: codeOf(e) }, 'database connection lost while in use; the request using it fails and may be retried')));
  return pool;
}

function codeOf(e: unknown): string {
  if (typeof e === 'object' && e !== null && 'code' in e && typeof (e as { code: unknown }).code === 'string') return (e as { code: string }).code;
  return e instanceof Error ? e.message.slice(0, 60) : 'unknown';
}

/** SQLSTATE classes and driver conditions that mean "the database is not there right now". */
export function isConnectionError(e: unknown): boolean {
  const code = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : '';
  if (/^(08|57P0[1-3]|53300)/.test(code)) return true; // connection exception, admin shutdown, crash, cannot connect now, too many connections
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH'].includes(code)) return true;
  const m = e instanceof Error ? e.message : '';
  // A database taken offline (ALTER DATABASE … ALLOW_CONNECTIONS false, as during maintenance) refuses new sessions with 55000.
  if (code === '55000' && /not currently accepting connections/i.test(e instanceof Error ? e.message : '')) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|Connection ended|not queryable/i.test(m);
}

/**
 * Turns a driver error into one of ours, one line. The driver's message and detail may quote values from the
 * statement (a key, a document), so only the SQLSTATE and the constraint name are kept.
 */
export function mapDbError(e: unknown, where: string, url?: string): Error {
  // Named at startup and in commands (the operator's view); not in answers to requests, which clients read.
  const db = url === undefined ? 'the database' : `the database ${describeDatabaseUrl(url)}`;
  // Our own errors (a conflict, a missing record, a refused input) pass as they are.
  if (e instanceof GatewayError) return e;
  if (isConnectionError(e)) {
    return new StorageUnavailableError(`${db} is unavailable (${codeOf(e)}) during ${where}; retry shortly`, 1000);
  }
  const code = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : 'unknown';
  const constraint = typeof e === 'object' && e !== null && 'constraint' in e && typeof (e as { constraint: unknown }).constraint === 'string' ? ` (constraint ${(e as { constraint: string }).constraint})` : '';
  if (code === '3D000') return new StorageError(`${db} does not exist: create it (createdb), then run connector-gateway migrate`, 'storage_unavailable');
  if (code === '28P01' || code === '28000') return new StorageError(`${db} refused the connection's credentials (SQLSTATE ${code}); check the user and password of the database URL`, 'storage_unavailable');
  if (code === '42P01') {
    return new StorageError(`${db} has no connector-gateway schema: run connector-gateway migrate`, 'storage_unmigrated');
  }
  return new StorageError(`database error SQLSTATE ${code}${constraint} during ${where}`, 'storage_error');
}
