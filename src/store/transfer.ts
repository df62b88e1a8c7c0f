import { existsSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import type { ConfigurationRecord } from '../domain/configuration.js';
import { ConflictError } from '../domain/errors.js';
import { createExclusive } from './file-io.js';
import { newEpoch, serializeDocument } from './file-format.js';
import { SettingsFile } from './settings-file.js';
import type { ApiKeyRecord, AuditEvent, OAuthRegistrationRecord, Store, StoredSettings } from './types.js';

/**
 * Everything a store holds that outlives a request, as it is stored: configurations with their
 * versions and sealed credentials (key ids and all), API keys (hashes only), the audit trail
 * oldest first, and the stored settings (allow_loopback, allow_private). Pending OAuth flows are not part of it: they live minutes, and a flow begun before
 * a move is started again.
 */
export interface Snapshot {
  configurations: ConfigurationRecord[];
  apiKeys: ApiKeyRecord[];
  audit: AuditEvent[];
  /** OAuth client registrations with remote authorization servers (sealed). */
  registrations: OAuthRegistrationRecord[];
  /** The settings kept with the data (`connector-gateway settings`): `{}` when none were set. */
  settings: StoredSettings;
}

/** The stored settings a snapshot carries, for a summary: only the fields that were set. */
export function settingsOf(s: Snapshot): Pick<StoredSettings, 'allow_loopback' | 'allow_private'> {
  return {
    ...(s.settings.allow_loopback !== undefined ? { allow_loopback: s.settings.allow_loopback } : {}),
    ...(s.settings.allow_private !== undefined ? { allow_private: s.settings.allow_private } : {}),
  };
}

export async function readSnapshot(store: Store): Promise<Snapshot> {
  const configurations = await store.allConfigurations();
  const apiKeys = await store.listApiKeys();
  const newestFirst: AuditEvent[] = [];
  for (let cursor: string | undefined; ; ) {
    const page = await store.listAudit(undefined, { limit: 1000, ...(cursor !== undefined ? { starting_after: cursor } : {}) });
    newestFirst.push(...page.data);
    if (!page.has_more || page.data.length === 0) break;
    cursor = page.data[page.data.length - 1]!.id;
  }
  return { configurations, apiKeys, audit: newestFirst.reverse(), registrations: await store.listOAuthRegistrations(), settings: await store.getStoredSettings() };
}

/** The key ids the snapshot's credentials are sealed with: the key ring that opens them must hold these. */
export function sealedKeyIds(s: Snapshot): string[] {
  return [...new Set(s.configurations.flatMap((r) => (r.credentials_sealed ? [r.credentials_sealed.kid] : [])))].sort();
}

/**
 * Writes a snapshot as a new embedded data file (and its audit log), mode 0600. Refuses a file that
 * exists: an export never overwrites data.
 */
export async function writeEmbeddedFiles(file: string, s: Snapshot): Promise<void> {
  const audit = `${file}.audit.jsonl`;
  const settings = `${file}.settings.json`;
  if (existsSync(file) || existsSync(audit) || existsSync(settings)) throw new ConflictError(`${file} (or its audit log or settings) already exists: export writes a new file only; choose another path`, 'resource_exists');
  const text = serializeDocument(1, s.configurations.map((r) => JSON.stringify(r)), s.apiKeys, newEpoch());
  if (!(await createExclusive(file, text, 0o600))) throw new ConflictError(`${file} already exists: export writes a new file only; choose another path`, 'resource_exists');
  if (s.registrations.length > 0) {
    // Through the embedded store itself, so the registrations file is written the way it reads it.
    const { LowdbStore } = await import('./lowdb.js');
    const store = await LowdbStore.open({ file });
    try {
      for (const r of s.registrations) await store.createOAuthRegistration(r);
    } finally {
      await store.close();
    }
  }
  // Where the embedded store reads them (LowdbStore: `<data file>.settings.json`), as they were.
  if (Object.keys(settingsOf(s)).length > 0) await new SettingsFile(settings, true).write(s.settings);
  if (s.audit.length > 0) await appendFile(audit, s.audit.map((e) => JSON.stringify(e) + '\n').join(''), { mode: 0o600 });
}
