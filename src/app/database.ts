import { existsSync } from 'node:fs';
import { keyFilePath } from '../crypto/key-file.js';
import { KEY_ENV } from '../crypto/load.js';
import { ValidationError } from '../domain/errors.js';
import { checkDatabaseUrl, DATABASE_URL_ENV } from '../store/postgres/url.js';

/** `--database-url`, else CONNECTOR_GATEWAY_DATABASE_URL, else none (the embedded data file). */
export function resolveDatabaseUrl(explicit: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (explicit !== undefined) return checkDatabaseUrl(explicit, '--database-url');
  const fromEnv = env[DATABASE_URL_ENV];
  if (fromEnv === undefined || fromEnv.trim() === '') return undefined;
  return checkDatabaseUrl(fromEnv.trim(), DATABASE_URL_ENV);
}

/**
 * With a database, the key must be one every replica has: CONNECTOR_GATEWAY_KEY, or a key file that
 * already exists (e.g. the one beside an imported data file). A first-run key file is never made
 * then: each replica would make its own, and none could open what another sealed.
 */
export function requireSharedKey(env: NodeJS.ProcessEnv, dataFile: string): void {
  if (env[KEY_ENV]?.trim()) return;
  if (existsSync(keyFilePath(dataFile))) return;
  throw new ValidationError(
    `with a database every replica must seal credentials with the same key: set ${KEY_ENV} (the same on every replica; make one with: openssl rand -base64 32), or point --data at the data file whose key file you use`,
    KEY_ENV,
    'key_required',
  );
}
