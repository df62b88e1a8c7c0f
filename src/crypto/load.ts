import { existsSync } from 'node:fs';
import { link, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { StorageError, ValidationError } from '../domain/errors.js';
import { createExclusive } from '../store/file-io.js';
import { acquireLock } from '../store/lockfile.js';
import { excessMode, keyFilePath, readKeyFileSync, serializeKeyFile, writeKeyFileAtomic } from './key-file.js';
import { generateKey, KEY_BYTES, KeyRing } from './keyring.js';

export const KEY_ENV = 'CONNECTOR_GATEWAY_KEY';

export interface LoadedKeyRing {
  ring: KeyRing;
  source: 'env' | 'file';
  /** The key file, when the keys come from one. */
  keyFile?: string;
  /** True when this call created the key file (first run). */
  created: boolean;
  /** The key file is readable or writable by others than its owner. */
  insecureMode: boolean;
  warnings: string[];
  /** Re-reads the keys after another process rotated them; undefined for environment keys. */
  reload: () => KeyRing | undefined;
}

const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const BASE64URL_RE = /^[A-Za-z0-9_-]+$/;

/** Parses one key: base64 (or base64url) of exactly 32 bytes. The error never echoes the value. */
export function parseKey(text: string, what: string): Buffer {
  const t = text.trim();
  const standard = BASE64_RE.test(t);
  if (!t || (!standard && !BASE64URL_RE.test(t))) {
    throw new ValidationError(`${what} is not base64; generate a key with: openssl rand -base64 32`, KEY_ENV);
  }
  const key = Buffer.from(t, standard ? 'base64' : 'base64url');
  if (key.length !== KEY_BYTES) {
    throw new ValidationError(`${what} decodes to ${key.length} bytes, not ${KEY_BYTES}; generate a key with: openssl rand -base64 32`, KEY_ENV);
  }
  return key;
}

/** CONNECTOR_GATEWAY_KEY: one key, or several separated by commas (the first seals, all open). */
export function parseEnvKeys(value: string): Buffer[] {
  const parts = value.split(',');
  return parts.map((p, i) => parseKey(p, parts.length === 1 ? KEY_ENV : `${KEY_ENV} entry ${i + 1} of ${parts.length}`));
}

/**
 * The key ring: from CONNECTOR_GATEWAY_KEY when set, else from the key file beside the data file.
 * A new key file is made (mode 0600, exclusively, so two processes starting together agree on one
 * key) only on a first run, when no sealed data exists. When sealed data exists, a missing key file
 * or a ring without the keys it was sealed with is refused (key_missing): a silently new key would
 * make every stored credential unreadable, and the next write would mix two keys. Only
 * `connector-gateway keyring init` makes a key then.
 */
export async function loadKeyRing(opts: { env?: NodeJS.ProcessEnv; dataFile: string; sealedKids?: readonly string[] }): Promise<LoadedKeyRing> {
  const env = opts.env ?? process.env;
  const sealed = [...new Set(opts.sealedKids ?? [])];
  const fromEnv = env[KEY_ENV];
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    const ring = KeyRing.of(parseEnvKeys(fromEnv));
    requireKids(ring, sealed, `the environment variable ${KEY_ENV}`, opts.dataFile);
    return { ring, source: 'env', created: false, insecureMode: false, warnings: [], reload: () => undefined };
  }
  const keyFile = keyFilePath(opts.dataFile);
  let created = false;
  if (!existsSync(keyFile)) {
    if (sealed.length > 0) {
      throw new StorageError(
        `the key file ${keyFile} is missing, and ${opts.dataFile} holds credentials sealed with key ${sealed.join(', ')}; restore the key file from a backup, or set ${KEY_ENV} to that key. Only if the key is lost for good: run \`connector-gateway keyring init --force\` to make a new key, then set every credential again`,
        'key_missing',
      );
    }
    try {
      created = await createExclusive(keyFile, serializeKeyFile(KeyRing.of([generateKey()])), 0o600);
    } catch (e) {
      throw new StorageError(`cannot create the key file ${keyFile}: ${(e as NodeJS.ErrnoException).code ?? String(e)}; check that its folder is writable, or set ${KEY_ENV}`, 'key_file_unwritable', e);
    }
  }
  const ring = readKeyFileSync(keyFile);
  requireKids(ring, sealed, `the key file ${keyFile}`, opts.dataFile);
  const extra = excessMode(keyFile);
  const warnings = extra
    ? [`the key file ${keyFile} is accessible to other users (mode bits 0${extra.toString(8)} beyond 0600); run: chmod 600 ${keyFile}`]
    : [];
  return { ring, source: 'file', keyFile, created, insecureMode: extra !== 0, warnings, reload: () => readKeyFileSync(keyFile) };
}

