import { readFile, stat } from 'node:fs/promises';
import type { AppContext } from '../../app/context.js';
import { loadSettings, oauthClientSecret, type Settings } from '../../config/settings.js';
import { keyFilePath, KEY_ENV, parseEnvKeys } from '../../crypto/index.js';
import { readKeyFileSync } from '../../crypto/key-file.js';
import { errorMessage } from '../../domain/errors.js';
import { mergedDocument, readJournal } from '../../store/read-document.js';

export interface Check {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  /** What was found and, when it is not ok, what to do about it. */
  message: string;
  /** Ids involved (configurations whose credentials do not open, …), for --json readers. */
  ids?: string[];
}

/** What the data file check learned, for the checks that follow. */
export interface DataFileState {
  exists: boolean;
  /** Configurations in the file that hold sealed credentials. */
  sealedCount: number;
}

export async function checkDataFile(file: string): Promise<{ check: Check; state: DataFileState | undefined }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      return {
        check: { name: 'data file', status: 'warn', message: `${file} does not exist yet; it is created on first use (set CONNECTOR_GATEWAY_DATA or --data to use another)` },
        state: { exists: false, sealedCount: 0 },
      };
    }
    return { check: { name: 'data file', status: 'fail', message: `cannot read ${file} (${code ?? 'error'}); check its owner and permissions` }, state: undefined };
  }
  try {
    // The data file plus its journal (writes not folded in yet): what a running server serves.
    const doc = mergedDocument(text, await readJournal(file), file);
    const sealedCount = doc.configurations.filter((c) => typeof c === 'object' && c !== null && 'credentials_sealed' in c).length;
    return {
      check: { name: 'data file', status: 'ok', message: `${file} (schema_version ${doc.schema_version}, ${doc.configurations.length} configuration(s), ${doc.api_keys.length} API key(s))` },
      state: { exists: true, sealedCount },
    };
  } catch (e) {
    return { check: { name: 'data file', status: 'fail', message: errorMessage(e) }, state: undefined };
  }
}

/** Group or world bits on a file that holds secrets (sealed or not) are worth a warning with the fix. */
export async function checkPermissions(files: { label: string; path: string }[]): Promise<Check[]> {
  const out: Check[] = [];
  if (process.platform === 'win32') return out; // POSIX mode bits mean nothing there
  for (const f of files) {
    let mode: number;
    try {
      mode = (await stat(f.path)).mode;
    } catch {
      continue; // absent files are reported by their own checks
    }
    const extra = mode & 0o077;
    out.push(
      extra === 0
        ? { name: 'permissions', status: 'ok', message: `${f.label} ${f.path} is private (mode 0${(mode & 0o777).toString(8)})` }
        : { name: 'permissions', status: 'warn', message: `${f.label} ${f.path} is readable or writable by other users (mode 0${(mode & 0o777).toString(8)}); run: chmod 600 ${f.path}` },
    );
  }
  return out;
}

/** The key without creating one: doctor must never write a new key next to existing sealed data. */
export function checkKey(env: NodeJS.ProcessEnv, dataFile: string, data: DataFileState | undefined, dataFlag = ''): { check: Check; usable: boolean } {
  const fromEnv = env[KEY_ENV];
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    try {
      const keys = parseEnvKeys(fromEnv);
      return { check: { name: 'key', status: 'ok', message: `${keys.length} key(s) from ${KEY_ENV}` }, usable: true };
    } catch (e) {
      return { check: { name: 'key', status: 'fail', message: `${errorMessage(e)}` }, usable: false };
    }
  }
  const keyFile = keyFilePath(dataFile);
  let ring;
  try {
    ring = readKeyFileSync(keyFile);
  } catch (e) {
    const missing = ((e as { cause?: NodeJS.ErrnoException }).cause?.code ?? '') === 'ENOENT';
    if (missing && (data?.sealedCount ?? 0) === 0) {
      return { check: { name: 'key', status: 'warn', message: `no key yet: ${keyFile} is created on first use, or now; run: connector-gateway keyring init${dataFlag} (or set ${KEY_ENV} to a base64 key from: openssl rand -base64 32)` }, usable: false };
    }
    if (missing) {
      return {
        check: {
          name: 'key',
          status: 'fail',
          message: `the key file ${keyFile} is missing, so ${data?.sealedCount ?? 0} sealed credential(s) cannot be opened; restore it from a backup or set ${KEY_ENV} to the key they were sealed with`,
        },
        usable: false,
      };
    }
    return { check: { name: 'key', status: 'fail', message: errorMessage(e) }, usable: false };
  }
  return { check: { name: 'key', status: 'ok', message: `${ring.kids.length} key(s) from key file ${keyFile}, primary ${ring.primary.kid}` }, usable: true };
}

/** The settings file parses, and every OAuth client secret it points to can be found. */
export function checkSettings(env: NodeJS.ProcessEnv): { checks: Check[]; settings: Settings | undefined } {
  const file = env.CONNECTOR_GATEWAY_CONFIG;
  let settings: Settings;
  try {
    settings = loadSettings(file === '' ? undefined : file, env);
  } catch (e) {
    return { checks: [{ name: 'settings', status: 'fail', message: `${errorMessage(e)}; fix the file or unset CONNECTOR_GATEWAY_CONFIG` }], settings: undefined };
  }
  const checks: Check[] = [{ name: 'settings', status: 'ok', message: file ? `${file} parses` : 'no settings file (CONNECTOR_GATEWAY_CONFIG unset): defaults' }];
  for (const [connector, client] of Object.entries(settings.oauth)) {
    const secret = oauthClientSecret(client, env);
    if (secret !== undefined && secret !== '') checks.push({ name: 'settings', status: 'ok', message: `oauth.${connector}: client secret found${client.client_secret_env ? ` in ${client.client_secret_env}` : ''}` });
    else if (client.client_secret_env) {
      checks.push({ name: 'settings', status: 'fail', message: `oauth.${connector}.client_secret_env names ${client.client_secret_env}, which is not set; export it before starting connector-gateway` });
    } else checks.push({ name: 'settings', status: 'ok', message: `oauth.${connector}: public client (no client secret)` });
  }
  return { checks, settings };
}

/** Opens every sealed credential with the current key; lists each one it cannot open. */
export async function checkSealed(ctx: AppContext): Promise<Check> {
  const all = await ctx.store.allConfigurations();
  const sealed = all.filter((r) => r.credentials_sealed);
  const failed: string[] = [];
  for (const r of sealed) {
    try {
      await ctx.sealer.unseal(r.credentials_sealed!, { configurationId: r.id, organizationId: r.organization_id });
    } catch {
      failed.push(r.id);
    }
  }
  if (failed.length === 0) return { name: 'credentials', status: 'ok', message: `the key opens all ${sealed.length} sealed credential(s) of ${all.length} configuration(s)` };
  return {
    name: 'credentials',
    status: 'fail',
    message: `${failed.length} of ${sealed.length} sealed credential(s) cannot be opened (${failed.join(', ')}): set CONNECTOR_GATEWAY_KEY to the key they were written with, or set their credentials again with configs update --credentials`,
    ids: failed,
  };
}
