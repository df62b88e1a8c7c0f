import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigurationRecord, NewConfigurationRecord } from '../../../src/domain/configuration.js';
import { newId } from '../../../src/domain/ids.js';
import type { ChangeEvent, Store } from '../../../src/store/types.js';

let clock = Date.parse('2025-01-01T00:00:00Z');

/** A valid record; each call gets a later created_at so creation order is deterministic. */
export function makeRecord(over: Partial<ConfigurationRecord> = {}): NewConfigurationRecord {
  const at = new Date((clock += 1000)).toISOString();
  return {
    id: newId('pconf_'),
    object: 'personal_connector.configuration',
    user_id: 'usr_alice',
    organization_id: 'org_acme',
    personal_connector_id: 'pc_github',
    name: 'My GitHub',
    configuration: { repository: 'acme/backend' },
    enabled: true,
    health_status: 'unknown',
    metadata: {},
    created_at: at,
    updated_at: at,
    ...over,
  };
}

export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'cg-store-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Collects events; `next(pred)` resolves when a matching one has arrived (now or later). */
export function recordEvents(store: Store) {
  const events: ChangeEvent[] = [];
  const waiters: { pred: (e: ChangeEvent) => boolean; resolve: (e: ChangeEvent) => void }[] = [];
  const off = store.onChange((e) => {
    events.push(e);
    for (const w of [...waiters]) {
      if (w.pred(e)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(e);
      }
    }
  });
  return {
    events,
    off,
    next(pred: (e: ChangeEvent) => boolean): Promise<ChangeEvent> {
      const found = events.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve) => waiters.push({ pred, resolve }));
    },
  };
}