/** Every key the data was sealed with must be in the ring, or nothing starts (and nothing seals under a stranger). */
function requireKids(ring: KeyRing, sealed: readonly string[], where: string, dataFile: string): void {
  const missing = sealed.filter((kid) => !ring.has(kid));
  if (missing.length === 0) return;
  throw new StorageError(
    `${dataFile} holds credentials sealed with key ${missing.join(', ')}, which ${where} does not hold (it holds ${ring.kids.join(', ')}); use the key the data was written with (during a rotation, ${KEY_ENV}=<new>,<old> holds both). Only if that key is lost for good: run \`connector-gateway keyring init --force\`, then set every credential again`,
    'key_missing',
  );
}

/**
 * `keyring init`: makes a new key file. Refuses when the keys come from the environment, and when a
 * key file exists unless `force`, which keeps the old file beside it as `<key file>.replaced-<time>`.
 */
export async function initKeyFile(opts: { env?: NodeJS.ProcessEnv; dataFile: string; force: boolean }): Promise<{ keyFile: string; kid: string; replaced?: string }> {
  const env = opts.env ?? process.env;
  if (env[KEY_ENV]?.trim()) throw new ValidationError(`the keys come from ${KEY_ENV}: there is no key file to make; generate a key with: openssl rand -base64 32`, KEY_ENV);
  const keyFile = keyFilePath(opts.dataFile);
  const ring = KeyRing.of([generateKey()]);
  if (!existsSync(keyFile)) {
    await mkdir(dirname(keyFile), { recursive: true, mode: 0o700 });
    if (await createExclusive(keyFile, serializeKeyFile(ring), 0o600)) return { keyFile, kid: ring.primary.kid };
  }
  if (!opts.force) throw new ValidationError(`the key file ${keyFile} exists; \`keyring init --force\` replaces it (credentials sealed with it can then no longer be opened)`, 'force', 'key_file_exists');
  const replaced = `${keyFile}.replaced-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  await link(keyFile, replaced);
  await writeKeyFileAtomic(keyFile, ring);
  return { keyFile, kid: ring.primary.kid, replaced };
}

/**
 * With keys from the environment, rotation needs the new key already first in CONNECTOR_GATEWAY_KEY:
 * a single key there is refused with what to do. Checked before the data is opened, so the advice
 * is what the user sees, not the refusal of a key that no longer opens the data.
 */
export function assertEnvRotatable(env: NodeJS.ProcessEnv = process.env): void {
  const fromEnv = env[KEY_ENV];
  if (fromEnv === undefined || fromEnv.trim() === '') return;
  if (KeyRing.of(parseEnvKeys(fromEnv)).entries().length > 1) return;
  throw new ValidationError(
    `the keys come from ${KEY_ENV}, so a new key cannot be stored for you: generate one (openssl rand -base64 32), put it first, ${KEY_ENV}=<new>,<old>, and run the rotation again to re-seal every credential under it`,
    KEY_ENV,
  );
}

export interface RotatedKeyRing {
  ring: KeyRing;
  previousKid: string;
  /** False for environment keys: the caller must make the new key first in CONNECTOR_GATEWAY_KEY. */
  persisted: boolean;
}

/**
 * Adds a key and makes it primary. Old keys stay in the ring (and the file): blobs sealed before,
 * including copies other processes still hold, keep opening; `resealAll` then moves every record to
 * the new key. With environment keys there is no file to persist a key in: the new key is `newKey`,
 * or, when CONNECTOR_GATEWAY_KEY lists several, its first entry (the user already put it first);
 * a single environment key is an error that says how to add one. Running servers keep their
 * environment ring until restarted with the new variable (old blobs still open, new ones too).
 */
export async function rotateKeyRing(opts: { env?: NodeJS.ProcessEnv; dataFile: string; newKey?: Buffer; sealedKids?: readonly string[] }): Promise<RotatedKeyRing> {
  const env = opts.env ?? process.env;
  const fromEnv = env[KEY_ENV];
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    const current = KeyRing.of(parseEnvKeys(fromEnv));
    if (opts.newKey) return { ring: current.withPrimary(opts.newKey), previousKid: current.primary.kid, persisted: false };
    assertEnvRotatable(env);
    // The documented flow: the user put the new key first (<new>,<old>); rotating re-seals under it.
    return { ring: current, previousKid: current.entries()[1]!.kid, persisted: false };
  }
  const keyFile = keyFilePath(opts.dataFile);
  await loadKeyRing({ env: {}, dataFile: opts.dataFile, ...(opts.sealedKids ? { sealedKids: opts.sealedKids } : {}) });
  const release = await acquireLock(`${keyFile}.lock`, { ttlMs: 10_000, timeoutMs: 30_000 });
  try {
    // Re-read under the lock: another process may have rotated a moment ago.
    const current = readKeyFileSync(keyFile);
    const ring = current.withPrimary(opts.newKey ?? generateKey());
    await writeKeyFileAtomic(keyFile, ring);
    return { ring, previousKid: current.primary.kid, persisted: true };
  } finally {
    await release();
  }
}
