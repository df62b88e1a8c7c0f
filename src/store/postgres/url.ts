import { ValidationError } from '../../domain/errors.js';

/** Database URLs, without loading the driver: the CLI checks and names them before anything connects. */
export const DATABASE_URL_ENV = 'CONNECTOR_GATEWAY_DATABASE_URL';

/**
 * A database URL as it may be shown: scheme, user, host, port and database, never the password
 * (nor query parameters, which may carry one). Every message that names the database uses this.
 */
export function describeDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    const user = u.username ? `${decodeURIComponent(u.username)}${u.password ? ':***' : ''}@` : '';
    return `${u.protocol}//${user}${u.host}${u.pathname}`;
  } catch {
    return '(an unparseable database URL)';
  }
}

/** Checks the shape of a database URL before anything connects; the message never echoes it. */
export function checkDatabaseUrl(url: string, param: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ValidationError(`${param}: is not a URL; expected postgres://user@host:port/database`, param);
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new ValidationError(`${param}: must start with postgres:// or postgresql://, not ${u.protocol}//`, param);
  }
  if (!u.hostname) throw new ValidationError(`${param}: names no host; expected postgres://user@host:port/database`, param);
  if (u.pathname.length <= 1) throw new ValidationError(`${param}: names no database; expected postgres://user@host:port/database`, param);
  return url;
}
