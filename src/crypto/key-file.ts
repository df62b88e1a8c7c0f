import { readFileSync, statSync } from 'node:fs';
import { open, rename, unlink, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { StorageError } from '../domain/errors.js';
import { KEY_BYTES, keyIdOf, KeyRing, type RingKey } from './keyring.js';

/**
 * The key file beside the data file (`<data file>.key`), used when CONNECTOR_GATEWAY_KEY is unset:
 *   {"version":1,"primary":kid,"keys":[{"kid","key":base64,"created_at"}]}
 * Old keys are never removed by rotation: other processes may still hold blobs sealed with them.
 */
const KeyFileSchema = z.strictObject({
  version: z.literal(1),
  primary: z.string().min(1),
  keys: z
    .array(
      z.strictObject({
        kid: z.string().regex(/^[0-9a-f]{16}$/),
        key: z.base64(),
        created_at: z.iso.datetime({ offset: true }),
      }),
    )
    .min(1),
});

export function keyFilePath(dataFile: string): string {
  return `${dataFile}.key`;
}

export function serializeKeyFile(ring: KeyRing): string {
  const keys = ring.entries().map((k) => ({ kid: k.kid, key: k.key.toString('base64'), created_at: k.created_at ?? new Date().toISOString() }));
  return JSON.stringify({ version: 1, primary: ring.primary.kid, keys }, null, 2) + '\n';
}

function invalid(path: string, what: string): StorageError {
  // Never quotes the file: it holds the keys.
  return new StorageError(`key file ${path}: ${what}; restore it from a backup (without it sealed credentials cannot be opened)`, 'key_file_invalid');
}

export function parseKeyFile(text: string, path: string): KeyRing {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalid(path, 'is not valid JSON');
  }
  const r = KeyFileSchema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw invalid(path, `${issue?.path.map(String).join('.') || 'file'}: ${issue?.message ?? 'invalid'}`);
  }
  const keys: RingKey[] = r.data.keys.map((k, i) => {
    const key = Buffer.from(k.key, 'base64');
    if (key.length !== KEY_BYTES) throw invalid(path, `keys.${i}.key must be ${KEY_BYTES} bytes of base64`);
    if (keyIdOf(key) !== k.kid) throw invalid(path, `keys.${i}.kid does not match its key`);
    return { kid: k.kid, key, created_at: k.created_at };
  });
  if (!keys.some((k) => k.kid === r.data.primary)) throw invalid(path, 'primary names no key in keys');
  return new KeyRing(keys, r.data.primary);
}

/** Synchronous on purpose: used by the vault when it meets an unknown key id mid-request. */
export function readKeyFileSync(path: string): KeyRing {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new StorageError(`cannot read the key file ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, 'key_file_unreadable', e);
  }
  return parseKeyFile(text, path);
}

/** The permission bits beyond owner read/write, or 0 when the mode is 0600 or narrower. */
export function excessMode(path: string): number {
  return statSync(path).mode & 0o077;
}

/**
 * Replaces the key file atomically with mode 0600: temp file (created 0600, fsynced), rename, fsync of
 * the folder. Hand-written rather than steno because steno creates its temp file with the default mode.
 */
export async function writeKeyFileAtomic(path: string, ring: KeyRing): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, serializeKeyFile(ring), { mode: 0o600, flag: 'wx', flush: true });
    await rename(tmp, path);
    const dir = await open(dirname(path), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw new StorageError(`cannot write the key file ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, 'key_file_unwritable', e);
  }
}
